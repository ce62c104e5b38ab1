"""Does the emotional model's upper face follow emotional prosody? Synthetic moods, no video.

    python docs/studies/emotional_prosody.py MODEL [MODEL ...]  # a .onnx file or a model name

There is no recorded emotional speech here, so the moods are made the way early emotional
speech synthesis made them (Murray & Arnott 1993: sadness is slower, lower, narrower in pitch
and quieter; happiness faster, higher and much wider): six everyday sentences in four espeak-ng
voices, each spoken *sad*, *neutral* and *happy* by those rules. Voice-swapped training copies
drew espeak-ng pitch and pitch range from 25 to 85; *sad* (range 10) and *happy* (range 95) lie
outside that. Printed per model and mood, over the loud frames (within 30 dB of the take's
loudest, the judge's "voiced"): the mean and 90th percentile of the brows (browInnerUp and the
two outer brows, averaged), the mean smile (mouthSmileLeft/Right) and the median jawOpen, of
the network's raw rows and of the frames the engine sends (its post chain, blinks off; for an
emotional model that is where the upper face follows the voice, bridge/post/prosody.py). The
"labels" rows are what training's curves (training/data/prosody.py) make of the same takes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from scipy import signal

from talkrig.bridge.offline import infer_audio
from talkrig.bridge.post.chain import PostConfig
from talkrig.models import arkit
from talkrig.models.contract import SAMPLE_RATE, Representation
from talkrig.models.errors import ModelError
from talkrig.models.loader import load_model
from talkrig.training.data.prosody import prosody_curves
from talkrig.training.data.synth import SynthError, Voice, speak_fresh
from talkrig.training.judging import judge

SENTENCES = (
    "I can't believe we actually won the whole tournament tonight.",
    "The train was cancelled again, so I waited in the rain for an hour.",
    "Could you bring the blue folder from my desk when you come over?",
    "We are going to the beach this weekend with all of our friends.",
    "Nobody called me back, and the shop had already closed.",
    "Look at this, the package finally arrived after three weeks.",
)
VOICES = (("en-us", "m3"), ("en-us", "f3"), ("en", "m7"), ("en-029", "f2"))
# mood: words per minute, pitch and pitch range (espeak-ng's 0..100), level in dB
MOODS = {"sad": (130, 35, 10, -6.0), "neutral": (165, 50, 50, 0.0), "happy": (195, 65, 95, 0.0)}
BROWS = [arkit.INDEX[n] for n in ("browInnerUp", "browOuterUpLeft", "browOuterUpRight")]
SMILE = [arkit.INDEX[n] for n in ("mouthSmileLeft", "mouthSmileRight")]


def takes(mood: str) -> list[np.ndarray]:
    """Every sentence in every voice, spoken in ``mood``, 16 kHz, peak -3 dBFS plus its level."""
    rate, pitch, pitch_range, level_db = MOODS[mood]
    out = []
    for language, variant in VOICES:
        for text in SENTENCES:
            speech = speak_fresh(text, Voice(language, variant, rate, pitch, pitch_range))
            audio = signal.resample_poly(speech.audio, SAMPLE_RATE, speech.sample_rate)
            audio = audio / np.abs(audio).max() * 0.7 * 10 ** (level_db / 20)
            out.append(audio.astype(np.float32))
    return out


def sent(model: judge.Model, audio: np.ndarray) -> np.ndarray:
    """The blendshapes the engine sends for ``audio`` (blinks off), a row per 40 ms."""
    frames = infer_audio(audio, model, PostConfig(blink=False, seed=0))
    return np.stack([f.blendshapes for f in frames if f.blendshapes is not None])


def labels(_model: object, audio: np.ndarray) -> np.ndarray:
    return prosody_curves(audio, len(audio) // 640)


def upper_face(
    rows_of: Callable[..., np.ndarray], model: object, audio: Sequence[np.ndarray]
) -> str:
    """Brows (mean, 90th percentile), smile (mean) and jawOpen (median) over the loud frames."""
    rows = []
    for clip in audio:
        out = rows_of(model, clip)
        loud = judge.frame_levels(clip)[: len(out)] > judge.VOICED_DB
        rows.append(out[: len(loud)][loud])
    face = np.concatenate(rows)
    brows = face[:, BROWS].mean(axis=1)
    jaw = np.median(face[:, arkit.INDEX["jawOpen"]])
    return (
        f"brows {brows.mean():.3f} / {np.percentile(brows, 90):.3f}  "
        f"smile {face[:, SMILE].mean():.3f}  jawOpen {jaw:.3f}"
    )


def main(models: Sequence[Path]) -> None:
    audio = {mood: takes(mood) for mood in MOODS}
    print("labels (training's curves on these takes):")
    for mood, clips in audio.items():
        print(f"  {mood:8s} {upper_face(labels, None, clips)}")
    for path in models:
        with load_model(str(path)) as model:  # a shipped model's name works too
            if model.card.representation is not Representation.BLENDSHAPES:
                raise ModelError(f"{path.name} has no brows: it is a landmark model")
            for what, rows_of in (("network", judge.raw_outputs), ("engine", sent)):
                print(f"{path.stem}, {what}: brows mean / p90, smile mean, jawOpen median")
                for mood, clips in audio.items():
                    print(f"  {mood:8s} {upper_face(rows_of, model, clips)}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: emotional_prosody.py MODEL [MODEL ...]")
    try:
        main([Path(p) for p in sys.argv[1:]])
    except (ModelError, SynthError) as exc:  # a broken model or no espeak-ng: one line
        sys.exit(f"emotional_prosody: {exc}")
