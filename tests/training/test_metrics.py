"""Every metric against a case small enough to compute by hand."""

from __future__ import annotations

import numpy as np
import pytest

from talkrig.models import arkit
from talkrig.training.judging.metrics import (
    POINT_SETS,
    MetricError,
    blendshape_mae,
    face_size,
    landmark_distance,
    landmark_metrics,
    landmark_velocity_difference,
    open_mouth_area_difference,
    polygon_area,
)

INNER = POINT_SETS[68]["inner-lips"]


def _square(corner: float, side: float) -> np.ndarray:
    """8 points around an axis-aligned square (corners and edge midpoints, in order)."""
    a, b, m = corner, corner + side, corner + side / 2
    return np.array([(a, a), (m, a), (b, a), (b, m), (b, b), (m, b), (a, b), (a, m)], float)


def _face(frames: int = 3, mouth_side: float = 1.0) -> np.ndarray:
    """(T, 68, 2): bounding box (0,0)-(3,4), so the face size (diagonal) is exactly 5."""
    face = np.zeros((frames, 68, 2))
    face[:, 1] = (3.0, 4.0)
    face[:, list(INNER)] = _square(1.0, mouth_side)
    return face


def test_face_size_is_the_bounding_box_diagonal() -> None:
    assert face_size(_face()) == pytest.approx([5.0, 5.0, 5.0])


def test_landmark_distance_of_a_uniform_shift() -> None:
    true = _face()
    pred = true + np.array([0.5, 0.0])  # every point 0.5 away: 0.5 / 5 = 10 %
    assert landmark_distance(pred, true) == pytest.approx(10.0)


def test_landmark_distance_on_a_subset_and_with_a_mask() -> None:
    true = _face()
    pred = true.copy()
    mouth = list(POINT_SETS[68]["mouth"])
    pred[:, mouth] += (0.0, 0.5)
    assert landmark_distance(pred, true, points=tuple(mouth)) == pytest.approx(10.0)
    assert landmark_distance(pred, true) == pytest.approx(10.0 * 20 / 68)
    pred[2] += 100.0  # a frame without a face label must not count
    valid = np.array([True, True, False])
    assert landmark_distance(pred, true, valid, tuple(mouth)) == pytest.approx(10.0)


def test_velocity_difference_counts_only_the_motion_error() -> None:
    true = _face()
    pred = true.copy()
    pred[1:] += (0.5, 0.0)  # jumps once between frames 0 and 1, then stays: errors 0.5 and 0
    assert landmark_velocity_difference(pred, true) == pytest.approx(5.0)
    # a constant offset moves nothing
    assert landmark_velocity_difference(true + 1.0, true) == pytest.approx(0.0)
    # masking frame 2 leaves only the pair (0, 1)
    assert landmark_velocity_difference(pred, true, np.array([1, 1, 0], bool)) == pytest.approx(
        10.0
    )


def test_open_mouth_area_difference() -> None:
    assert polygon_area(_square(1.0, 2.0)[None]) == pytest.approx([4.0])
    true, pred = _face(mouth_side=1.0), _face(mouth_side=2.0)  # areas 1 and 4, size² 25
    assert open_mouth_area_difference(pred, true, INNER) == pytest.approx(100 * 3 / 25)


def test_landmark_metrics_keys_and_values() -> None:
    true = _face()
    out = landmark_metrics(true + np.array([0.5, 0.0]), true)
    assert set(out) == {
        "L-D", "L-VD", "L-D jaw-lips", "L-VD jaw-lips", "L-D mouth", "L-VD mouth", "OMA-D"
    }  # fmt: skip
    assert out["L-D mouth"] == pytest.approx(10.0)
    assert out["L-VD"] == pytest.approx(0.0)
    assert out["OMA-D"] == pytest.approx(0.0)


def test_blendshape_mae_overall_and_per_region() -> None:
    true = np.zeros((4, arkit.COUNT))
    pred = true.copy()
    pred[:, arkit.INDEX["jawOpen"]] = 0.1
    out = blendshape_mae(pred, true)
    assert out["all"] == pytest.approx(10.0 / 52)
    assert out["jaw"] == pytest.approx(10.0 / len(arkit.REGIONS["jaw"]))
    assert out["mouth"] == pytest.approx(0.0)
    assert set(out) == {"all", *arkit.REGIONS}


def test_garbage_is_refused_with_one_clear_error() -> None:
    true = _face()
    with pytest.raises(MetricError, match="differ in shape"):
        landmark_distance(true[:, :60], true)
    with pytest.raises(MetricError, match="no valid frame"):
        landmark_distance(true, true, np.zeros(3, bool))
    with pytest.raises(MetricError, match="68 or 478"):
        landmark_metrics(np.zeros((3, 10, 2)), np.zeros((3, 10, 2)))
    with pytest.raises(MetricError, match=r"\(T, 52\)"):
        blendshape_mae(np.zeros((3, 51)), np.zeros((3, 51)))
