"""dlib's 68-point face landmarks per video frame (the paper's 2D representation).

Uses dlib's HOG frontal face detector and its 68-point shape predictor
(``shape_predictor_68_face_landmarks.dat``, shipped by the PyPI package
``face-recognition-models``; ``dlib-bin`` is the prebuilt dlib wheel).

Licence: dlib is under the Boost Software License, but the 68-point model was trained on the
iBUG 300-W data set, whose terms do not allow commercial use; models trained on these labels
inherit that restriction and their cards must say so.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from talkrig.training.data.landmarker import LabelError
from talkrig.training.data.video import video_frames

POINTS_68 = 68
LICENCE_68 = (
    "68-point labels from dlib's shape_predictor_68_face_landmarks (trained on iBUG 300-W: "
    "non-commercial use only)"
)


def default_predictor() -> Path:
    """The 68-point model inside the installed ``face-recognition-models`` package.

    Found without importing the package, whose ``__init__`` needs the removed ``pkg_resources``.
    """
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or spec.origin is None:
        raise LabelError("the 68-point model needs the 'face-recognition-models' package")
    return Path(spec.origin).parent / "models" / "shape_predictor_68_face_landmarks.dat"


@dataclass(frozen=True)
class Video68:
    """Per video frame: ``times`` (F,) seconds from the first audio sample, ``landmarks2d``
    (F, 68, 2) float32 in image fractions (x / width, y / height, as MediaPipe's x and y),
    ``found`` (F,) bool (False: no face, zeros there)."""

    times: np.ndarray
    landmarks2d: np.ndarray
    found: np.ndarray


class Dlib68:
    """Labels whole videos with dlib. Single-threaded: one caller at a time.

    ``predictor_path`` defaults to :func:`default_predictor`; ``upsample`` is how often the
    detector doubles the picture before looking (1 finds faces down to ~40 px, at 4× the cost).
    """

    def __init__(self, predictor_path: str | Path | None = None, upsample: int = 0) -> None:
        try:
            import dlib  # imported on use: reading cached labels must not need it
        except ImportError as exc:
            raise LabelError("68-point labels need the 'dlib-bin' package") from exc
        self.predictor_path = Path(predictor_path or default_predictor())
        if not self.predictor_path.is_file():
            raise LabelError(f"dlib model {str(self.predictor_path)!r} does not exist")
        try:
            self._predictor: Any = dlib.shape_predictor(str(self.predictor_path))
        except RuntimeError as exc:
            raise LabelError(f"dlib model {str(self.predictor_path)!r} is unusable: {exc}") from exc
        self._detector: Any = dlib.get_frontal_face_detector()
        self.upsample = upsample

    def label_video(self, path: str | Path) -> Video68:
        """68 points on the largest face of every frame of ``path``."""
        times: list[float] = []
        points: list[np.ndarray] = []
        found: list[bool] = []
        for time_s, rgb in video_frames(path):
            times.append(time_s)
            faces = self._detector(rgb, self.upsample)
            if len(faces) == 0:
                points.append(np.zeros((POINTS_68, 2), np.float32))
                found.append(False)
                continue
            face = max(faces, key=lambda box: box.area())
            shape = self._predictor(rgb, face)
            height, width = rgb.shape[:2]
            xy = np.array([(p.x, p.y) for p in shape.parts()], np.float32)
            points.append(xy / np.array([width, height], np.float32))
            found.append(True)
        if not times:
            raise LabelError(f"video {str(path)!r} holds no pictures")
        return Video68(np.asarray(times), np.stack(points), np.asarray(found, bool))
