"""MediaPipe Face Landmarker per video frame: 478 3D landmarks and 52 ARKit blendshapes.

Uses the Tasks API (``FaceLandmarker`` in VIDEO mode, which tracks the face from frame to frame)
with a ``face_landmarker.task`` bundle whose path the caller gives. MediaPipe names its 52
blendshape categories ``_neutral`` + 51 ARKit names in alphabetical order; they are mapped to
canonical ARKit order **by name** (``tongueOut``, which MediaPipe lacks, stays 0).

Licence: MediaPipe and the Face Landmarker bundle are Apache-2.0.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from talkrig.models import arkit
from talkrig.training.data.video import video_frames

MESH_POINTS = 478


class LabelError(ValueError):
    """Labels cannot be made or read; the message names the file (model, video or cache)."""


@dataclass(frozen=True)
class VideoLabels:
    """Per video frame, in presentation order (F frames).

    ``times`` (F,) float64 seconds from the first audio sample; ``blendshapes`` (F, 52) float32
    canonical ARKit order in [0, 1]; ``landmarks3d`` (F, 478, 3) float32 MediaPipe normalised
    coordinates (x, y in image fractions, z relative depth); ``found`` (F,) bool, False where no
    face was detected (values there are zeros).
    """

    times: np.ndarray
    blendshapes: np.ndarray
    landmarks3d: np.ndarray
    found: np.ndarray


def blendshapes_by_name(names: Sequence[str], scores: Sequence[float]) -> np.ndarray:
    """MediaPipe categories (any order) → ``(52,)`` float32 in canonical ARKit order.

    ``_neutral`` is dropped; names MediaPipe does not produce (``tongueOut``) stay 0.
    """
    if len(names) != len(scores):
        raise LabelError(f"{len(names)} blendshape names but {len(scores)} scores")
    try:
        targets = arkit.mediapipe_to_canonical(list(names))
    except ValueError as exc:
        raise LabelError(str(exc)) from exc
    out = np.zeros(arkit.COUNT, np.float32)
    for target, score in zip(targets, scores, strict=True):
        if target >= 0:
            out[target] = score
    # The scores are sigmoid outputs; clipping only guards the [0, 1] contract against rounding.
    return np.clip(out, 0.0, 1.0)


@contextmanager
def _native_stderr_kept(limit: int = 400) -> Iterator[Callable[[], str]]:
    """Inside, whatever is written to file descriptor 2 (native code's logs included) goes to a
    temporary file; yields a function giving its last ``limit`` characters on one line."""
    sys.stderr.flush()
    with tempfile.TemporaryFile() as log:
        saved = os.dup(2)
        os.dup2(log.fileno(), 2)

        def kept() -> str:
            log.flush()
            log.seek(0)
            return " ".join(log.read().decode("utf-8", "replace").split())[-limit:]

        try:
            yield kept
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


class FaceLandmarker:
    """Labels whole videos with MediaPipe. Single-threaded: one caller at a time.

    ``model_path`` is a ``face_landmarker.task`` bundle; a missing or unreadable bundle is a
    LabelError naming it (checked on construction).
    """

    def __init__(self, model_path: str | Path) -> None:
        self.model_path = Path(model_path)
        if not self.model_path.is_file():
            raise LabelError(f"MediaPipe model {str(self.model_path)!r} does not exist")
        self._options = self._make_options()
        with self._create():
            pass  # fail now, naming the bundle, rather than on the first video

    # mediapipe is imported on use: reading cached labels (training) must not need it.
    def _make_options(self) -> Any:
        from mediapipe.tasks.python import BaseOptions, vision

        return vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=vision.RunningMode.VIDEO,
            output_face_blendshapes=True,
            num_faces=1,
        )

    def _create(self) -> Any:
        from mediapipe.tasks.python import vision

        # MediaPipe's C++ side writes three warnings to stderr for every tracker it builds, one
        # tracker per video: 3,000 lines over GRID s1 that bury the progress bar and say nothing
        # a user can act on. They are kept, and shown only when the build fails.
        with _native_stderr_kept() as kept:
            try:
                return vision.FaceLandmarker.create_from_options(self._options)
            except (RuntimeError, ValueError, OSError) as exc:
                log = kept()
                said = f" (MediaPipe said: {log})" if log else ""
                raise LabelError(
                    f"MediaPipe model {str(self.model_path)!r} is unusable: {exc}{said}"
                ) from exc

    def label_video(self, path: str | Path) -> VideoLabels:
        """Run the landmarker over every frame of ``path`` (a fresh tracker per video, since VIDEO
        mode needs increasing timestamps). A video without a face gives ``found`` all False."""
        import mediapipe as mp

        times: list[float] = []
        shapes: list[np.ndarray] = []
        points: list[np.ndarray] = []
        found: list[bool] = []
        last_ms = -1
        with self._create() as tracker:
            for time_s, rgb in video_frames(path):
                stamp_ms = max(round(time_s * 1000), last_ms + 1)
                last_ms = stamp_ms
                image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
                result = tracker.detect_for_video(image, stamp_ms)
                times.append(time_s)
                if result.face_landmarks and result.face_blendshapes:
                    categories = result.face_blendshapes[0]
                    shapes.append(
                        blendshapes_by_name(
                            [c.category_name for c in categories], [c.score for c in categories]
                        )
                    )
                    points.append(
                        np.array([(p.x, p.y, p.z) for p in result.face_landmarks[0]], np.float32)
                    )
                    found.append(True)
                else:
                    shapes.append(np.zeros(arkit.COUNT, np.float32))
                    points.append(np.zeros((MESH_POINTS, 3), np.float32))
                    found.append(False)
        if not times:
            raise LabelError(f"video {str(path)!r} holds no pictures")
        return VideoLabels(
            times=np.asarray(times, np.float64),
            blendshapes=np.stack(shapes),
            landmarks3d=np.stack(points),
            found=np.asarray(found, bool),
        )
