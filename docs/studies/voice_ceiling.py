"""How high jawOpen r can get from a voice on the judge's GRID clips: the face before speech.

    python docs/studies/voice_ceiling.py DATA   # DATA holds grid/*.mpg and face_landmarker.task

GRID's readers often hold the mouth open before they speak (waiting for the prompt), which no
sound tells. A model that is *perfect* from the first voiced frame on (the judge's spoken span,
frames ≥ -20 dB) but rests before it scores this r against MediaPipe's jawOpen on the whole clip,
the judge's "per clip" figure. Prints it per clip and averaged; the rest level is the 5th
percentile of the clip's spoken part.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from talkrig.models import arkit
from talkrig.models.contract import HOP_SAMPLES
from talkrig.training.data.holdout import held_out
from talkrig.training.judging import judge


def main(data: Path) -> None:
    clips = judge.grid_clips(
        data / "grid",
        data / "face_landmarker.task",
        Path(".cache/judge"),  # the judge's cache
    )
    ceilings = []  # other speakers' clips only (s1's bbaf2n is printed, not averaged)
    for clip in clips:
        assert clip.blendshapes is not None and clip.valid is not None
        truth = clip.blendshapes[:, arkit.INDEX["jawOpen"]]
        spoken = judge.spoken_span(clip.audio[: len(truth) * HOP_SAMPLES])
        best = truth.copy()
        best[: spoken.start] = np.percentile(truth[spoken], 5)
        r = judge.pearson(best[clip.valid], truth[clip.valid])
        s1 = clip.name in held_out()
        if not s1:
            ceilings.append(r)
        who = "s1" if s1 else "other speaker"
        print(f"{clip.name} ({who}): speech from {spoken.start * 0.04:.2f} s, ceiling r {r:.2f}")
    print(f"mean over the {len(ceilings)} other speakers' clips: {np.mean(ceilings):.2f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
