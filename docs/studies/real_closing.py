"""How fast real faces close after speech: MediaPipe's jawOpen on GRID s1's held-out clips, and
blendshape models' streamed mouths on the same silences.

    python docs/studies/real_closing.py data/grid_s1 [MODEL.onnx ...]  # prepare's folder

Prints the seconds from each silence's start until jawOpen stays below the judge's "closed"
threshold, the same measure the judge applies to a model's streamed mouth: for the real face
and, for each model given, for its streamed rows (the engine's post chain) on the same audio.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from talkrig.models import arkit
from talkrig.models.loader import load_model
from talkrig.training.judging import judge

JAW = arkit.INDEX["jawOpen"]


def summary(name: str, stays: Sequence[float]) -> str:
    return (
        f"{name}: {len(stays)} silences, stays closed after median {np.median(stays):.2f} s, "
        f"p90 {np.percentile(stays, 90):.2f} s, max {max(stays):.2f} s"
    )


def main(prepared: Path, models: Sequence[Path] = ()) -> None:
    clips = judge.heldout_clips(prepared)
    real: list[float] = []
    for clip in clips:
        assert clip.blendshapes is not None
        levels = judge.frame_levels(clip.audio)
        jaw = clip.blendshapes[:, JAW]
        n = min(len(levels), len(jaw))
        real += judge.closing_times(jaw[:n], levels[:n], judge.CLOSED)
    print(summary("real face", real))
    for path in models:
        stays: list[float] = []
        with load_model(path) as model:
            for clip in clips:
                levels = judge.frame_levels(clip.audio)
                jaw = judge.streamed_outputs(model, clip.audio)[:, JAW]
                n = min(len(levels), len(jaw))
                stays += judge.closing_times(jaw[:n], levels[:n], judge.CLOSED)
        print(summary(path.stem, stays))


if __name__ == "__main__":
    main(Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]])
