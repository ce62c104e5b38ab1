"""The paper's evaluation metrics, in percent.

Landmarks (``(T, P, D)`` predictions and ground truth over the frames of one utterance):

* L-D: mean Euclidean distance between predicted and true points;
* L-VD: mean Euclidean distance between predicted and true point velocities (frame to frame);
* both also over the jaw-lips and the mouth points;
* OMA-D: mean absolute difference of the open-mouth area (inner-lip polygon, in the x-y plane).

"Face size" is the diagonal of the true landmarks' x-y bounding box in that frame: distances are
divided by it and areas by its square, then given in %. Blendshapes: MAE (%) over all 52 and per
region of :data:`talkrig.models.arkit.REGIONS`. ``valid`` ``(T,)`` bool masks frames without a
face label out of every mean (a velocity needs both of its frames valid).
"""

from __future__ import annotations

import numpy as np

from talkrig.models import arkit


class MetricError(ValueError):
    """Predictions and labels that cannot be compared (shapes, no valid frames)."""


# dlib 68 (iBUG 300-W order): jaw line 0-16, lips 48-67 (inner 60-67).
_DLIB_JAW = tuple(range(17))
_DLIB_MOUTH = tuple(range(48, 68))
_DLIB_INNER = tuple(range(60, 68))
# MediaPipe 478-point mesh: lip contours and the lower half of the face oval.
_MP_INNER_UPPER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
_MP_INNER_LOWER = (95, 88, 178, 87, 14, 317, 402, 318, 324)  # without the corners
_MP_OUTER = (
    61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 146, 91, 181, 84, 17, 314, 405, 321, 375,
)  # fmt: skip
_MP_JAW = (58, 172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397, 288)
_MP_MOUTH = tuple(sorted({*_MP_OUTER, *_MP_INNER_UPPER, *_MP_INNER_LOWER}))
_MP_INNER = (*_MP_INNER_UPPER, *reversed(_MP_INNER_LOWER))

POINT_SETS: dict[int, dict[str, tuple[int, ...]]] = {
    68: {
        "jaw-lips": tuple(sorted({*_DLIB_JAW, *_DLIB_MOUTH})),
        "mouth": _DLIB_MOUTH,
        "inner-lips": _DLIB_INNER,
    },
    478: {
        "jaw-lips": tuple(sorted({*_MP_JAW, *_MP_MOUTH})),
        "mouth": _MP_MOUTH,
        "inner-lips": _MP_INNER,
    },
}


def _mask(valid: np.ndarray | None, frames: int) -> np.ndarray:
    mask = np.ones(frames, bool) if valid is None else np.asarray(valid, bool)
    if mask.shape != (frames,):
        raise MetricError(f"valid has shape {mask.shape}, expected ({frames},)")
    if not mask.any():
        raise MetricError("no valid frame to evaluate")
    return mask


def _check(pred: np.ndarray, true: np.ndarray) -> None:
    if pred.shape != true.shape:
        raise MetricError(f"prediction {pred.shape} and label {true.shape} differ in shape")


def face_size(true: np.ndarray) -> np.ndarray:
    """``(T, P, D)`` → ``(T,)``: diagonal of each frame's x-y bounding box."""
    span = true[:, :, :2].max(axis=1) - true[:, :, :2].min(axis=1)
    return np.maximum(np.linalg.norm(span, axis=1), 1e-12)


def landmark_distance(
    pred: np.ndarray,
    true: np.ndarray,
    valid: np.ndarray | None = None,
    points: tuple[int, ...] = (),
) -> float:
    """L-D (%): mean point distance over valid frames (and ``points`` if given)."""
    _check(pred, true)
    mask = _mask(valid, len(true))
    size = face_size(true)
    sel = list(points) if points else slice(None)
    dist = np.linalg.norm(pred[:, sel] - true[:, sel], axis=2)  # (T, P')
    return float(100.0 * np.mean(dist[mask] / size[mask, None]))


def landmark_velocity_difference(
    pred: np.ndarray,
    true: np.ndarray,
    valid: np.ndarray | None = None,
    points: tuple[int, ...] = (),
) -> float:
    """L-VD (%): mean distance between predicted and true frame-to-frame point motion."""
    _check(pred, true)
    mask = _mask(valid, len(true))
    pairs = mask[1:] & mask[:-1]
    if not pairs.any():
        raise MetricError("no two consecutive valid frames for a velocity")
    sel = list(points) if points else slice(None)
    diff = np.diff(pred[:, sel], axis=0) - np.diff(true[:, sel], axis=0)  # (T-1, P', D)
    dist = np.linalg.norm(diff, axis=2)
    size = face_size(true)[1:]
    return float(100.0 * np.mean(dist[pairs] / size[pairs, None]))


def polygon_area(points: np.ndarray) -> np.ndarray:
    """``(T, N, >=2)`` closed polygons → ``(T,)`` shoelace areas in the x-y plane."""
    x, y = points[:, :, 0], points[:, :, 1]
    return 0.5 * np.abs(np.sum(x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y, axis=1))


def open_mouth_area_difference(
    pred: np.ndarray, true: np.ndarray, polygon: tuple[int, ...], valid: np.ndarray | None = None
) -> float:
    """OMA-D (%): mean |area(pred) - area(true)| of the inner-lip polygon / face size²."""
    _check(pred, true)
    mask = _mask(valid, len(true))
    sel = list(polygon)
    diff = np.abs(polygon_area(pred[:, sel]) - polygon_area(true[:, sel]))
    return float(100.0 * np.mean(diff[mask] / face_size(true)[mask] ** 2))


def landmark_metrics(
    pred: np.ndarray, true: np.ndarray, valid: np.ndarray | None = None
) -> dict[str, float]:
    """All landmark metrics for 68- or 478-point ``(T, P, D)`` arrays, keyed as in the paper's
    tables: ``L-D``, ``L-VD``, ``L-D jaw-lips``, ``L-VD jaw-lips``, ``L-D mouth``,
    ``L-VD mouth``, ``OMA-D``."""
    sets = POINT_SETS.get(true.shape[1])
    if sets is None:
        raise MetricError(f"no point sets for {true.shape[1]} landmarks (68 or 478)")
    out = {
        "L-D": landmark_distance(pred, true, valid),
        "L-VD": landmark_velocity_difference(pred, true, valid),
    }
    for name in ("jaw-lips", "mouth"):
        out[f"L-D {name}"] = landmark_distance(pred, true, valid, sets[name])
        out[f"L-VD {name}"] = landmark_velocity_difference(pred, true, valid, sets[name])
    out["OMA-D"] = open_mouth_area_difference(pred, true, sets["inner-lips"], valid)
    return out


def blendshape_mae(
    pred: np.ndarray, true: np.ndarray, valid: np.ndarray | None = None
) -> dict[str, float]:
    """Blendshape MAE (%) of ``(T, 52)`` arrays: ``all`` and one key per ARKit region."""
    _check(pred, true)
    if true.ndim != 2 or true.shape[1] != arkit.COUNT:
        raise MetricError(f"blendshapes must be (T, {arkit.COUNT}), got {true.shape}")
    mask = _mask(valid, len(true))
    err = np.abs(pred[mask] - true[mask])  # (T', 52)
    out = {"all": float(100.0 * err.mean())}
    for region, idx in arkit.REGIONS.items():
        out[region] = float(100.0 * err[:, list(idx)].mean())
    return out
