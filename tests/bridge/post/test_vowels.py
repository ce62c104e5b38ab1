"""AIUEO heuristic: the obvious mouth shapes give the obvious vowel; weights add up to ≤ 1."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from talkrig.bridge.post.vowels import VOWELS, vowel_weights
from talkrig.models import arkit


def _face(**shapes: float) -> np.ndarray:
    values = np.zeros(52, np.float32)
    for name, value in shapes.items():
        values[arkit.INDEX[name]] = value
    return values


def _dominant(**shapes: float) -> str:
    return VOWELS[int(np.argmax(vowel_weights(_face(**shapes))))]


@pytest.mark.parametrize(
    ("shapes", "vowel"),
    [
        ({"jawOpen": 0.9}, "A"),
        ({"mouthPucker": 0.8}, "U"),
        ({"mouthPucker": 0.8, "jawOpen": 0.1}, "U"),
        ({"mouthStretchLeft": 0.7, "mouthStretchRight": 0.7}, "I"),
        ({"mouthSmileLeft": 0.6, "mouthSmileRight": 0.6, "jawOpen": 0.3}, "E"),
        ({"mouthFunnel": 0.8, "jawOpen": 0.6}, "O"),
    ],
)
def test_obvious_shapes_give_the_obvious_vowel(shapes: dict[str, float], vowel: str) -> None:
    assert _dominant(**shapes) == vowel


def test_closed_mouth_gives_no_vowel() -> None:
    np.testing.assert_allclose(vowel_weights(_face()), 0.0, atol=1e-6)
    shut = _face(jawOpen=0.4, mouthClose=0.4, eyeBlinkLeft=1.0, browInnerUp=0.8)
    np.testing.assert_allclose(vowel_weights(shut), 0.0, atol=1e-6)


@settings(max_examples=100, deadline=None)
@given(arrays(np.float32, 52, elements=st.floats(0, 1, width=32)))
def test_weights_are_in_unit_range_and_sum_at_most_one(values: np.ndarray) -> None:
    weights = vowel_weights(values)
    assert weights.shape == (5,) and weights.dtype == np.float32
    assert np.all(weights >= 0) and np.all(weights <= 1)
    assert float(weights.sum()) <= 1.0 + 1e-5
