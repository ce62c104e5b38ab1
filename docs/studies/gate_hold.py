"""How many quiet frames the silence gate should wait before it shuts the mouth.

    python docs/studies/gate_hold.py DATA [MODEL.onnx ...]  # DATA: the shared data folder

For each hold (1, 2 and 3 frames of 40 ms) on real speech no model trained on (s1's 100
held-out sentences, the three read-speech clips, every 25th FSDD digit):

- "loud frames shut": frames of the spoken part within 30 dB of the clip's loudest frame (the
  judge's "voiced") where the gate holds the face at rest: what a shorter hold could cost;
- "shut between words": shut frames of the spoken part outside the judge's pauses (0.16 s and
  longer), i.e. the mouth dropping to rest inside a phrase.

Also how far a loud frame's sample peak (what the app's meter shows) sits over its RMS (what
the gate measures), which turns the gate's threshold into a meter reading.

Then, for each blendshape model given, the judge's streamed closing time (seconds until the
mouth stays below jawOpen 0.05 after a pause starts, worst over the read-speech clips) with each
hold: what a shorter hold gains.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from talkrig.bridge.audio.base import AudioError
from talkrig.bridge.audio.sources import decode_file
from talkrig.bridge.post.chain import PostConfig
from talkrig.bridge.post.silence_gate import SilenceGate, level_dbfs
from talkrig.models.contract import HOP_SAMPLES, Representation
from talkrig.models.errors import ModelError
from talkrig.models.loader import load_model
from talkrig.training.data.holdout import held_out
from talkrig.training.judging import judge

HOLDS = (1, 2, 3)


def real_speech(data: Path) -> list[np.ndarray]:
    s1 = [data / "grid_s1" / "s1" / f"{name}.mkv" for name in sorted(held_out())]
    speech = sorted((data / "speech").glob("*.mp3"))
    digits = sorted((data / "fsdd" / "recordings").glob("*.wav"))[::25]
    return [decode_file(path) for path in [*s1, *speech, *digits]]


def gate_costs(clips: Sequence[np.ndarray], hold: int) -> tuple[int, int, int]:
    """(loud frames, of them shut, shut frames between words) with a ``hold``-frame gate."""
    loud = loud_shut = between = 0
    for audio in clips:
        n = len(audio) // HOP_SAMPLES
        gate = SilenceGate(hold_frames=hold)
        one = np.ones(1, np.float32)
        voiced = np.array(
            [gate.step(one, level_dbfs(audio[t * HOP_SAMPLES : (t + 1) * HOP_SAMPLES]))[1]
             for t in range(n)]
        )  # fmt: skip
        levels = judge.frame_levels(audio)[:n]
        spoken = np.zeros(n, bool)
        spoken[judge.spoken_span(audio[: n * HOP_SAMPLES])] = True
        pause = np.zeros(n, bool)
        for start, end in judge.silences(levels):
            pause[start:end] = True
        is_loud = spoken & (levels > judge.VOICED_DB)
        loud += int(is_loud.sum())
        loud_shut += int((is_loud & ~voiced).sum())
        between += int((spoken & ~pause & ~voiced).sum())
    return loud, loud_shut, between


def peak_over_rms_db(clips: Sequence[np.ndarray]) -> np.ndarray:
    """Per clip: the median over its loud frames of sample peak minus RMS, in dB."""
    out = []
    for audio in clips:
        n = len(audio) // HOP_SAMPLES
        frames = audio[: n * HOP_SAMPLES].reshape(n, HOP_SAMPLES)
        rms = np.array([level_dbfs(f) for f in frames])
        peak = 20 * np.log10(np.maximum(np.abs(frames).max(axis=1), 1e-9))
        loud = judge.frame_levels(audio)[:n] > judge.VOICED_DB
        out.append(float(np.median(peak[loud] - rms[loud])))
    return np.array(out)


def closing(model_path: Path, data: Path, hold: int) -> float:
    clips = judge.speech_clips(data / "speech")
    post = PostConfig(seed=0, gate_hold_frames=hold)
    stays: list[float] = []
    with load_model(model_path) as model:
        for clip in clips:
            levels = judge.frame_levels(clip.audio)
            jaw = judge.opening(model, judge.streamed_outputs(model, clip.audio, post))
            n = min(len(levels), len(jaw))
            stays += judge.closing_times(jaw[:n], levels[:n], judge.CLOSED)
    return max(stays)


def main(data: Path, models: Sequence[Path] = ()) -> None:
    clips = real_speech(data)
    print(f"{len(clips)} clips of real speech")
    for hold in HOLDS:
        loud, shut, between = gate_costs(clips, hold)
        print(f"hold {hold}: loud frames shut {shut} of {loud}, shut between words {between}")
    p5, p50, p95 = np.percentile(peak_over_rms_db(clips), [5, 50, 95])
    print(f"loud frames: peak over RMS {p50:.1f} dB (clips' p5 {p5:.1f}, p95 {p95:.1f})")
    for path in models:
        with load_model(path) as model:
            if model.card.representation is not Representation.BLENDSHAPES:
                print(f"{path.stem}: skipped (the judge scales a landmark mouth by GRID's faces)")
                continue
        times = ", ".join(f"hold {hold} {closing(path, data, hold):.2f} s" for hold in HOLDS)
        print(f"{path.stem}: closed after speech {times}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: gate_hold.py DATA [MODEL.onnx ...]")
    try:
        main(Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]])
    except (AudioError, ModelError) as exc:  # a wrong DATA folder or a broken model: one line
        sys.exit(f"gate_hold: {exc}")
