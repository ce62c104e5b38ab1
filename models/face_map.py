"""The shipped blendshapes → face-mesh map: how a blendshape model's output looks as a face.

``landmarks = neutral + Σ_i b_i · basis_i`` on MediaPipe's 478-point mesh, the same linear map
that ``talkrig-landmarks3d`` carries inside its graph (fitted by ``talkrig train face-map`` on
real GRID video, CC BY 4.0; ``training/learning/face_map.py`` writes this ``.npz`` layout).
The file is that model's map, copied out by ``python -m talkrig.models.build_face_map``, so a
blendshape model's preview moves exactly as the landmark model built on it would. Coordinates:
the normalised image frame of :mod:`talkrig.models.faces` (face centred at (0.5, 0.5), y down).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from . import arkit
from .errors import ModelError

FACE_MAP_FILE = Path(__file__).resolve().with_name("face-map-478.npz")


@dataclass(frozen=True)
class FaceMap:
    """``neutral`` ``(P, D)`` and ``basis`` ``(52, P, D)`` float32."""

    neutral: np.ndarray
    basis: np.ndarray

    def landmarks(self, blendshapes: np.ndarray) -> np.ndarray:
        """``(52,)`` canonical ARKit order → ``(P, D)`` float32 points. Values are clipped to
        [0, 1] first, as the landmark model clips its blendshapes."""
        weights = np.clip(np.asarray(blendshapes, dtype=np.float32), 0.0, 1.0)
        flat = weights @ self.basis.reshape(arkit.COUNT, -1)
        return self.neutral + flat.reshape(self.neutral.shape)


def read_face_map(path: Path) -> FaceMap:
    """Read a map from ``path`` (``.npz`` with ``neutral`` and ``basis``).

    Raises:
        ModelError: the file is missing, not an ``.npz``, or its arrays have the wrong shapes
            or non-finite values.
    """
    try:
        with np.load(path, allow_pickle=False) as data:
            neutral = np.asarray(data["neutral"], dtype=np.float32)
            basis = np.asarray(data["basis"], dtype=np.float32)
    except FileNotFoundError:
        raise ModelError(f"face map {str(path)!r} does not exist") from None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise ModelError(f"face map {str(path)!r} is unreadable: {exc}") from None
    points = neutral.shape[0] if neutral.ndim == 2 else 0
    if neutral.ndim != 2 or neutral.shape[1] not in (2, 3) or points < 3:
        raise ModelError(f"face map {str(path)!r}: neutral must be (points, 2 or 3), got "
                         f"{neutral.shape}")  # fmt: skip
    if basis.shape != (arkit.COUNT, *neutral.shape):
        raise ModelError(f"face map {str(path)!r}: basis must be (52, {points}, "
                         f"{neutral.shape[1]}), got {basis.shape}")  # fmt: skip
    if not (np.isfinite(neutral).all() and np.isfinite(basis).all()):
        raise ModelError(f"face map {str(path)!r} holds NaN or infinite values")
    return FaceMap(neutral, basis)


@cache
def shipped_face_map() -> FaceMap:
    """The map in :data:`FACE_MAP_FILE`, read once per process (read-only arrays)."""
    face_map = read_face_map(FACE_MAP_FILE)
    face_map.neutral.setflags(write=False)
    face_map.basis.setflags(write=False)
    return face_map
