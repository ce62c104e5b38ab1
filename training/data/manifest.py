"""The manifest: one row per utterance with everything the corpus knows, read once.

Corpus readers (``corpora.py``) write what the file names, folders, tables and PyAV say about each
clip into an :class:`Utterance`; every later step (labels, folds, training, reports) reads these
rows and never parses a file name again. On disk a manifest is JSON Lines: one object per line.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path
from typing import Any

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class CorpusError(ValueError):
    """A corpus, a manifest or a media file cannot be used; the message names the file and why."""


@dataclass(frozen=True)
class Word:
    """One timed word of a transcript (GRID ``.align``), in seconds from the start of the clip."""

    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class Utterance:
    """One clip of a talking face with its sound.

    ``id`` is unique and file-name safe (it names the label cache file). ``source`` is the path of
    the media file holding both the audio and the face video. ``fps`` is the video frame rate,
    ``sample_rate`` the audio stream's native rate and ``duration_s`` the container's duration,
    all as PyAV reports them. ``emotion`` is a lower-case word (``neutral``, ``anger``, ...),
    ``level`` the emotion intensity where the corpus has one (``low``/``medium``/``high``/
    ``unspecified``), ``sentence`` the spoken text where known and ``words`` its timing.
    """

    id: str
    corpus: str
    speaker: str
    source: str
    fps: float
    sample_rate: int
    duration_s: float
    emotion: str = "neutral"
    level: str = ""
    sentence: str = ""
    words: tuple[Word, ...] = ()

    def __post_init__(self) -> None:
        if not _ID_RE.match(self.id):
            raise CorpusError(f"utterance id {self.id!r} is not file-name safe ([A-Za-z0-9._-])")
        if not self.speaker:
            raise CorpusError(f"utterance {self.id!r} has no speaker")
        if not (self.fps > 0 and self.sample_rate > 0 and self.duration_s > 0):
            raise CorpusError(
                f"utterance {self.id!r} ({self.source}) has fps={self.fps}, "
                f"sample_rate={self.sample_rate}, duration_s={self.duration_s}: all must be > 0"
            )


_FIELDS = {f.name for f in fields(Utterance)}
_REQUIRED = {
    f.name for f in fields(Utterance) if f.default is MISSING and f.default_factory is MISSING
}


def _row(utterance: Utterance) -> dict[str, Any]:
    row = asdict(utterance)
    row["words"] = [[w["start_s"], w["end_s"], w["text"]] for w in row["words"]]
    return row


def _utterance(obj: Any, where: str) -> Utterance:
    if not isinstance(obj, dict):
        raise CorpusError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    unknown = set(obj) - _FIELDS
    missing = _REQUIRED - set(obj)
    if unknown or missing:
        raise CorpusError(
            f"{where}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}"
        )
    try:
        words = tuple(Word(float(s), float(e), str(t)) for s, e, t in obj.get("words", ()))
        return Utterance(
            **{
                **obj,
                "fps": float(obj["fps"]),
                "sample_rate": int(obj["sample_rate"]),
                "duration_s": float(obj["duration_s"]),
                "words": words,
            }
        )
    except CorpusError as exc:
        raise CorpusError(f"{where}: {exc}") from exc
    except (TypeError, ValueError) as exc:
        raise CorpusError(f"{where}: malformed value: {exc}") from exc


def write_manifest(path: str | Path, rows: Iterable[Utterance]) -> None:
    """Write ``rows`` as JSON Lines; atomic (a temporary file renamed over ``path``)."""
    path = Path(path)
    rows = list(rows)
    ids = [u.id for u in rows]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise CorpusError(f"manifest {path}: duplicate utterance ids {dup[:5]}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for utterance in rows:
            out.write(json.dumps(_row(utterance), ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def read_manifest(path: str | Path) -> list[Utterance]:
    """Read a manifest written by :func:`write_manifest`; CorpusError naming the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CorpusError(f"manifest {path} does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"manifest {path} cannot be read: {exc}") from exc
    rows: list[Utterance] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"manifest {path} line {number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{where}: not JSON: {exc}") from exc
        utterance = _utterance(obj, where)
        if utterance.id in seen:
            raise CorpusError(f"{where}: duplicate utterance id {utterance.id!r}")
        seen.add(utterance.id)
        rows.append(utterance)
    return rows
