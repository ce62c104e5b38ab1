"""Hand-made mesh moves for what the fitted face map cannot show: blinks, smiles, brows.

The shipped map (:mod:`talkrig.models.face_map`) was fitted on GRID's neutral read speech: it
moves the mouth and jaw as real faces do, but its speakers never smile, raise their brows or
close their eyes for long, so those shapes barely move the mesh (a full ``mouthSmileLeft``
moves no point by more than 0.2 % of the face). The preview of a blendshape model adds these
moves on top of the map, so an emotional model's smile and the post chain's blinks show:

- eyelids: ``eyeBlink`` closes each upper-lid point onto its lower-lid partner (a full blink
  closes the eye), ``eyeWide`` lifts the upper lid;
- handles: a point (mouth corner, inner or outer brow) moves by a fixed displacement per unit
  value, and the points around it follow with a Gaussian fall-off over the neutral face.

Sides follow ARKit: ``Left`` is the subject's left (MediaPipe's ``LEFT_EYE``, the image's right).
Coordinates: the map's normalised image frame (y down), so "up" is a negative y.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from . import arkit
from .face_map import shipped_face_map

# (upper lid, lower lid) MediaPipe indices, outer corner → inner corner, corners left out.
LIDS = {
    "Right": ((246, 161, 160, 159, 158, 157, 173), (7, 163, 144, 145, 153, 154, 155)),
    "Left": ((466, 388, 387, 386, 385, 384, 398), (249, 390, 373, 374, 380, 381, 382)),
}
WIDE_LIFT = 0.35  # of the open eye's height, at eyeWide = 1
# (blendshape, centre point, (dx, dy) at value 1, fall-off radius): face-frame units (face 0.9
# tall). Right-side x moves are negative: the subject's right is the image's left.
HANDLES = (
    ("mouthSmileLeft", 291, (0.015, -0.035), 0.05),
    ("mouthSmileRight", 61, (-0.015, -0.035), 0.05),
    ("mouthFrownLeft", 291, (0.0, 0.03), 0.05),
    ("mouthFrownRight", 61, (0.0, 0.03), 0.05),
    ("mouthStretchLeft", 291, (0.025, 0.005), 0.05),
    ("mouthStretchRight", 61, (-0.025, 0.005), 0.05),
    ("browInnerUp", 285, (0.0, -0.035), 0.045),
    ("browInnerUp", 55, (0.0, -0.035), 0.045),
    ("browOuterUpLeft", 276, (0.0, -0.035), 0.045),
    ("browOuterUpRight", 46, (0.0, -0.035), 0.045),
    ("browDownLeft", 285, (-0.01, 0.025), 0.06),
    ("browDownRight", 55, (0.01, 0.025), 0.06),
    ("cheekSquintLeft", 330, (0.0, -0.015), 0.05),
    ("cheekSquintRight", 101, (0.0, -0.015), 0.05),
)


class ExpressionRig:
    """The moves above for one neutral face ``(478, 2 or 3)``; call it on mapped points."""

    def __init__(self, neutral: np.ndarray) -> None:
        xy = np.asarray(neutral, dtype=np.float64)[:, :2]
        centres = xy[[centre for _, centre, _, _ in HANDLES]]  # (H, 2)
        radii = np.array([radius for *_, radius in HANDLES])
        distance = np.linalg.norm(xy[None, :, :] - centres[:, None, :], axis=2)  # (H, P)
        self._weights = np.exp(-((distance / radii[:, None]) ** 2))  # (H, P)
        self._moves = np.array([move for _, _, move, _ in HANDLES])  # (H, 2)
        self._shapes = np.array([arkit.INDEX[name] for name, *_ in HANDLES])

    def __call__(self, points: np.ndarray, values: np.ndarray) -> np.ndarray:
        """``points`` ``(478, D)`` (the map's output for ``values``, ``(52,)``) moved; a copy."""
        v = np.clip(np.asarray(values, dtype=np.float64), 0.0, 1.0)
        out = np.array(points, dtype=np.float32)
        out[:, :2] += (v[self._shapes, None] * self._weights).T @ self._moves
        for side, (upper, lower) in LIDS.items():
            up, low = list(upper), list(lower)
            gap = out[low, 1] - out[up, 1]  # y down: the lower lid is below
            shut = v[arkit.INDEX[f"eyeBlink{side}"]]
            wide = WIDE_LIFT * v[arkit.INDEX[f"eyeWide{side}"]] * (1.0 - shut)
            out[up, 1] += np.clip(gap, 0.0, None) * (shut - wide)
        return out


@cache
def shipped_rig() -> ExpressionRig:
    """The rig for the shipped map's neutral face, built once per process."""
    return ExpressionRig(shipped_face_map().neutral)
