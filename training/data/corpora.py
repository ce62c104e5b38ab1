"""Corpus readers: CREMA-D, GRID and any folder of talking-face videos with a speaker table.

Each reader walks its folder once, takes what the names, folders and tables say, asks PyAV for
fps, audio rate and duration (:func:`~talkrig.training.data.video.probe`), and returns manifest
rows (:class:`~talkrig.training.data.manifest.Utterance`) sorted by id. Anything it cannot read
(a malformed name, a missing file, a table row naming an unknown file, a file with no video) is
one :class:`~talkrig.training.data.manifest.CorpusError` naming the file.

``known`` (id → row, e.g. from an earlier manifest) lets a reader reuse a row instead of probing
the file again, so re-preparing a corpus does no work twice.
"""

from __future__ import annotations

import contextlib
import csv
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from talkrig.training.data.manifest import CorpusError, Utterance, Word
from talkrig.training.data.video import probe

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi", ".flv", ".mpg", ".mpeg", ".webm")

# CREMA-D (Cao et al. 2014): ``{actor}_{sentence}_{emotion}_{level}.flv``, e.g. 1001_DFA_ANG_XX.
CREMA_SENTENCES = {
    "IEO": "It's eleven o'clock",
    "TIE": "That is exactly what happened",
    "IOM": "I'm on my way to the meeting",
    "IWW": "I wonder what this is about",
    "TAI": "The airplane is almost full",
    "MTI": "Maybe tomorrow it will be cold",
    "IWL": "I would like a new alarm clock",
    "ITH": "I think I have a doctor's appointment",
    "DFA": "Don't forget a jacket",
    "ITS": "I think I've seen this before",
    "TSI": "The surface is slick",
    "WSI": "We'll stop in a couple of minutes",
}
CREMA_EMOTIONS = {
    "ANG": "anger", "DIS": "disgust", "FEA": "fear", "HAP": "happy", "NEU": "neutral", "SAD": "sad",
}  # fmt: skip
CREMA_LEVELS = {"LO": "low", "MD": "medium", "HI": "high", "XX": "unspecified"}
_CREMA_RE = re.compile(r"^(\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{2})$")

GRID_TICKS_PER_S = 25_000  # GRID .align times are in 1/25,000 s
_GRID_SILENCE = frozenset({"sil", "sp"})
_SAFE_RE = re.compile(r"[^A-Za-z0-9._-]+")

Known = Mapping[str, Utterance]


def _safe(text: str) -> str:
    return _SAFE_RE.sub("-", text).strip("-") or "x"


def _row(known: Known | None, template: Utterance) -> Utterance:
    """``template`` completed with PyAV's facts, taken from ``known`` when it has the same file
    (names and tables are re-read every time: only the probe is saved)."""
    previous = (known or {}).get(template.id)
    if previous is not None and previous.source == template.source:
        facts = (previous.fps, previous.sample_rate, previous.duration_s)
    else:
        info = probe(template.source)
        facts = (info.fps, info.sample_rate, info.duration_s)
    return replace(template, fps=facts[0], sample_rate=facts[1], duration_s=facts[2])


def _template(uid: str, corpus: str, speaker: str, source: Path, **facts: Any) -> Utterance:
    """A row whose media facts are placeholders until :func:`_row` probes the file."""
    return Utterance(uid, corpus, speaker, str(source), 1.0, 1, 1.0, **facts)


def _videos(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise CorpusError(f"corpus folder {str(folder)!r} does not exist")
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)


def parse_crema_name(path: str | Path) -> dict[str, str]:
    """``1001_DFA_ANG_XX.flv`` → speaker, sentence text, emotion, level; else CorpusError."""
    path = Path(path)
    match = _CREMA_RE.match(path.stem)
    if match is None:
        raise CorpusError(
            f"CREMA-D file {path.name!r}: expected ACTOR_SENTENCE_EMOTION_LEVEL (1001_DFA_ANG_XX)"
        )
    speaker, sentence, emotion, level = match.groups()
    for code, table, what in (
        (sentence, CREMA_SENTENCES, "sentence"),
        (emotion, CREMA_EMOTIONS, "emotion"),
        (level, CREMA_LEVELS, "level"),
    ):
        if code not in table:
            raise CorpusError(
                f"CREMA-D file {path.name!r}: unknown {what} code {code!r} "
                f"(known: {', '.join(sorted(table))})"
            )
    return {
        "speaker": speaker,
        "sentence": CREMA_SENTENCES[sentence],
        "emotion": CREMA_EMOTIONS[emotion],
        "level": CREMA_LEVELS[level],
    }


def read_crema_d(root: str | Path, known: Known | None = None) -> list[Utterance]:
    """Every video of a CREMA-D ``VideoFlash`` folder (30 fps, sound inside the ``.flv``)."""
    rows = []
    for path in _videos(Path(root)):
        facts = parse_crema_name(path)
        speaker = facts.pop("speaker")
        template = _template(f"crema-d-{path.stem}", "crema-d", speaker, path, **facts)
        rows.append(_row(known, template))
    if not rows:
        raise CorpusError(f"CREMA-D folder {str(root)!r} holds no videos")
    return rows


