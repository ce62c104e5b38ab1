"""``talkrig train bootstrap OUT``: the synthetic bootstrap corpus, regenerated with one command.

Each utterance: a sentence (``sentences.py``) spoken by a random espeak-ng voice (language ×
variant × rate × pitch, ``synth.py``), resampled to 16 kHz, sped up or slowed down, padded with
silence, then run through the augmentation chain (``augment.py``). Its labels come from the
timed phonemes through the viseme table (``visemes.py``) and from those blendshapes a face
(:func:`faces_from_blendshapes`). ``OUT`` is a prepared folder exactly as ``prepare`` writes it
(``manifest.jsonl`` with corpus ``bootstrap`` and speaker = voice name, ``labels/{id}.npz``)
plus ``audio/{id}.wav`` to listen to. Utterance ``k`` depends only on ``(seed, k)``, so the
corpus is deterministic, can grow, and an interrupted run resumes (existing label files are
kept). Runs on one thread; each synthesis in a short-lived forked process (``synth.py``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import signal
from scipy.io import wavfile
from tqdm import tqdm

from talkrig.models import arkit, faces
from talkrig.models.contract import FRAME_RATE, HOP_SAMPLES, SAMPLE_RATE, Representation

from .align import Aligner, AlignError
from .augment import AugmentSettings, augment, change_speed
from .labels import label_path, load_labels, save_labels
from .landmarker import LabelError
from .manifest import CorpusError, Utterance, write_manifest
from .prepare import LABELS_DIR, MANIFEST_NAME
from .sentences import pick_sentence
from .synth import LANGUAGES, VARIANTS, Speech, SynthError, Voice, speak_fresh
from .visemes import Phone, curves

CORPUS = "bootstrap"
AUDIO_DIR = "audio"
_LIP_PROTRUSION = 0.02  # face-frame units the lips move towards the camera on a full pucker
_LIP_CLOSE = 1.0  # mouthClose = 1 lifts the lower lip back by one full jaw drop


@dataclass(frozen=True)
class Take:
    """Everything drawn for one utterance before any sound is made."""

    index: int
    sentence: str
    voice: Voice
    speed: float
    lead_s: float
    trail_s: float
    intensity: float
    prefix: str = CORPUS  # id prefix: one per source (espeak-ng, Piper, FSDD)
    speaker: str = ""  # empty: the espeak-ng voice's name

    @property
    def id(self) -> str:
        return f"{self.prefix}-{self.index:05d}"

    @property
    def speaker_name(self) -> str:
        return self.speaker or self.voice.name


def draw_take(index: int, rng: np.random.Generator) -> Take:
    """The sentence, voice and timing of utterance ``index`` (``rng`` seeded from the corpus
    seed and ``index``)."""
    voice = Voice(
        language=LANGUAGES[int(rng.integers(len(LANGUAGES)))],
        variant=VARIANTS[int(rng.integers(len(VARIANTS)))],
        rate=int(rng.integers(120, 260)),
        pitch=int(rng.integers(20, 80)),
        pitch_range=int(rng.integers(20, 90)),
    )
    return Take(
        index=index,
        sentence=pick_sentence(rng),
        voice=voice,
        speed=float(rng.uniform(0.9, 1.1)),
        lead_s=float(rng.uniform(0.1, 0.8)),
        trail_s=float(rng.uniform(0.2, 0.8)),
        intensity=float(rng.uniform(0.8, 1.2)),
    )


def faces_from_blendshapes(blendshapes: np.ndarray, representation: Representation) -> np.ndarray:
    """A simple geometric face driven by the mouth blendshapes: ``(T, 52)`` → ``(T, 478, 3)``
    (MediaPipe mesh) or ``(T, 68, 2)`` (dlib points), in ``talkrig.models.faces``'s frame.

    neutral + jawOpen × jaw drop − mouthClose × (the jaw drop of the lower lip) + (stretch +
    smile/2 − pucker − funnel/2) × mouth widening; in 3D the lips also move towards the camera
    with pucker and funnel. Linear in the blendshapes, so landmarks and blendshapes agree.
    """
    b = blendshapes.astype(np.float32)
    col = arkit.INDEX

    def both(name: str) -> np.ndarray:
        return 0.5 * (b[:, col[name + "Left"]] + b[:, col[name + "Right"]])

    neutral = faces.neutral(representation)
    drop = faces.jaw_drop(representation)
    widen = faces.mouth_widen(representation)
    # the lower lip: points that drop the full jaw travel and sit at the mouth, not the chin
    on_lip = (drop[:, 1] >= faces.JAW_TRAVEL * 0.999) & (neutral[:, 1] <= faces.MOUTH_Y + 0.05)
    lower_lip = on_lip.astype(np.float32)[:, None] * drop
    rounding = b[:, col["mouthPucker"]] + 0.5 * b[:, col["mouthFunnel"]]
    width = both("mouthStretch") + 0.5 * both("mouthSmile") - rounding
    out = (
        neutral[None]
        + b[:, col["jawOpen"], None, None] * drop[None]
        - _LIP_CLOSE * b[:, col["mouthClose"], None, None] * lower_lip[None]
        + width[:, None, None] * widen[None]
    )
    if representation is Representation.LANDMARKS_3D:
        lips = (np.abs(widen[:, 0]) > 0) | (lower_lip[:, 1] > 0)
        out[:, lips, 2] -= _LIP_PROTRUSION * rounding[:, None]
    return out.astype(np.float32)


def take_labels(
    take: Take, speech: Speech, rng: np.random.Generator, clean: bool = False
) -> dict[str, np.ndarray]:
    """The label arrays of one take from its synthesized ``speech`` (``labels.py`` format,
    plus ``landmarks2d``); ``rng`` drives the augmentation (none when ``clean``)."""
    audio = signal.resample_poly(speech.audio, SAMPLE_RATE, speech.sample_rate).astype(np.float32)
    audio = change_speed(audio, take.speed)
    lead = np.zeros(round(take.lead_s * SAMPLE_RATE), np.float32)
    trail = np.zeros(round(take.trail_s * SAMPLE_RATE), np.float32)
    audio = np.concatenate([lead, audio, trail])
    frames = len(audio) // HOP_SAMPLES
    audio = audio[: frames * HOP_SAMPLES]
    if not clean:
        audio = augment(audio, rng, AugmentSettings())
    shift = len(lead) / SAMPLE_RATE
    phones = [
        Phone(p.symbol, shift + p.start_s / take.speed, shift + p.end_s / take.speed)
        for p in speech.phones
    ]
    blendshapes = curves(phones, frames, take.intensity)
    return {
        "audio": audio,
        "blendshapes": blendshapes,
        "landmarks3d": faces_from_blendshapes(blendshapes, Representation.LANDMARKS_3D),
        "landmarks2d": faces_from_blendshapes(blendshapes, Representation.LANDMARKS_2D),
        "valid": np.ones(frames, bool),
    }


def _row(take: Take, source: Path, frames: int) -> Utterance:
    return Utterance(
        id=take.id,
        corpus=CORPUS,
        speaker=take.speaker_name,
        source=str(source),
        fps=float(FRAME_RATE),  # the labels' grid: one frame per hop
        sample_rate=SAMPLE_RATE,
        duration_s=frames * HOP_SAMPLES / SAMPLE_RATE,
        sentence=take.sentence,
    )


def draw_aligned_take(
    index: int, rng: np.random.Generator, prefix: str, speaker: str, sentence: str
) -> Take:
    """Timing of a Piper or FSDD take (no espeak-ng voice): wider speed range, since a speed
    change is also what makes one real voice sound like several."""
    return Take(
        index=index,
        sentence=sentence,
        voice=Voice(),
        speed=float(rng.uniform(0.85, 1.2)),
        lead_s=float(rng.uniform(0.1, 0.8)),
        trail_s=float(rng.uniform(0.2, 0.8)),
        intensity=float(rng.uniform(0.8, 1.2)),
        prefix=prefix,
        speaker=speaker,
    )


@dataclass
class _Writer:
    """Writes takes into a corpus folder, skipping the ones already there."""

    out_dir: Path
    clean: bool
    frames: dict[str, int]

    def __post_init__(self) -> None:
        (self.out_dir / AUDIO_DIR).mkdir(parents=True, exist_ok=True)

    def row(self, take: Take) -> Utterance:
        path = self.out_dir / AUDIO_DIR / f"{take.id}.wav"
        return _row(take, path, self.frames.get(take.id, 1))

    def done(self, take: Take) -> bool:
        labels_dir = self.out_dir / LABELS_DIR
        if take.id not in self.frames and label_path(labels_dir, self.row(take)).is_file():
            self.frames[take.id] = len(load_labels(labels_dir, self.row(take))["valid"])
        return take.id in self.frames

    def write(self, take: Take, speech: Speech, rng: np.random.Generator) -> None:
        labels = take_labels(take, speech, rng, self.clean)
        self.frames[take.id] = len(labels["valid"])
        audio = (labels["audio"] * 32767).astype(np.int16)
        wavfile.write(self.out_dir / AUDIO_DIR / f"{take.id}.wav", SAMPLE_RATE, audio)
        save_labels(self.out_dir / LABELS_DIR, self.row(take), labels)


def _espeak_takes(writer: _Writer, count: int, seed: int, progress: bool) -> list[Take]:
    rngs = [np.random.default_rng([seed, index]) for index in range(count)]
    takes = [draw_take(index, rng) for index, rng in enumerate(rngs)]
    todo = [t for t in takes if not writer.done(t)]
    for take in tqdm(todo, desc="espeak-ng", unit="utt", disable=not progress):
        writer.write(take, speak_fresh(take.sentence, take.voice), rngs[take.index])
    return takes


def _piper_takes(writer: _Writer, count: int, seed: int, progress: bool) -> list[Take]:
    from .aligned import PIPER_BATCH, PiperStyle, piper_speak

    rngs = [np.random.default_rng([seed, 1, index]) for index in range(count)]
    takes = [
        draw_aligned_take(k, rng, "piper", "piper-joe", pick_sentence(rng))
        for k, rng in enumerate(rngs)
    ]
    todo = [t for t in takes if not writer.done(t)]
    aligner = Aligner() if todo else None
    bar = tqdm(total=len(todo), desc="piper", unit="utt", disable=not progress)
    for first in range(0, count, PIPER_BATCH):
        batch = [t for t in todo if first <= t.index < first + PIPER_BATCH]
        if not batch:
            continue
        style = PiperStyle.draw(np.random.default_rng([seed, 1, count + first]))
        for take, audio in zip(batch, piper_speak([t.sentence for t in batch], style), strict=True):
            assert aligner is not None
            try:
                phones = aligner.align(audio, take.sentence)
            except AlignError as exc:
                tqdm.write(f"skipped {take.id}: {exc}")
                continue
            writer.write(take, Speech(audio, SAMPLE_RATE, phones), rngs[take.index])
            bar.update()
    bar.close()
    return [t for t in takes if writer.done(t)]


def _fsdd_takes(writer: _Writer, folder: Path, count: int, seed: int, progress: bool) -> list[Take]:
    from .aligned import digit_speech, digits_text, draw_digits, fsdd_recordings

    recordings = fsdd_recordings(folder)
    speakers = sorted({r.speaker for r in recordings})
    takes, plans = [], {}
    for k in range(count):
        rng = np.random.default_rng([seed, 2, k])
        speaker = speakers[int(rng.integers(len(speakers)))]
        picks, gaps = draw_digits([r for r in recordings if r.speaker == speaker], rng)
        take = draw_aligned_take(k, rng, "fsdd", f"fsdd-{speaker}", digits_text(picks))
        takes.append(take)
        plans[take.id] = (picks, gaps, rng)
    todo = [t for t in takes if not writer.done(t)]
    aligner = Aligner() if todo else None
    for take in tqdm(todo, desc="fsdd", unit="utt", disable=not progress):
        assert aligner is not None
        picks, gaps, rng = plans[take.id]
        try:
            speech = digit_speech(picks, gaps, aligner)
        except AlignError as exc:
            tqdm.write(f"skipped {take.id}: {exc}")
            continue
        writer.write(take, speech, rng)
    return [t for t in takes if writer.done(t)]


def bootstrap(
    out_dir: str | Path,
    utterances: int,
    seed: int = 0,
    clean: bool = False,
    progress: bool = True,
    piper: int = 0,
    fsdd: Path | None = None,
    fsdd_utterances: int = 0,
) -> list[Utterance]:
    """Write (or complete) the corpus in ``out_dir``: ``utterances`` espeak-ng takes, ``piper``
    Piper takes and ``fsdd_utterances`` FSDD digit strings from the ``fsdd`` folder; returns the
    rows (also written to the manifest)."""
    if (
        utterances < 0
        or piper < 0
        or fsdd_utterances < 0
        or utterances + piper + fsdd_utterances < 1
    ):
        raise CorpusError("bootstrap needs at least one utterance (and no negative counts)")
    if fsdd_utterances and fsdd is None:
        raise CorpusError("--fsdd-utterances needs --fsdd FOLDER")
    writer = _Writer(Path(out_dir), clean, {})
    takes = _espeak_takes(writer, utterances, seed, progress)
    if piper:
        takes += _piper_takes(writer, piper, seed, progress)
    if fsdd_utterances and fsdd is not None:
        takes += _fsdd_takes(writer, fsdd, fsdd_utterances, seed, progress)
    rows = [writer.row(t) for t in takes]
    write_manifest(Path(out_dir) / MANIFEST_NAME, rows)
    return rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``talkrig train bootstrap`` arguments."""
    parser.add_argument("out", type=Path, help="folder to write (manifest.jsonl, labels/, audio/)")
    parser.add_argument("--utterances", type=int, default=500, help="number of utterances")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed")
    parser.add_argument("--piper", type=int, default=0, help="Piper takes (needs extra [voices])")
    parser.add_argument("--fsdd", type=Path, help="FSDD folder (real spoken digits)")
    parser.add_argument("--fsdd-utterances", type=int, default=0, help="FSDD digit strings")
    parser.add_argument("--clean", action="store_true", help="no augmentation (speed kept)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Run ``bootstrap`` from parsed arguments; a problem is one line on stderr, status 2."""
    try:
        rows = bootstrap(
            args.out,
            args.utterances,
            args.seed,
            clean=args.clean,
            progress=not args.no_progress,
            piper=args.piper,
            fsdd=args.fsdd,
            fsdd_utterances=args.fsdd_utterances,
        )
    except (CorpusError, LabelError, SynthError, AlignError, OSError) as exc:
        print(f"talkrig train bootstrap: {exc}", file=sys.stderr)
        return 2
    hours = sum(r.duration_s for r in rows) / 3600
    voices = len({r.speaker for r in rows})
    print(f"{args.out}: {len(rows)} utterances, {hours:.2f} h, {voices} voices")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m talkrig.training.data.bootstrap`` (the same as ``talkrig train bootstrap``)."""
    parser = argparse.ArgumentParser(prog="talkrig train bootstrap", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
