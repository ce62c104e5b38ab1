"""``FaceFrame`` carries one payload, checked against its representation when it is built."""

from __future__ import annotations

import numpy as np
import pytest

from talkrig.bridge.frame import FaceFrame, FrameTimes
from talkrig.models.contract import Representation

TIMES = FrameTimes(0.0, 0.0, 0.0, 0.0)


def frame(rep: Representation, values: object) -> FaceFrame:
    return FaceFrame(0, 0.0, 0.0, rep, TIMES, values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rep", "shape"),
    [
        (Representation.BLENDSHAPES, (52,)),
        (Representation.LANDMARKS_2D, (68, 2)),
        (Representation.LANDMARKS_3D, (478, 3)),
    ],
)
def test_values_of_the_right_shape_are_the_payload(rep: Representation, shape: tuple) -> None:
    values = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    f = frame(rep, values)
    assert f.values is values
    blend = rep is Representation.BLENDSHAPES
    assert (f.blendshapes is values) is blend and (f.landmarks is values) is not blend


@pytest.mark.parametrize(
    ("rep", "values", "words"),
    [
        (Representation.BLENDSHAPES, np.zeros((51,), np.float32), "(52,)"),
        (Representation.BLENDSHAPES, np.zeros((68, 2), np.float32), "(52,)"),
        (Representation.LANDMARKS_2D, np.zeros((68, 3), np.float32), "(points, 2)"),
        (Representation.LANDMARKS_3D, np.zeros((52,), np.float32), "(points, 3)"),
        (Representation.LANDMARKS_3D, np.zeros((0, 3), np.float32), "(points, 3)"),
        (Representation.BLENDSHAPES, np.zeros((52,), np.float64), "float32"),
        (Representation.BLENDSHAPES, [0.0] * 52, "float32"),
        (Representation.BLENDSHAPES, None, "float32"),
    ],
)
def test_a_payload_that_does_not_fit_is_refused_when_built(
    rep: Representation, values: object, words: str
) -> None:
    with pytest.raises(ValueError, match=f"frame 0 .*{rep.value}.*{words}") as info:
        frame(rep, values)
    assert words in str(info.value)
