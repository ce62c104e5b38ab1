"""A linear map from the 52 blendshapes to a real face's landmarks, fitted on real video.

The bootstrap corpus knows the mouth only as blendshapes (its labels come from phones). To give
the 2D and 3D landmark models a real face instead of a drawn one, the landmarks of real frames
(MediaPipe's 478-point mesh, dlib's 68 points) are regressed on MediaPipe's blendshape scores of
the same frames: ``landmarks ≈ neutral + Σ_i b_i · basis_i`` (ridge regression, the neutral face
being the intercept, i.e. the face at all-zero blendshapes). A landmark model is then a
blendshape network followed by this map inside the ONNX graph, so its points move exactly as
its blendshapes say.

Frames are similarity-aligned (Procrustes) to their mean after converting image fractions to
square pixels; the result is placed in ``talkrig.models.faces``' frame (face centred at
(0.5, 0.5), y down; the mesh 0.9 tall, the 68-point jaw 0.8 wide).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from talkrig.models import arkit

from .pdm import PdmError, generalised_procrustes

RIDGE = 1e-3  # per frame: blendshape scores vary by ~0.1, so this shrinks weights ~10 %


@dataclass(frozen=True)
class FaceMap:
    """``neutral`` (P, D) and ``basis`` (52, P, D): landmarks = neutral + blendshapes · basis."""

    neutral: np.ndarray
    basis: np.ndarray

    def apply(self, blendshapes: np.ndarray) -> np.ndarray:
        """``(T, 52)`` → ``(T, P, D)`` float32."""
        flat = blendshapes @ self.basis.reshape(arkit.COUNT, -1)
        return (self.neutral[None] + flat.reshape(-1, *self.neutral.shape)).astype(np.float32)

    def save(self, path: Path) -> None:
        np.savez_compressed(path, neutral=self.neutral, basis=self.basis)

    @staticmethod
    def load(path: Path) -> FaceMap:
        with np.load(path) as data:
            return FaceMap(data["neutral"], data["basis"])


def to_square(points: np.ndarray, width: int, height: int) -> np.ndarray:
    """Image fractions (x / width, y / height[, z / width]) → square pixel units."""
    scale = np.array([width, height, width][: points.shape[-1]], np.float64)
    return points * scale


def _place(neutral: np.ndarray, basis: np.ndarray, dlib: bool) -> tuple[np.ndarray, np.ndarray]:
    """Move and scale (neutral, basis) into the faces.py frame."""
    if dlib:
        size = float(np.linalg.norm(neutral[16, :2] - neutral[0, :2])) / 0.8
    else:
        size = float(np.ptp(neutral[:, 1])) / 0.9
    centre = neutral.mean(axis=0)
    centre[2:] = 0.0  # depth stays relative
    out = (neutral - centre) / size
    out[:, :2] += 0.5
    return out, basis / size


def fit_face_map(blendshapes: np.ndarray, shapes: np.ndarray, ridge: float = RIDGE) -> FaceMap:
    """Fit the map on ``(N, 52)`` blendshape scores and ``(N, P, D)`` landmarks (square units)
    of the same N frames; PdmError when there are too few frames."""
    n, points, dims = shapes.shape
    if n < 20 or blendshapes.shape != (n, arkit.COUNT):
        raise PdmError(f"a face map needs >= 20 frames of (52,) and (P, D); got {n}")
    aligned = generalised_procrustes(shapes).reshape(n, -1)  # (N, P * D)
    x_mean, y_mean = blendshapes.mean(axis=0), aligned.mean(axis=0)
    x = blendshapes - x_mean
    gram = x.T @ x + ridge * n * np.eye(arkit.COUNT)
    weights = np.linalg.solve(gram, x.T @ (aligned - y_mean))  # (52, P * D)
    neutral = (y_mean - x_mean @ weights).reshape(points, dims)
    basis = weights.reshape(arkit.COUNT, points, dims)
    neutral, basis = _place(neutral, basis, dlib=points == 68)
    return FaceMap(neutral.astype(np.float32), basis.astype(np.float32))


def video_size(path: Path) -> tuple[int, int]:
    """(width, height) of the first video stream of ``path``."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return int(stream.width), int(stream.height)


def grid_face_maps(folder: Path, landmarker_path: Path) -> dict[str, FaceMap]:
    """``{"landmarks3d": ..., "landmarks2d": ...}`` fitted on every picture of the ``*.mpg``
    clips in ``folder`` where both MediaPipe and dlib found the face."""
    from .dlib68 import Dlib68
    from .landmarker import FaceLandmarker

    videos = sorted(folder.glob("*.mpg"))
    if not videos:
        raise PdmError(f"no talking-face clips (*.mpg) in {str(folder)!r}")
    mesh_model, dlib_model = FaceLandmarker(landmarker_path), Dlib68()
    scores, meshes, flats = [], [], []
    for video in videos:
        width, height = video_size(video)
        mesh = mesh_model.label_video(video)
        flat = dlib_model.label_video(video)
        both = mesh.found & flat.found[: len(mesh.found)]
        scores.append(mesh.blendshapes[both])
        meshes.append(to_square(mesh.landmarks3d[both], width, height))
        flats.append(to_square(flat.landmarks2d[: len(mesh.found)][both], width, height))
    blend = np.concatenate(scores).astype(np.float64)
    return {
        "landmarks3d": fit_face_map(blend, np.concatenate(meshes)),
        "landmarks2d": fit_face_map(blend, np.concatenate(flats)),
    }
