"""Hand-made neutral faces for landmark models: dlib's 68 points and MediaPipe's 478-point mesh.

Both live in one normalised frame (image convention, like MediaPipe's normalised landmarks):
x and y in [0, 1] with y pointing down, the face oval centred at (0.5, 0.5), 0.8 wide and 0.9
tall; z (3D only) in the same units, negative towards the camera. The subject's right side is
on the image's left, as in an unmirrored photo.

The 68-point face follows dlib's (iBUG 300-W) point order. The 478-point mesh is SCHEMATIC: the
MediaPipe indices of the lips, eyes, irises, brows, face oval and midline sit where MediaPipe puts
them, every other index is a filler point spread over the face; it is a stand-in until trained
models bring a real mean shape. Used by the builders and by training (for the point labels).
"""

from __future__ import annotations

import numpy as np

from .contract import Representation

JAW_TRAVEL = 0.12  # chin drop at jawOpen = 1, in face-frame units (about 13 % of face height)
MOUTH_Y = 0.72
CHIN_Y = 0.95
_OVAL = (0.5, 0.5, 0.40, 0.45)  # centre x, centre y, semi-axis x, semi-axis y


def _arc(x0: float, x1: float, y: float, bulge: float, n: int) -> list[tuple[float, float]]:
    """``n`` points from x0 to x1 at height y, bowed by ``bulge`` in the middle (y down)."""
    t = np.linspace(0.0, 1.0, n)
    return [(float(x0 + (x1 - x0) * s), float(y + bulge * np.sin(np.pi * s))) for s in t]


def _oval(angles: np.ndarray) -> list[tuple[float, float]]:
    cx, cy, ax, ay = _OVAL
    return [(float(cx + ax * np.cos(a)), float(cy + ay * np.sin(a))) for a in angles]


def _dlib68() -> np.ndarray:
    """(68, 2): jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, outer lips 48-59, inner 60-67."""
    tilt = 0.18  # jaw ends at the ears, a little below eye level
    pts = _oval(np.linspace(np.pi + tilt, -tilt, 17))
    pts += _arc(0.18, 0.44, 0.34, -0.03, 5) + _arc(0.56, 0.82, 0.34, -0.03, 5)
    pts += [(0.5, y) for y in (0.42, 0.48, 0.54, 0.60)]
    pts += _arc(0.44, 0.56, 0.635, 0.01, 5)
    for outer, inner in ((0.24, 0.42), (0.58, 0.76)):
        upper = _arc(outer, inner, 0.42, -0.025, 4)
        lower = _arc(inner, outer, 0.42, 0.02, 4)
        pts += upper + lower[1:3]
    upper = _arc(0.36, 0.64, MOUTH_Y, -0.035, 7)
    lower = _arc(0.64, 0.36, MOUTH_Y, 0.045, 7)
    pts += upper + lower[1:6]
    pts += _arc(0.38, 0.62, MOUTH_Y, -0.008, 5) + _arc(0.62, 0.38, MOUTH_Y, 0.008, 5)[1:4]
    return np.array(pts, np.float32)


# MediaPipe FaceMesh contours: index lists from the public face-mesh topology.
_MP_LIPS = {
    "outer_upper": [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291],
    "outer_lower": [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291],
    "inner_upper": [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308],
    "inner_lower": [78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308],
}
MP_LOWER_LIP: tuple[int, ...] = tuple(
    sorted({*_MP_LIPS["outer_lower"][1:-1], *_MP_LIPS["inner_lower"][1:-1]})
)
MP_MOUTH_CORNERS = (61, 291, 78, 308)
_MP_FACE_OVAL = [
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
    152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
]  # fmt: skip
_MP_MIDLINE = {
    151: 0.15, 9: 0.27, 8: 0.36, 168: 0.42, 6: 0.47, 197: 0.51, 195: 0.55, 5: 0.58, 4: 0.61,
    1: 0.625, 19: 0.64, 94: 0.655, 2: 0.665, 164: 0.675, 11: 0.693, 12: 0.703, 15: 0.74,
    16: 0.752, 18: 0.79, 200: 0.83, 199: 0.87, 175: 0.91,
}  # fmt: skip


