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

    @property
    def id(self) -> str:
        return f"{CORPUS}-{self.index:05d}"


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
        speaker=take.voice.name,
        source=str(source),
        fps=float(FRAME_RATE),  # the labels' grid: one frame per hop
        sample_rate=SAMPLE_RATE,
        duration_s=frames * HOP_SAMPLES / SAMPLE_RATE,
        sentence=take.sentence,
    )


def bootstrap(
    out_dir: str | Path,
    utterances: int,
    seed: int = 0,
    clean: bool = False,
    progress: bool = True,
) -> list[Utterance]:
    """Write (or complete) the corpus of ``utterances`` takes in ``out_dir``; returns the rows."""
    if utterances < 1:
        raise CorpusError(f"bootstrap needs at least one utterance, got {utterances}")
    out_dir = Path(out_dir)
    labels_dir, audio_dir = out_dir / LABELS_DIR, out_dir / AUDIO_DIR
    audio_dir.mkdir(parents=True, exist_ok=True)
    rngs = [np.random.default_rng([seed, index]) for index in range(utterances)]
    takes = [draw_take(index, rng) for index, rng in enumerate(rngs)]
    rows = {t.index: _row(t, audio_dir / f"{t.id}.wav", 1) for t in takes}
    frames: dict[int, int] = {}
    todo = []
    for take in takes:
        if label_path(labels_dir, rows[take.index]).is_file():
            frames[take.index] = len(load_labels(labels_dir, rows[take.index])["valid"])
        else:
            todo.append(take)
    for take in tqdm(todo, desc="bootstrap", unit="utt", disable=not progress):
        speech = speak_fresh(take.sentence, take.voice)
        labels = take_labels(take, speech, rngs[take.index], clean)
        frames[take.index] = len(labels["valid"])
        audio = (labels["audio"] * 32767).astype(np.int16)
        wavfile.write(audio_dir / f"{take.id}.wav", SAMPLE_RATE, audio)
        save_labels(labels_dir, rows[take.index], labels)
    out = [_row(t, audio_dir / f"{t.id}.wav", frames[t.index]) for t in takes]
    write_manifest(out_dir / MANIFEST_NAME, out)
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``talkrig train bootstrap`` arguments."""
    parser.add_argument("out", type=Path, help="folder to write (manifest.jsonl, labels/, audio/)")
    parser.add_argument("--utterances", type=int, default=500, help="number of utterances")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed")
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
        )
    except (CorpusError, LabelError, SynthError, OSError) as exc:
        print(f"talkrig train bootstrap: {exc}", file=sys.stderr)
        return 2
    hours = sum(r.duration_s for r in rows) / 3600
    voices = len({r.speaker for r in rows})
    print(f"{args.out}: {len(rows)} utterances, {hours:.2f} h, {voices} voices")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m talkrig.training.bootstrap`` (the same as ``talkrig train bootstrap``)."""
    parser = argparse.ArgumentParser(prog="talkrig train bootstrap", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
