"""Would a teacher made of several runs know more about other voices than each run does?

    python docs/studies/ensemble.py DATA S1 MODEL.onnx MODEL.onnx ...

Distilling a teacher onto many voices can only pass on what the teacher gets right on them.
This scores each exported blendshape model and the mean of their jawOpen (raw rows at their
own ``stream_time``, as the judge places them) on the other speakers' GRID clips in
``DATA/grid`` (pooled, per clip, per clip from the first voiced frame on) and on every second
of s1's held-out utterances from ``S1`` (prepare's folder), against MediaPipe's jawOpen.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from talkrig.models import arkit
from talkrig.models.contract import HOP_SAMPLES
from talkrig.models.loader import load_model
from talkrig.training.data.holdout import held_out
from talkrig.training.judging import judge

JAW = arkit.INDEX["jawOpen"]


def scores(clips: Sequence[judge.RealClip], jaw: Callable[[str], np.ndarray]) -> tuple[float, ...]:
    """(pooled r, mean r per clip, mean r per clip from the first voiced frame on)."""
    preds, truths, per_clip, from_speech = [], [], [], []
    for clip in clips:
        assert clip.blendshapes is not None and clip.valid is not None
        pred = jaw(clip.name)
        n = min(len(pred), len(clip.valid))
        pred, valid, truth = pred[:n], clip.valid[:n], clip.blendshapes[:n, JAW]
        after = valid.copy()
        after[: judge.spoken_span(clip.audio[: n * HOP_SAMPLES]).start] = False
        preds.append(pred[valid])
        truths.append(truth[valid])
        per_clip.append(judge.pearson(pred[valid], truth[valid]))
        from_speech.append(judge.pearson(pred[after], truth[after]))
    pooled = judge.pearson(np.concatenate(preds), np.concatenate(truths))
    return pooled, float(np.nanmean(per_clip)), float(np.nanmean(from_speech))


def main(data: Path, s1: Path, models: Sequence[Path]) -> None:
    grid = judge.grid_clips(data / "grid", data / "face_landmarker.task", Path(".cache/judge"))
    others = [c for c in grid if c.name not in held_out()]
    mine = judge.heldout_clips(s1)[::2]
    jaws: dict[str, dict[str, np.ndarray]] = {}
    for path in models:
        with load_model(path) as model:
            jaws[path.stem] = {
                c.name: judge.raw_outputs(model, c.audio)[:, JAW] for c in others + mine
            }

    def mean_jaw(name: str) -> np.ndarray:
        n = min(len(j[name]) for j in jaws.values())
        return np.mean([j[name][:n] for j in jaws.values()], axis=0)

    rows = {stem: jaws[stem].__getitem__ for stem in jaws} | {"mean of all": mean_jaw}
    for stem, jaw in rows.items():
        o, s = scores(others, jaw), scores(mine, jaw)
        print(f"{stem:24s} others {o[0]:.2f} / {o[1]:.2f} per clip / {o[2]:.2f} from speech on"
              f" | s1 {s[0]:.2f} / {s[1]:.2f} per clip")  # fmt: skip


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), [Path(p) for p in sys.argv[3:]])