def _mediapipe478() -> np.ndarray:
    """(478, 3): the schematic mesh described in the module docstring."""
    xy: dict[int, tuple[float, float]] = {}

    def put(indices: list[int], points: list[tuple[float, float]]) -> None:
        for i, p in zip(indices, points, strict=True):
            xy.setdefault(i, p)

    put(_MP_LIPS["outer_upper"], _arc(0.36, 0.64, MOUTH_Y, -0.035, 11))
    put(_MP_LIPS["outer_lower"], _arc(0.36, 0.64, MOUTH_Y, 0.045, 11))
    put(_MP_LIPS["inner_upper"], _arc(0.38, 0.62, MOUTH_Y, -0.008, 11))
    put(_MP_LIPS["inner_lower"], _arc(0.38, 0.62, MOUTH_Y, 0.008, 11))
    # Subject's right eye and brow (image left), then the left ones; each outer corner → inner.
    for outer, inner, lower, upper in (
        (0.24, 0.42, [33, 7, 163, 144, 145, 153, 154, 155, 133],
         [33, 246, 161, 160, 159, 158, 157, 173, 133]),
        (0.76, 0.58, [263, 249, 390, 373, 374, 380, 381, 382, 362],
         [263, 466, 388, 387, 386, 385, 384, 398, 362]),
    ):  # fmt: skip
        put(upper, _arc(outer, inner, 0.42, -0.025, 9))
        put(lower, _arc(outer, inner, 0.42, 0.02, 9))
    put([46, 53, 52, 65, 55], _arc(0.18, 0.44, 0.345, -0.03, 5))
    put([70, 63, 105, 66, 107], _arc(0.18, 0.44, 0.325, -0.03, 5))
    put([276, 283, 282, 295, 285], _arc(0.82, 0.56, 0.345, -0.03, 5))
    put([300, 293, 334, 296, 336], _arc(0.82, 0.56, 0.325, -0.03, 5))
    put(_MP_FACE_OVAL, _oval(-np.pi / 2 + 2 * np.pi * np.arange(36) / 36))
    put(list(_MP_MIDLINE), [(0.5, y) for y in _MP_MIDLINE.values()])
    for centre, cx in ((468, 0.33), (473, 0.67)):
        ring = [
            (cx + 0.018 * np.cos(a), 0.42 - 0.018 * np.sin(a)) for a in np.arange(4) * np.pi / 2
        ]
        put([centre, *range(centre + 1, centre + 5)], [(cx, 0.42), *ring])
    known = np.array(list(xy.values()))
    free = [i for i in range(478) if i not in xy]
    put(free, _filler(known, len(free)))
    pts = np.array([xy[i] for i in range(478)])
    return np.column_stack([pts, _depth(pts)]).astype(np.float32)


def _filler(known: np.ndarray, n: int) -> list[tuple[float, float]]:
    """``n`` points on a sunflower spiral inside the oval, away from the placed features."""
    cx, cy, ax, ay = _OVAL
    k = np.arange(8 * n) + 0.5
    r = 0.95 * np.sqrt(k / len(k))
    a = k * np.pi * (3.0 - np.sqrt(5.0))
    cand = np.column_stack([cx + ax * r * np.cos(a), cy + ay * r * np.sin(a)])
    gap = np.min(np.linalg.norm(cand[:, None, :] - known[None, :, :], axis=2), axis=1)
    far = cand[gap > 0.015]
    step = len(far) / n  # spread the picks over the whole spiral, not just its centre
    return [(float(x), float(y)) for x, y in far[(np.arange(n) * step).astype(int)]]


def _depth(xy: np.ndarray) -> np.ndarray:
    """z of an ellipsoid face with a nose bump; negative is towards the camera."""
    cx, cy, ax, ay = _OVAL
    inside = 1.0 - ((xy[:, 0] - cx) / ax) ** 2 - ((xy[:, 1] - cy) / ay) ** 2
    nose = np.exp(-((xy[:, 0] - 0.5) ** 2 + ((xy[:, 1] - 0.6) / 1.5) ** 2) / 0.003)
    return -0.12 * np.sqrt(np.clip(inside, 0.0, 1.0)) - 0.05 * nose


def neutral(representation: Representation) -> np.ndarray:
    """The neutral face: (68, 2) or (478, 3) float32."""
    if representation is Representation.LANDMARKS_2D:
        return _dlib68()
    if representation is Representation.LANDMARKS_3D:
        return _mediapipe478()
    raise ValueError("blendshape models have no landmark face")


def labels(representation: Representation) -> tuple[str, ...]:
    """Card ``output_names`` for the points: ``dlib00``..``dlib67`` or ``mp000``..``mp477``."""
    if representation is Representation.LANDMARKS_2D:
        return tuple(f"dlib{i:02d}" for i in range(68))
    return tuple(f"mp{i:03d}" for i in range(478))


def jaw_drop(representation: Representation) -> np.ndarray:
    """Displacement at jawOpen = 1, same shape as :func:`neutral`: the lower lip drops by
    :data:`JAW_TRAVEL`, the corners by half, the chin and lower face fading out sideways."""
    face = neutral(representation)
    x, y = face[:, 0], face[:, 1]
    below = np.clip((y - MOUTH_Y) / 0.10, 0.0, 1.0)
    weight = below * below * (3 - 2 * below) * np.clip(1 - ((x - 0.5) / 0.42) ** 2, 0.0, 1.0)
    lower, corners, upper = _lip_indices(representation)
    weight[lower] = 1.0
    weight[corners] = 0.5
    weight[upper] = 0.0
    out = np.zeros_like(face)
    out[:, 1] = JAW_TRAVEL * weight
    return out


def mouth_widen(representation: Representation) -> np.ndarray:
    """Displacement for a wide mouth (stretch): lip points move away from the midline, corners
    most (0.02); the negative is a rounded, narrowed mouth."""
    face = neutral(representation)
    lips = np.array(sorted(_lip_points(representation)))
    out = np.zeros_like(face)
    out[lips, 0] = 0.02 * (face[lips, 0] - 0.5) / 0.14
    return out


def _lip_indices(representation: Representation) -> tuple[list[int], list[int], list[int]]:
    """Lower lip, mouth corners, upper lip."""
    if representation is Representation.LANDMARKS_2D:
        return [55, 56, 57, 58, 59, 65, 66, 67], [48, 54, 60, 64], [49, 50, 51, 52, 53, 61, 62, 63]
    upper = {*_MP_LIPS["outer_upper"][1:-1], *_MP_LIPS["inner_upper"][1:-1]}
    return list(MP_LOWER_LIP), list(MP_MOUTH_CORNERS), sorted(upper)


def _lip_points(representation: Representation) -> set[int]:
    if representation is Representation.LANDMARKS_2D:
        return set(range(48, 68))
    return {i for contour in _MP_LIPS.values() for i in contour}
