"""Framer: window k is exactly samples [k*hop, k*hop + window), whatever the chunking."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talkrig.bridge.audio.framer import Framer
from talkrig.models.contract import HOP_SAMPLES, WINDOW_SAMPLES


def _expected_windows(total: int, window: int, hop: int) -> int:
    return 0 if total < window else (total - window) // hop + 1


@settings(deadline=None)
@given(
    window=st.integers(1, 60),
    hop=st.integers(1, 70),
    capacity=st.integers(1, 4),
    chunks=st.lists(st.integers(0, 150), max_size=30),
    take_every=st.integers(1, 5),
)
def test_every_window_is_its_exact_slice_of_the_stream(
    window: int, hop: int, capacity: int, chunks: list[int], take_every: int
) -> None:
    framer = Framer(window, hop, capacity_windows=capacity)
    stream = np.arange(sum(chunks), dtype=np.float32)
    taken: list[int] = []
    pos = 0
    for i, n in enumerate(chunks):
        framer.push(stream[pos : pos + n])
        pos += n
        if i % take_every == 0:  # sometimes let windows pile up past the initial capacity
            while framer.due():
                k, win = framer.take_next()
                np.testing.assert_array_equal(win, stream[k * hop : k * hop + window])
                taken.append(k)
    while framer.due():
        k, win = framer.take_next()
        np.testing.assert_array_equal(win, stream[k * hop : k * hop + window])
        taken.append(k)
    assert taken == list(range(_expected_windows(len(stream), window, hop)))
    assert framer.samples_pushed == len(stream)


def test_first_window_arrives_when_window_samples_have_arrived() -> None:
    framer = Framer(WINDOW_SAMPLES, HOP_SAMPLES)
    framer.push(np.zeros(WINDOW_SAMPLES - 1, dtype=np.float32))
    assert framer.due() == 0
    framer.push(np.zeros(1, dtype=np.float32))
    assert framer.due() == 1
    framer.push(np.zeros(HOP_SAMPLES - 1, dtype=np.float32))
    assert framer.due() == 1
    framer.push(np.zeros(1, dtype=np.float32))
    assert framer.due() == 2


def test_take_latest_skips_to_the_newest_window_and_counts_the_skip() -> None:
    framer = Framer(WINDOW_SAMPLES, HOP_SAMPLES)
    stream = np.arange(WINDOW_SAMPLES + 4 * HOP_SAMPLES, dtype=np.float32)  # windows 0..4
    framer.push(stream)
    k, win, skipped = framer.take_latest()
    assert (k, skipped) == (4, 4)
    np.testing.assert_array_equal(win, stream[4 * HOP_SAMPLES :])
    assert framer.due() == 0
    framer.push(np.arange(HOP_SAMPLES, dtype=np.float32))
    k, _, skipped = framer.take_latest()
    assert (k, skipped) == (5, 0)


def test_taking_with_nothing_due_raises() -> None:
    framer = Framer(4, 2)
    with pytest.raises(IndexError):
        framer.take_next()
    with pytest.raises(IndexError):
        framer.take_latest()


def test_a_long_push_keeps_every_window_for_take_next() -> None:
    framer = Framer(WINDOW_SAMPLES, HOP_SAMPLES, capacity_windows=2)
    stream = np.random.default_rng(1).random(16_000 * 3, dtype=np.float32)  # 3 s in one push
    framer.push(stream)
    n = _expected_windows(len(stream), WINDOW_SAMPLES, HOP_SAMPLES)
    assert framer.due() == n
    for expected in range(n):
        k, win = framer.take_next()
        assert k == expected
        np.testing.assert_array_equal(
            win, stream[k * HOP_SAMPLES : k * HOP_SAMPLES + WINDOW_SAMPLES]
        )


def test_windows_are_copies() -> None:
    framer = Framer(4, 2, capacity_windows=1)
    framer.push(np.ones(4, dtype=np.float32))
    _, win = framer.take_next()
    framer.push(np.full(8, 2.0, dtype=np.float32))  # forces the buffer to move
    np.testing.assert_array_equal(win, np.ones(4))


def test_rejects_multichannel_input() -> None:
    with pytest.raises(ValueError, match="mono"):
        Framer(4, 2).push(np.zeros((4, 2), dtype=np.float32))
