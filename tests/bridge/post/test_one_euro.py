"""One-Euro filter: first frame passes, output stays within the inputs, beta adapts the lag."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from talkrig.bridge.post.one_euro import OneEuro


def test_first_frame_passes_and_constant_stays_constant() -> None:
    f = OneEuro()
    pose = np.linspace(0, 1, 52, dtype=np.float32)
    for _ in range(10):
        np.testing.assert_allclose(f(pose), pose, atol=1e-7)


def test_beta_zero_is_a_first_order_low_pass() -> None:
    rate, cutoff = 25.0, 1.0
    alpha = 1.0 / (1.0 + rate / (2 * math.pi * cutoff))
    f = OneEuro(min_cutoff=cutoff, beta=0.0, rate=rate)
    f(np.zeros(3, np.float32))
    for n in range(1, 20):
        out = f(np.ones(3, np.float32))
        np.testing.assert_allclose(out, 1 - (1 - alpha) ** n, rtol=1e-5)


def test_beta_cuts_the_lag_of_fast_movement() -> None:
    ramp = np.linspace(0, 1, 25, dtype=np.float32)[:, None]
    lags = {}
    for beta in (0.0, 5.0):
        f = OneEuro(min_cutoff=1.0, beta=beta)
        out = np.stack([f(x) for x in ramp])
        lags[beta] = float(ramp[-1, 0] - out[-1, 0])
    assert lags[5.0] < 0.5 * lags[0.0]


@settings(max_examples=50, deadline=None)
@given(
    frames=arrays(np.float32, (30, 4), elements=st.floats(-2, 2, width=32)),
    beta=st.floats(0, 10),
)
def test_output_stays_within_the_inputs_seen(frames: np.ndarray, beta: float) -> None:
    f = OneEuro(beta=beta)
    for n, x in enumerate(frames):
        out = f(x)
        seen = frames[: n + 1]
        assert np.all(out >= seen.min(axis=0) - 1e-5)
        assert np.all(out <= seen.max(axis=0) + 1e-5)


def test_reset_restarts_from_the_next_frame() -> None:
    f = OneEuro()
    f(np.zeros(2, np.float32))
    f.reset()
    np.testing.assert_array_equal(f(np.ones(2, np.float32)), [1.0, 1.0])


@pytest.mark.parametrize("kwargs", [{"min_cutoff": 0}, {"rate": -1}, {"beta": -0.1}])
def test_rejects_bad_settings(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="One-Euro"):
        OneEuro(**kwargs)
