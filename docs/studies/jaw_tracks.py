"""Plot models' jawOpen against MediaPipe's on the judge's GRID clips (docs/jaw-tracks.png).

    python docs/studies/jaw_tracks.py DATA OUT.png MODEL.onnx [MODEL.onnx ...]

DATA holds ``grid/*.mpg`` and ``face_landmarker.task``. Each panel is one clip: the video's
jawOpen, every model's raw rows at their own ``stream_time`` (as the judge reads them) and the
audio level, 40 ms per step.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from talkrig.models import arkit
from talkrig.models.loader import load_model
from talkrig.training.judging import judge


def main(data: Path, out: Path, models: list[Path]) -> None:
    clips = judge.grid_clips(data / "grid", data / "face_landmarker.task", Path(".cache/judge"))
    jaw = arkit.INDEX["jawOpen"]
    fig, axes = plt.subplots(len(clips), 1, figsize=(10, 2.6 * len(clips)), squeeze=False)
    for ax, clip in zip(axes[:, 0], clips, strict=True):
        assert clip.blendshapes is not None
        truth = clip.blendshapes[:, jaw]
        seconds = [k * 0.04 for k in range(len(truth))]
        ax.plot(seconds, truth, color="black", linewidth=2, label="video (MediaPipe)")
        for path in models:
            with load_model(path) as model:
                rows = judge.raw_outputs(model, clip.audio)[: len(truth), jaw]
            ax.plot(seconds[: len(rows)], rows, label=path.stem)
        level = judge.frame_levels(clip.audio)[: len(truth)]
        ax.fill_between(seconds[: len(level)], 0, (level + 60).clip(0) / 150, color="0.85",
                        label="audio level", zorder=0)  # fmt: skip
        ax.set_title(clip.name, loc="left")
        ax.set_ylabel("jawOpen")
    axes[-1, 0].set_xlabel("seconds")
    axes[0, 0].legend(loc="upper right", fontsize="small")
    fig.tight_layout()
    fig.savefig(out, dpi=80)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), [Path(p) for p in sys.argv[3:]])
