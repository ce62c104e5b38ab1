"""Is model B better than model A on the development split, clip by clip?

    python docs/studies/paired_dev.py A.onnx B.onnx [--s1 data/grid_s1] [--swap data/grid_s1_swap]

For the 90 development utterances (``training/data/holdout/grid_s1_dev.txt``) and their
voice-swapped copies: each model's jawOpen r per clip (raw rows at their own ``stream_time``
against MediaPipe's, as ``talkrig train judge --dev`` scores them), then the mean of B − A over
the same clips with its standard error and the share of clips B wins. The pairing removes the
clips' own difficulty; it says nothing about the spread between training seeds, which needs
runs of its own. Both models should come from ``fit --dev-split`` runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from talkrig.models import arkit
from talkrig.models.errors import ModelError
from talkrig.models.loader import load_model
from talkrig.training.data.holdout import GRID_S1_DEV, held_out
from talkrig.training.judging.judge import (
    JudgeError,
    RealClip,
    opening,
    pearson,
    prepared_clips,
    raw_outputs,
)

JAW = arkit.INDEX["jawOpen"]


def per_clip(path: Path, clips: list[RealClip]) -> np.ndarray:
    """jawOpen r of each clip, on the clip's labelled frames."""
    rs = []
    with load_model(path, providers="cpu", threads=1) as model:
        for clip in clips:
            assert clip.valid is not None and clip.blendshapes is not None
            out = raw_outputs(model, clip.audio)
            n = min(len(out), len(clip.valid))
            valid = clip.valid[:n]
            rs.append(pearson(opening(model, out[:n])[valid], clip.blendshapes[:n, JAW][valid]))
    return np.array(rs)


def compare(args: argparse.Namespace) -> None:
    names = held_out(GRID_S1_DEV)
    for label, folder in (("dev s1", args.s1), ("dev other voices", args.swap)):
        clips = prepared_clips(folder, names, "development utterances")
        a, b = per_clip(args.a, clips), per_clip(args.b, clips)
        keep = np.isfinite(a) & np.isfinite(b)
        diff = b[keep] - a[keep]
        print(
            f"{label}: A {a[keep].mean():.3f}, B {b[keep].mean():.3f}, B - A "
            f"{diff.mean():+.4f} ± {diff.std(ddof=1) / np.sqrt(len(diff)):.4f} (s.e.), "
            f"B higher on {100 * np.mean(diff > 0):.0f} % of {len(diff)} clips"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--s1", type=Path, default=Path("data/grid_s1"))
    parser.add_argument("--swap", type=Path, default=Path("data/grid_s1_swap"))
    args = parser.parse_args()
    try:
        compare(args)
    except (ModelError, JudgeError) as exc:
        sys.exit(f"paired_dev: {exc}")


if __name__ == "__main__":
    main()
