"""Blinks: timed by interval ± jitter, played with the given probability, on shapes or eyelids."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talkrig.bridge.post.blink import (
    DLIB68_LOWER,
    DLIB68_UPPER,
    FACEMESH_LOWER,
    FACEMESH_UPPER,
    Blinker,
    BlinkSchedule,
    LandmarkBlinker,
    blink_curve,
)
from talkrig.models import arkit

RATE = 25
LEFT, RIGHT = arkit.INDEX["eyeBlinkLeft"], arkit.INDEX["eyeBlinkRight"]


def _closures(schedule: BlinkSchedule, frames: int) -> np.ndarray:
    return np.array([schedule.step() for _ in range(frames)])


def _starts(closures: np.ndarray) -> np.ndarray:
    """Frames where a blink begins (closure rises from 0)."""
    before = np.concatenate([[0.0], closures[:-1]])
    return np.flatnonzero((closures > 0) & (before == 0))


def test_blink_curve_closes_fast_and_opens_slower() -> None:
    curve = blink_curve(5)
    assert curve.max() == 1.0 and curve[-1] == 0.0
    peak = int(np.argmax(curve))
    assert peak < len(curve) - 1 - peak
    with pytest.raises(ValueError, match="duration_frames"):
        blink_curve(1)


def test_certain_blink_comes_within_interval_plus_jitter_and_returns_to_zero() -> None:
    blinker = Blinker(rate=RATE, interval_s=5.0, jitter_s=1.5, probability=1.0, seed=7)
    track = []
    for _ in range(int(6.5 * RATE) + 10):
        out = blinker(np.zeros(52, np.float32))
        assert out[LEFT] == out[RIGHT]
        track.append(float(out[LEFT]))
    closures = np.array(track)
    starts = _starts(closures)
    assert len(starts) == 1
    assert int(3.5 * RATE) - 1 <= starts[0] <= int(6.5 * RATE)
    blink = closures[starts[0] : starts[0] + 5]
    assert blink.max() == pytest.approx(1.0)
    assert blink[-1] == 0.0 and closures[starts[0] + 5 :].max() == 0.0


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), interval=st.floats(1.0, 6.0), jitter=st.floats(0, 1))
def test_gaps_between_certain_blinks_respect_interval_and_jitter(
    seed: int, interval: float, jitter: float
) -> None:
    schedule = BlinkSchedule(RATE, interval, jitter, probability=1.0, seed=seed)
    starts = _starts(_closures(schedule, int(40 * RATE)))
    gaps = np.diff(np.concatenate([[-1], starts]))
    assert len(starts) >= 4
    assert gaps.min() >= round((interval - jitter) * RATE) - 1
    # a blink due while the previous one (5 frames) is still closing waits for it to finish
    assert gaps.max() <= round((interval + jitter) * RATE) + 5


def test_probability_zero_never_blinks() -> None:
    schedule = BlinkSchedule(RATE, interval_s=1.0, jitter_s=0.5, probability=0.0, seed=3)
    assert _closures(schedule, 60 * RATE).max() == 0.0


def test_probability_thins_the_blinks() -> None:
    every = _starts(_closures(BlinkSchedule(RATE, 1.0, 0.0, probability=1.0, seed=5), 200 * RATE))
    some = _starts(_closures(BlinkSchedule(RATE, 1.0, 0.0, probability=0.5, seed=5), 200 * RATE))
    assert len(every) == 200
    assert 70 < len(some) < 130


def test_same_seed_same_blinks_and_reset_replays() -> None:
    a = BlinkSchedule(RATE, 2.0, 1.0, 0.8, seed=11)
    b = BlinkSchedule(RATE, 2.0, 1.0, 0.8, seed=11)
    first = _closures(a, 30 * RATE)
    np.testing.assert_array_equal(first, _closures(b, 30 * RATE))
    a.reset()
    np.testing.assert_array_equal(first, _closures(a, 30 * RATE))


def test_blink_keeps_the_models_own_closure_and_other_shapes() -> None:
    blinker = Blinker(rate=RATE, interval_s=0.2, jitter_s=0.0, probability=1.0, seed=0)
    values = np.linspace(0, 1, 52, dtype=np.float32)
    values[LEFT] = 0.9
    for _ in range(3 * RATE):
        out = blinker(values)
        assert out[LEFT] >= 0.9 and out[RIGHT] >= values[RIGHT]
        others = np.ones(52, bool)
        others[[LEFT, RIGHT]] = False
        np.testing.assert_array_equal(out[others], values[others])


@pytest.mark.parametrize(
    ("points", "upper", "lower"),
    [(68, DLIB68_UPPER, DLIB68_LOWER), (478, FACEMESH_UPPER, FACEMESH_LOWER)],
)
def test_landmark_blink_closes_the_upper_lid_onto_the_lower(
    points: int, upper: tuple[int, ...], lower: tuple[int, ...]
) -> None:
    face = np.random.default_rng(2).random((points, 3)).astype(np.float32)
    blinker = LandmarkBlinker(rate=RATE, interval_s=0.2, jitter_s=0.0, probability=1.0, seed=0)
    moved = np.zeros(points, bool)
    moved[list(upper)] = True
    closed_seen = False
    for _ in range(2 * RATE):
        out = blinker(face)
        np.testing.assert_array_equal(out[~moved], face[~moved])
        if np.allclose(out[list(upper)], face[list(lower)]):
            closed_seen = True
    assert closed_seen
    assert blinker.notice is None


def test_unknown_layout_passes_unchanged_with_one_notice(caplog: pytest.LogCaptureFixture) -> None:
    blinker = LandmarkBlinker(rate=RATE, interval_s=0.2, jitter_s=0.0, probability=1.0, seed=0)
    face = np.random.default_rng(3).random((10, 2)).astype(np.float32)
    with caplog.at_level(logging.WARNING):
        for _ in range(RATE):
            np.testing.assert_array_equal(blinker(face), face)
    assert blinker.notice is not None and "(10, 2)" in blinker.notice
    assert sum("eyelid layout" in r.message for r in caplog.records) == 1


@pytest.mark.parametrize(
    "kwargs",
    [{"interval_s": 0.0}, {"jitter_s": 6.0}, {"probability": 1.5}, {"rate": 0.0}],
)
def test_rejects_bad_settings(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="blink"):
        BlinkSchedule(**kwargs)
