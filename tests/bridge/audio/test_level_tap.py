"""LevelTap: every block forwarded to the ring, the peak kept for the level meter."""

from __future__ import annotations

import numpy as np
import pytest

from talkrig.bridge.audio.level_tap import LevelTap
from talkrig.bridge.audio.ring import SampleRing


def test_level_tap_forwards_blocks_and_keeps_the_peak() -> None:
    ring = SampleRing(100, 1)
    tap = LevelTap(ring)
    tap.write(np.array([[0.1], [-0.6], [0.2]], np.float32))
    assert tap.write_wait(np.array([[0.3]], np.float32), 0.1)
    assert ring.read()[:, 0].tolist() == pytest.approx([0.1, -0.6, 0.2, 0.3])
    assert tap.take_peak() == pytest.approx(0.6)
    assert tap.take_peak() == 0.0
