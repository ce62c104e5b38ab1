"""A linear map from the 52 blendshapes to a real face's landmarks, fitted on real video.

The bootstrap corpus knows the mouth only as blendshapes (its labels come from phones). To give
the 2D and 3D landmark models a real face instead of a drawn one, the landmarks of real frames
(MediaPipe's 478-point mesh, and 68 points in dlib's order picked from that mesh by
:data:`MESH_TO_DLIB68`) are regressed on MediaPipe's blendshape scores of
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

from .pdm import Pdm, PdmError, generalised_procrustes

# The mesh vertex nearest to each of dlib's 68 points (iBUG 300-W order), the correspondence in
# common use. Taking the 68 points from MediaPipe's mesh (Apache-2.0 model) instead of dlib's
# predictor keeps the 2D models free of the iBUG 300-W non-commercial terms. Checked against dlib
# on GRID bbaf2n (mean distance over the clip, in % of dlib's jaw width): lips and eyes 0.6-3.3 %,
# brows and nose up to 6 %, the jaw line 1-11 % (the detectors draw the jaw contour differently).
MESH_TO_DLIB68 = (
    127, 234, 132, 58, 172, 150, 149, 148, 152, 377, 378, 379, 397, 288, 361, 454, 356,  # jaw
    70, 63, 105, 66, 107, 336, 296, 334, 293, 300,  # brows
    168, 197, 5, 4, 75, 97, 2, 326, 305,  # nose
    33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,  # eyes
    61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181,  # outer lips
    78, 82, 13, 312, 308, 317, 14, 87,  # inner lips
)  # fmt: skip

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


def placed_pdm(pdm: Pdm, width: int, height: int) -> Pdm:
    """``pdm`` (fitted on image fractions of a ``width`` × ``height`` video) with its decode
    moved into the faces.py frame as the maps are (square units, face centred at (0.5, 0.5),
    the mesh 0.9 tall, the 68-point jaw 0.8 wide). The decode is linear, so mean and basis move
    alike and the coefficients keep their meaning."""
    points, dims = pdm.shape
    scale = np.array([width, height, width][:dims], np.float64)
    basis = pdm.basis.reshape(-1, points, dims) * scale
    neutral, basis = _place(pdm.mean * scale, basis, dlib=points == 68)
    return Pdm(
        neutral.astype(np.float32),
        basis.reshape(len(basis), -1).astype(np.float32),
        pdm.variance_kept,
    )


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


def run_video_size(run: Path) -> tuple[int, int] | None:
    """(width, height) of the first training video of ``run``'s data folder, when its
    landmarks came from video; None for corpora without one (landmarks already in a face frame)."""
    import json

    from ..data.corpora import VIDEO_SUFFIXES
    from ..data.manifest import read_manifest

    try:
        data = Path(json.loads((run / "run.json").read_text("utf-8"))["data"])
        rows = read_manifest(data / "manifest.jsonl")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    for row in rows:
        source = Path(row.source or "")
        if source.suffix.lower() in VIDEO_SUFFIXES and source.is_file():
            return video_size(source)
    return None


def _fit_both(blend: np.ndarray, points: np.ndarray) -> dict[str, FaceMap]:
    return {
        "landmarks3d": fit_face_map(blend, points),
        "landmarks2d": fit_face_map(blend, points[:, list(MESH_TO_DLIB68), :2]),
    }


def prepared_face_maps(folder: Path, every: int = 4) -> dict[str, FaceMap]:
    """The maps fitted on the cached MediaPipe labels of a ``prepare`` folder: its training
    utterances only (the held-out ones in ``training/data/holdout`` stay unseen), every ``every``-th
    labelled frame (neighbouring frames add little but time)."""
    from ..data.holdout import without_held_out
    from ..data.labels import label_path, load_labels
    from ..data.manifest import read_manifest

    rows = without_held_out(read_manifest(folder / "manifest.jsonl"))
    scores, meshes, sizes = [], [], {}
    for utterance in rows:
        if not label_path(folder / "labels", utterance).is_file():
            continue  # not labelled (no face found): prepare said so
        labels = load_labels(folder / "labels", utterance)  # a damaged file is an error
        if "landmarks3d" not in labels:
            continue
        source = str(utterance.source)
        if source not in sizes:
            if not Path(source).is_file():
                raise PdmError(
                    f"{utterance.id}: its video {source!r} is gone (run from where prepare ran)"
                )
            sizes[source] = video_size(Path(source))
        keep = np.flatnonzero(labels["valid"])[::every]
        scores.append(labels["blendshapes"][keep])
        meshes.append(to_square(labels["landmarks3d"][keep], *sizes[source]))
    if not scores:
        raise PdmError(f"no labelled faces in {str(folder)!r} (run prepare with --model)")
    return _fit_both(np.concatenate(scores).astype(np.float64), np.concatenate(meshes))


def grid_face_maps(folder: Path, landmarker_path: Path) -> dict[str, FaceMap]:
    """``{"landmarks3d": ..., "landmarks2d": ...}`` fitted on every picture of the ``*.mpg``
    clips in ``folder`` where MediaPipe found the face; the 2D map uses the mesh's
    :data:`MESH_TO_DLIB68` points (x, y)."""
    from ..data.landmarker import FaceLandmarker

    videos = sorted(folder.glob("*.mpg"))
    if not videos:
        raise PdmError(f"no talking-face clips (*.mpg) in {str(folder)!r}")
    mesh_model = FaceLandmarker(landmarker_path)
    scores, meshes = [], []
    for video in videos:
        width, height = video_size(video)
        mesh = mesh_model.label_video(video)
        scores.append(mesh.blendshapes[mesh.found])
        meshes.append(to_square(mesh.landmarks3d[mesh.found], width, height))
    return _fit_both(np.concatenate(scores).astype(np.float64), np.concatenate(meshes))
