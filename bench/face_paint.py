"""What drawing one face costs: ``python bench/face_paint.py`` prints JSON.

The face preview paints on the GUI thread at up to 25 Hz and ``talkrig render`` paints every
video frame, so a frame's drawing must stay a small share of 40 ms. Measured with the real
painter (:func:`talkrig.app.widgets.face.paint_face` via ``FramePainter``, offscreen Qt) for each
face kind: a blendshape model through the shipped map (shaded 852-triangle mesh), the 478-point
landmark model, dlib's 68 points. Values move a little each frame, as a talking face does.
Qt runs offscreen unless ``QT_QPA_PLATFORM`` says otherwise.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from talkrig.app.frame_painter import FramePainter, gui_application
from talkrig.app.widgets.face import (
    FaceShape,
    blendshape_shape,
    landmark_shape,
    shape_view,
)
from talkrig.models import arkit
from talkrig.models.loader import load_model


def _faces(kind: str, n: int) -> list[FaceShape]:
    rng = np.random.default_rng(0)
    if kind == "blendshapes (mesh via map)":
        values = np.zeros((n, arkit.COUNT), np.float32)
        values[:, arkit.INDEX["jawOpen"]] = rng.uniform(0, 0.6, n)
        return [blendshape_shape(v) for v in values]
    name = "talkrig-landmarks3d" if "478" in kind else "talkrig-landmarks2d"
    with load_model(name) as model:
        rest = model.rest_output()
    return [landmark_shape(rest + rng.normal(0, 0.002, rest.shape)) for _ in range(n)]


def measure(kind: str, size: tuple[int, int], frames: int) -> dict[str, float | str]:
    faces = _faces(kind, frames)
    painter = FramePainter(size, shape_view(faces[0]), kind)
    times = []
    for face in faces:
        start = time.perf_counter()
        painter.paint(face, 0.0)
        times.append((time.perf_counter() - start) * 1e3)
    ms = np.array(times[5:])  # the first frames warm Qt's caches
    return {
        "face": kind,
        "size": f"{size[0]}x{size[1]}",
        "median_ms": round(float(np.median(ms)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=200)
    args = parser.parse_args()
    _app = gui_application()
    kinds = ("blendshapes (mesh via map)", "landmarks 478 (mesh)", "landmarks 68 (flat)")
    results = [measure(k, s, args.frames) for k in kinds for s in ((440, 360), (640, 480))]
    print(json.dumps({"frames": args.frames, "paint": results}, indent=2))


if __name__ == "__main__":
    main()
