"""``SampleRing``: the hand-off between the audio thread and the engine thread.

One producer (the PortAudio callback, or a file source's pacing thread) writes blocks of
``(n, channels)`` float32 samples; one consumer (the engine thread) drains everything unread.
The buffer is allocated once; a write only copies into it, so it is safe in an audio callback.
"""

from __future__ import annotations

import threading
import time

import numpy as np


class SampleRing:
    """A fixed-size single-producer / single-consumer ring of multichannel float32 samples.

    Thread rules:
        - :meth:`write` and :meth:`write_wait` are called by the producer only (one thread).
        - :meth:`read` and :meth:`wait` are called by the consumer only (one thread).
        - ``total_written``, ``overruns`` and ``samples_lost`` may be read from any thread.

    A short lock guards the two copies so the consumer never sees a block half overwritten
    during an overrun; it is held only for a ``memcpy``, never while waiting.

    Args:
        capacity: samples (per channel) the ring holds before it overwrites unread ones.
        channels: columns of every block.
    """

    def __init__(self, capacity: int, channels: int) -> None:
        if capacity < 1 or channels < 1:
            raise ValueError(
                f"SampleRing needs capacity ≥ 1 and channels ≥ 1, got {capacity}, {channels}"
            )
        self.capacity = capacity
        self.channels = channels
        self._buf = np.zeros((capacity, channels), dtype=np.float32)  # (capacity, channels)
        self._lock = threading.Lock()
        self._data = threading.Event()  # set by the producer: something unread
        self._space = threading.Event()  # set by the consumer: room was freed
        self.total_written = 0  # samples ever written (producer's counter)
        self._total_read = 0  # samples consumed or lost (consumer's counter, producer may bump)
        self.overruns = 0  # writes that overwrote unread samples
        self.samples_lost = 0  # unread samples overwritten before the consumer saw them

    @property
    def unread(self) -> int:
        """Samples written and not yet read (any thread; a snapshot)."""
        return self.total_written - self._total_read

    # -- producer ---------------------------------------------------------------------------
    def write(self, block: np.ndarray) -> None:
        """Copy ``block`` ``(n, channels)`` in; never waits for the consumer (producer thread).

        When the ring is full the oldest unread samples are overwritten and counted in
        ``overruns`` / ``samples_lost``: a live stream keeps the newest audio.
        """
        if block.ndim != 2 or block.shape[1] != self.channels:
            raise ValueError(f"SampleRing expects (n, {self.channels}) blocks, got {block.shape}")
        n = block.shape[0]
        if n == 0:
            return
        cap = self.capacity
        with self._lock:
            if n > cap:  # only the newest `cap` samples can be kept
                block = block[n - cap :]
            start = (self.total_written + n - block.shape[0]) % cap
            first = min(block.shape[0], cap - start)
            self._buf[start : start + first] = block[:first]
            self._buf[: block.shape[0] - first] = block[first:]
            end = self.total_written + n
            lost = end - cap - self._total_read
            if lost > 0:
                self.overruns += 1
                self.samples_lost += lost
                self._total_read += lost
            self.total_written = end
        self._data.set()

    def write_wait(self, block: np.ndarray, timeout: float) -> bool:
        """Copy ``block`` in once there is room for all of it (producer thread).

        Backpressure for a file played as fast as possible: nothing is ever overwritten.
        Returns False, writing nothing, when the room did not appear within ``timeout`` seconds.
        """
        n = block.shape[0]
        if n > self.capacity:
            raise ValueError(f"block of {n} samples exceeds the ring capacity {self.capacity}")
        deadline = time.monotonic() + timeout
        while self.capacity - (self.total_written - self._total_read) < n:
            self._space.clear()
            # Re-check after clearing: the consumer may have read in between.
            if self.capacity - (self.total_written - self._total_read) >= n:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._space.wait(remaining):
                return False
        self.write(block)
        return True

    # -- consumer ---------------------------------------------------------------------------
    def read(self) -> np.ndarray:
        """All unread samples, oldest first, as a new ``(n, channels)`` array (consumer thread)."""
        with self._lock:
            start = self._total_read
            end = self.total_written
            n = end - start
            out = np.empty((n, self.channels), dtype=np.float32)
            i = start % self.capacity
            first = min(n, self.capacity - i)
            out[:first] = self._buf[i : i + first]
            out[first:] = self._buf[: n - first]
            self._total_read = end
        self._space.set()
        return out

    def wait(self, timeout: float) -> bool:
        """Block until unread samples exist or ``timeout`` seconds pass (consumer thread).

        Returns True when there is something to :meth:`read`.
        """
        deadline = time.monotonic() + timeout
        while self.total_written == self._total_read:
            self._data.clear()
            # Re-check after clearing: the producer may have written in between.
            if self.total_written > self._total_read:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._data.wait(remaining):
                return False
        return True
