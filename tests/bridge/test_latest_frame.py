"""LatestFrame: the newest frame, for a display timer to pick up once."""

from __future__ import annotations

import numpy as np

from talkrig.bridge.frame import FaceFrame, FrameTimes
from talkrig.bridge.latest_frame import LatestFrame
from talkrig.models.contract import Representation


def _frame(sequence: int) -> FaceFrame:
    zeros = np.zeros(52, np.float32)
    return FaceFrame(sequence, 0.0, 0.0, Representation.BLENDSHAPES, FrameTimes(0, 0, 0, 0), zeros)


def test_latest_frame_gives_each_new_frame_once() -> None:
    latest = LatestFrame()
    assert latest.take() is None
    latest(_frame(1))
    latest(_frame(2))
    taken = latest.take()
    assert taken is not None and taken.sequence == 2
    assert latest.take() is None
