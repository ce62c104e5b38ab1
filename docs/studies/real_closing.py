"""How fast real faces close after speech: MediaPipe's jawOpen on GRID s1's held-out clips.

    python docs/studies/real_closing.py data/grid_s1   # a folder `talkrig train prepare grid` wrote

Prints the seconds from each silence's start until jawOpen stays below the judge's "closed"
threshold, the same measure the judge applies to a model's streamed mouth.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from talkrig.models import arkit
from talkrig.training.judging import judge


def main(prepared: Path) -> None:
    stays: list[float] = []
    for clip in judge.heldout_clips(prepared):
        levels = judge.frame_levels(clip.audio)
        jaw = clip.blendshapes[:, arkit.INDEX["jawOpen"]]
        n = min(len(levels), len(jaw))
        stays += judge.closing_times(jaw[:n], levels[:n], judge.CLOSED)
    print(
        f"{len(stays)} silences: stays closed after median {np.median(stays):.2f} s, "
        f"p90 {np.percentile(stays, 90):.2f} s, max {max(stays):.2f} s"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
