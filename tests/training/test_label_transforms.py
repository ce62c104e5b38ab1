"""Label transforms applied when a bootstrap corpus is loaded: the jaw's lag and blur."""

from __future__ import annotations

import numpy as np
import pytest

from talkrig.models import arkit
from talkrig.training.learning.config import resolve
from talkrig.training.learning.dataset import JAW_SHAPES, clip_from_arrays, delay_jaw


def _labels() -> np.ndarray:
    labels = np.zeros((20, arkit.COUNT), np.float32)
    labels[8, [arkit.INDEX[n] for n in JAW_SHAPES]] = 1.0
    labels[8, arkit.INDEX["mouthClose"]] = 1.0
    return labels


def test_jaw_shapes_move_later_and_lips_stay() -> None:
    out = delay_jaw(_labels(), 80.0)
    jaw = out[:, arkit.INDEX["jawOpen"]]
    assert int(np.argmax(jaw)) == 10  # two 40 ms frames later
    assert jaw[10] == pytest.approx(1.0)
    assert out[8, arkit.INDEX["mouthClose"]] == 1.0  # the lips are not delayed
    half = delay_jaw(_labels(), 20.0)[:, arkit.INDEX["jawOpen"]]
    assert half[8] == pytest.approx(0.5) and half[9] == pytest.approx(0.5)


def test_blur_spreads_but_keeps_the_area() -> None:
    jaw = delay_jaw(_labels(), 0.0, blur_ms=40.0)[:, arkit.INDEX["jawOpen"]]
    assert jaw.max() < 0.5 and jaw[7] > 0.2 and jaw.sum() == pytest.approx(1.0, abs=1e-4)


def test_clip_loading_applies_the_configured_lag() -> None:
    arrays = {
        "audio": np.zeros(20 * 640, np.float32),
        "valid": np.ones(20, bool),
        "blendshapes": _labels(),
    }
    clip = clip_from_arrays("u", arrays, "blendshapes", jaw_lag_ms=40.0)
    assert int(np.argmax(clip.targets[:, arkit.INDEX["jawOpen"]])) == 9
    assert resolve(overrides={"jaw_lag_ms": 60}).jaw_lag_ms == 60.0
