"""How high jawOpen r can get from a voice on the judge's GRID clips: the face before speech.

    python docs/studies/voice_ceiling.py DATA [S1]  # DATA holds grid/*.mpg, face_landmarker.task;
                                                    # S1: prepare's folder of GRID s1 (data/grid_s1)

GRID's readers often hold the mouth open before they speak (waiting for the prompt), which no
sound tells. A model that is *perfect* from the first voiced frame on (the judge's spoken span,
frames ≥ -20 dB) but rests before it scores this r against MediaPipe's jawOpen on the whole clip,
the judge's "per clip" figure. Prints it per clip and averaged; the rest level is the 5th
percentile of the clip's spoken part. With ``S1``, the same over s1's 100 held-out utterances
(the judge's "grid s1" per-clip figure).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from talkrig.models import arkit
from talkrig.models.contract import HOP_SAMPLES
from talkrig.training.data.holdout import held_out
from talkrig.training.judging import judge


def ceiling(clip: judge.RealClip) -> float:
    """r of a face that is the real one from the first voiced frame on and rests before it."""
    assert clip.blendshapes is not None and clip.valid is not None
    truth = clip.blendshapes[:, arkit.INDEX["jawOpen"]]
    spoken = judge.spoken_span(clip.audio[: len(truth) * HOP_SAMPLES])
    best = truth.copy()
    best[: spoken.start] = np.percentile(truth[spoken], 5)
    return judge.pearson(best[clip.valid], truth[clip.valid])


def main(data: Path, s1: Path | None = None) -> None:
    clips = judge.grid_clips(
        data / "grid",
        data / "face_landmarker.task",
        Path(".cache/judge"),  # the judge's cache
    )
    ceilings = []  # other speakers' clips only (s1's bbaf2n is printed, not averaged)
    for clip in clips:
        r = ceiling(clip)
        within = clip.name in held_out()
        if not within:
            ceilings.append(r)
        who = "s1" if within else "other speaker"
        start = judge.spoken_span(clip.audio).start * 0.04
        print(f"{clip.name} ({who}): speech from {start:.2f} s, ceiling r {r:.2f}")
    print(f"mean over the {len(ceilings)} other speakers' clips: {np.mean(ceilings):.2f}")
    if s1 is not None:
        rs = [ceiling(clip) for clip in judge.heldout_clips(s1)]
        print(f"mean over s1's {len(rs)} held-out utterances: {np.nanmean(rs):.2f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
