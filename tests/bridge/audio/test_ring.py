"""SampleRing: exact stream hand-off, wrap-around, overrun counting, waiting, backpressure."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talkrig.bridge.audio.ring import SampleRing

# An operation is a write of n samples (n > 0) or a read (0).
ops = st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=60)


def _stream(n: int, channels: int) -> np.ndarray:
    """Distinct values per sample and channel, so any misplaced sample shows."""
    return (np.arange(n * channels, dtype=np.float32) + 1).reshape(n, channels)


@settings(deadline=None)
@given(capacity=st.integers(1, 50), channels=st.integers(1, 3), sizes=ops)
def test_reads_return_the_newest_written_samples_and_count_what_was_lost(
    capacity: int, channels: int, sizes: list[int]
) -> None:
    ring = SampleRing(capacity, channels)
    stream = _stream(sum(sizes), channels)
    written = read_pos = lost = overruns = 0
    for n in [*sizes, 0]:  # always end with a read
        if n:
            ring.write(stream[written : written + n])
            written += n
            if written - read_pos > capacity:  # the model of an overrun: oldest unread dropped
                overruns += 1
                lost += written - capacity - read_pos
                read_pos = written - capacity
        else:
            got = ring.read()
            np.testing.assert_array_equal(got, stream[read_pos:written])
            read_pos = written
        assert ring.total_written == written
        assert ring.overruns == overruns
        assert ring.samples_lost == lost


@settings(deadline=None)
@given(capacity=st.integers(1, 50), sizes=ops)
def test_without_overrun_the_reads_concatenate_to_the_written_stream(
    capacity: int, sizes: list[int]
) -> None:
    ring = SampleRing(capacity, 2)
    stream = _stream(sum(sizes), 2)
    written = 0
    pieces = []
    for n in sizes:
        if n and ring.unread + n > capacity:
            pieces.append(ring.read())  # drain first, as a timely consumer would
        n = min(n, capacity)
        ring.write(stream[written : written + n])
        written += n
        if n == 0:
            pieces.append(ring.read())
    pieces.append(ring.read())
    np.testing.assert_array_equal(np.concatenate(pieces), stream[:written])
    assert ring.overruns == 0


def test_wraps_around_the_end_of_the_buffer() -> None:
    ring = SampleRing(8, 1)
    stream = _stream(20, 1)
    ring.write(stream[:6])
    np.testing.assert_array_equal(ring.read(), stream[:6])
    ring.write(stream[6:13])  # 7 samples: 2 at the end of the buffer, 5 at its start
    np.testing.assert_array_equal(ring.read(), stream[6:13])
    assert ring.read().shape == (0, 1)


def test_a_block_larger_than_the_ring_keeps_its_newest_samples() -> None:
    ring = SampleRing(4, 1)
    stream = _stream(10, 1)
    ring.write(stream)
    np.testing.assert_array_equal(ring.read(), stream[6:])
    assert (ring.overruns, ring.samples_lost) == (1, 6)


def test_rejects_blocks_of_the_wrong_shape() -> None:
    ring = SampleRing(8, 2)
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        ring.write(np.zeros((4, 1), dtype=np.float32))
    with pytest.raises(ValueError):
        ring.write(np.zeros(4, dtype=np.float32))


def test_wait_times_out_when_empty_and_wakes_on_a_write() -> None:
    ring = SampleRing(16, 1)
    started = time.monotonic()
    assert ring.wait(0.05) is False
    assert time.monotonic() - started >= 0.04  # it really waited, it did not spin
    timer = threading.Timer(0.05, ring.write, args=(np.ones((3, 1), dtype=np.float32),))
    timer.start()
    assert ring.wait(5.0) is True
    timer.join(5.0)
    assert ring.read().shape == (3, 1)
    started = time.monotonic()
    assert ring.wait(0.05) is False  # drained: the earlier wake-up must not linger
    assert time.monotonic() - started >= 0.04


def test_write_wait_gives_up_when_the_consumer_does_not_read() -> None:
    ring = SampleRing(8, 1)
    assert ring.write_wait(np.ones((6, 1), dtype=np.float32), 1.0)
    assert ring.write_wait(np.ones((3, 1), dtype=np.float32), 0.05) is False
    assert ring.total_written == 6  # nothing written on timeout
    with pytest.raises(ValueError, match="capacity"):
        ring.write_wait(np.ones((9, 1), dtype=np.float32), 0.05)


def test_write_wait_loses_nothing_between_two_threads() -> None:
    ring = SampleRing(64, 2)
    stream = _stream(5000, 2)
    failures: list[int] = []

    def produce() -> None:
        for start in range(0, len(stream), 37):
            if not ring.write_wait(stream[start : start + 37], 5.0):
                failures.append(start)
                return

    producer = threading.Thread(target=produce)
    producer.start()
    pieces = []
    received = 0
    while received < len(stream) and ring.wait(5.0):
        piece = ring.read()
        pieces.append(piece)
        received += len(piece)
    producer.join(5.0)
    assert not failures
    np.testing.assert_array_equal(np.concatenate(pieces), stream)
    assert ring.overruns == 0