def read_alignment(path: str | Path) -> tuple[Word, ...]:
    """A GRID ``.align`` file (``start end word`` per line, 1/25,000 s) as timed words."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"GRID alignment {str(path)!r} cannot be read: {exc}") from exc
    words = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parts = line.split()
        try:
            start, end = int(parts[0]), int(parts[1])
            if len(parts) != 3 or not 0 <= start <= end:
                raise ValueError
        except (ValueError, IndexError) as exc:
            raise CorpusError(
                f"GRID alignment {str(path)!r} line {number}: expected 'start end word' with "
                f"0 <= start <= end, got {line!r}"
            ) from exc
        words.append(Word(start / GRID_TICKS_PER_S, end / GRID_TICKS_PER_S, parts[2]))
    if not words:
        raise CorpusError(f"GRID alignment {str(path)!r} is empty")
    return tuple(words)


_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
# GRID's grammar, one letter per word in the clip name: command, colour, preposition, letter
# (no w), digit (z or 0 for zero), adverb
_GRID_WORDS: tuple[dict[str, str], ...] = (
    {"b": "bin", "l": "lay", "p": "place", "s": "set"},
    {"b": "blue", "g": "green", "r": "red", "w": "white"},
    {"a": "at", "b": "by", "i": "in", "w": "with"},
    {c: c for c in "abcdefghijklmnopqrstuvxyz"},
    {**{str(d): word for d, word in enumerate(_DIGITS)}, "z": "zero"},
    {"a": "again", "n": "now", "p": "please", "s": "soon"},
)


def grid_sentence(stem: str) -> str:
    """The sentence a GRID clip's name encodes: ``bbaf2n`` → ``bin blue at f two now``.

    LipNet's sample names (``id2_vcd_swwp2s``) keep the code after the last ``_``.

    Raises:
        CorpusError: the name is not a GRID sentence code.
    """
    code = stem.rsplit("_", 1)[-1].lower()
    if len(code) != len(_GRID_WORDS):
        raise CorpusError(f"{stem!r} is not a GRID sentence code (6 letters like 'bbaf2n')")
    words = []
    for slot, (char, table) in enumerate(zip(code, _GRID_WORDS, strict=True), start=1):
        if char not in table:
            raise CorpusError(f"{stem!r}: {char!r} at place {slot} is not a GRID word code")
        words.append(table[char])
    return " ".join(words)


def _grid_alignment(video: Path, root: Path, speaker: str) -> Path | None:
    """The ``.align`` for ``video``: beside it, or in ``align(ments)/{speaker}/``; the LipNet
    sample names (``id2_vcd_swwp2s``) keep the GRID sentence id after the last ``_``."""
    stems = dict.fromkeys((video.stem, video.stem.rsplit("_", 1)[-1]))
    folders = (video.parent, root / "align" / speaker, root / "alignments" / speaker)
    for folder in folders:
        for stem in stems:
            candidate = folder / f"{stem}.align"
            if candidate.is_file():
                return candidate
    return None


def read_grid(
    root: str | Path, speaker: str | None = None, known: Known | None = None
) -> list[Utterance]:
    """GRID (Cooke et al. 2006): speaker folders ``s1/ … s34/`` of ``.mpg`` clips (25 fps).

    With ``speaker`` given, ``root`` is one flat folder of that speaker's clips. Word timings
    come from ``.align`` files where present; the sentence is the words without ``sil``/``sp``,
    or else what the clip's name encodes (:func:`grid_sentence`; empty for other names).
    """
    root = Path(root)
    if speaker is not None:
        folders = [(speaker, root)]
    elif root.is_dir():
        folders = [(p.name, p) for p in sorted(root.iterdir()) if p.is_dir() and _videos(p)]
    else:
        raise CorpusError(f"GRID folder {str(root)!r} does not exist")
    rows = []
    for name, folder in folders:
        for video in _videos(folder):
            align = _grid_alignment(video, root, name)
            words = read_alignment(align) if align is not None else ()
            sentence = " ".join(w.text for w in words if w.text not in _GRID_SILENCE)
            if not sentence:  # no .align: the clip's name still says what was spoken
                with contextlib.suppress(CorpusError):
                    sentence = grid_sentence(video.stem)
            uid = f"grid-{_safe(name)}-{_safe(video.stem)}"
            template = _template(uid, "grid", name, video, sentence=sentence, words=words)
            rows.append(_row(known, template))
    if not rows:
        raise CorpusError(f"GRID folder {str(root)!r} holds no .mpg videos")
    return rows


def read_video_folder(
    root: str | Path, table: str | Path, corpus: str = "videos", known: Known | None = None
) -> list[Utterance]:
    """Any folder of talking-face videos with a speaker table: CSV with a header row
    ``file,speaker[,emotion]``; ``file`` is relative to ``root``. Videos without a row are left
    out; a row naming a missing file, a duplicate row or an empty speaker is a CorpusError."""
    root, table = Path(root), Path(table)
    try:
        with table.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header = list(reader.fieldnames or [])
            records = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CorpusError(f"speaker table {str(table)!r} cannot be read: {exc}") from exc
    if not {"file", "speaker"} <= set(header) or not set(header) <= {"file", "speaker", "emotion"}:
        raise CorpusError(
            f"speaker table {str(table)!r}: header must be file,speaker[,emotion], got "
            f"{','.join(header) or 'nothing'}"
        )
    rows, seen = [], set()
    for number, record in enumerate(records, start=2):
        where = f"speaker table {str(table)!r} line {number}"
        file, speaker = (record.get("file") or "").strip(), (record.get("speaker") or "").strip()
        if None in record or not file or not speaker:
            raise CorpusError(f"{where}: needs a file and a speaker, got {record}")
        source = root / file
        if file in seen:
            raise CorpusError(f"{where}: file {file!r} is listed twice")
        if not source.is_file():
            raise CorpusError(f"{where}: file {str(source)!r} does not exist")
        seen.add(file)
        emotion = (record.get("emotion") or "neutral").strip().lower()
        uid = f"{_safe(corpus)}-{_safe(str(Path(file).with_suffix('')))}"
        rows.append(_row(known, _template(uid, corpus, speaker, source, emotion=emotion)))
    if not rows:
        raise CorpusError(f"speaker table {str(table)!r} lists no files")
    return rows
