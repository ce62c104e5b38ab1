"""Hand-made moves on top of the fitted map: blinks close the eye, smiles lift the corners."""

from __future__ import annotations

import numpy as np

from talkrig.models import arkit
from talkrig.models.face_expressions import LIDS, shipped_rig
from talkrig.models.face_map import shipped_face_map


def _face(**values: float) -> np.ndarray:
    v = np.zeros(arkit.COUNT, np.float32)
    for name, value in values.items():
        v[arkit.INDEX[name]] = value
    return shipped_rig()(shipped_face_map().landmarks(v), v)


def _eye_gap(face: np.ndarray, side: str) -> float:
    upper, lower = (list(lids) for lids in LIDS[side])
    return float(np.mean(face[lower, 1] - face[upper, 1]))


def test_no_values_leave_the_fitted_map_as_it_is() -> None:
    rest = shipped_face_map().landmarks(np.zeros(arkit.COUNT))
    np.testing.assert_array_equal(_face(), rest)


def test_a_full_blink_closes_only_that_eye() -> None:
    rest, blink = _face(), _face(eyeBlinkLeft=1.0)
    assert _eye_gap(rest, "Left") > 0.01
    assert abs(_eye_gap(blink, "Left")) < 1e-6  # the upper lid lies on the lower one
    assert _eye_gap(blink, "Right") > 0.5 * _eye_gap(rest, "Right")
    assert _eye_gap(_face(eyeWideLeft=1.0), "Left") > 1.2 * _eye_gap(rest, "Left")


def test_smile_and_frown_move_the_mouth_corners_and_brows_rise() -> None:
    rest = _face()
    smile = _face(mouthSmileLeft=1.0, mouthSmileRight=1.0)
    frown = _face(mouthFrownLeft=1.0, mouthFrownRight=1.0)
    for corner in (61, 291):  # y down: a smile lifts the corner, a frown drops it
        assert smile[corner, 1] < rest[corner, 1] - 0.02
        assert frown[corner, 1] > rest[corner, 1] + 0.02
    assert smile[291, 0] - smile[61, 0] > rest[291, 0] - rest[61, 0]  # and widens the mouth
    raised = _face(browInnerUp=1.0)
    assert raised[285, 1] < rest[285, 1] - 0.02 and raised[55, 1] < rest[55, 1] - 0.02
    v = np.zeros(arkit.COUNT, np.float32)
    v[arkit.INDEX["browInnerUp"]] = 1.0
    mapped = shipped_face_map().landmarks(v)
    assert np.abs(raised[152] - mapped[152]).max() < 1e-6  # the rig leaves the chin alone


def test_values_out_of_range_are_clipped() -> None:
    np.testing.assert_array_equal(_face(eyeBlinkLeft=5.0), _face(eyeBlinkLeft=1.0))
    np.testing.assert_array_equal(_face(mouthSmileLeft=-2.0), _face())
