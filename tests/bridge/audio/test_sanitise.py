"""The input sanitiser: finite, within [-1, 1], counted; clean audio passes untouched."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from talkrig.bridge.audio.sanitise import sanitise, sanitise_into
from talkrig.bridge.metrics import Metrics


def test_clean_audio_is_passed_through_without_a_copy() -> None:
    audio = np.linspace(-1.0, 1.0, 640, dtype=np.float32)
    clean, nonfinite, clipped = sanitise(audio)
    assert clean is audio and (nonfinite, clipped) == (0, 0)


def test_repairs_are_made_on_a_copy_and_counted() -> None:
    audio = np.array([0.5, np.nan, np.inf, -np.inf, 2.0, -3.0, -0.25], np.float32)
    before = audio.copy()
    clean, nonfinite, clipped = sanitise(audio)
    np.testing.assert_array_equal(clean, [0.5, 0.0, 0.0, 0.0, 1.0, -1.0, -0.25])
    assert (nonfinite, clipped) == (3, 2)
    np.testing.assert_array_equal(audio, before)  # the caller's buffer is not written


def test_repairs_add_up_in_the_metrics_over_blocks_of_any_shape() -> None:
    metrics = Metrics()
    sanitise_into(np.full((10, 2), np.nan, np.float32), metrics)
    sanitise_into(np.zeros(0, np.float32), metrics)
    clean = sanitise_into(np.full(5, 1.5, np.float32), metrics)
    np.testing.assert_array_equal(clean, np.ones(5, np.float32))
    snap = metrics.snapshot()
    assert (snap.input_nonfinite, snap.input_clipped, snap.frames_replaced) == (20, 5, 0)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float32, st.integers(0, 300), elements=st.floats(width=32, allow_nan=True)))
def test_output_is_always_finite_and_in_range(audio: np.ndarray) -> None:
    clean, nonfinite, clipped = sanitise(audio)
    assert clean.dtype == np.float32 and clean.shape == audio.shape
    assert np.isfinite(clean).all() and (np.abs(clean) <= 1.0).all()
    assert nonfinite == int(np.sum(~np.isfinite(audio)))
    ok = np.isfinite(audio) & (np.abs(audio) <= 1.0)
    np.testing.assert_array_equal(clean[ok], audio[ok])
    assert nonfinite + clipped == int(np.sum(~ok))
