"""``Framer``: a 16 kHz mono stream → the model's overlapping windows, by sample count."""

from __future__ import annotations

import numpy as np


class Framer:
    """Cuts a pushed sample stream into windows ``[k * hop, k * hop + window)``, k = 0, 1, ...

    Window k is complete once ``k * hop + window`` samples have been pushed, whatever the chunk
    sizes were. Called by the engine thread only.

    Two ways to take windows:
        - :meth:`take_next`: the oldest due window; every window is seen (files, offline).
        - :meth:`take_latest`: the newest due window, skipping older ones and saying how many
          (live audio: when the engine falls behind, delay must not grow).

    Args:
        window_samples: samples per window (4,480 = 280 ms).
        hop_samples: samples between window starts (640 = 40 ms).
        capacity_windows: room for this many untaken windows before the buffer grows; it grows
            (rather than drops) so that :meth:`take_next` never loses a window after a big push.
    """

    def __init__(self, window_samples: int, hop_samples: int, capacity_windows: int = 16) -> None:
        if window_samples < 1 or hop_samples < 1 or capacity_windows < 1:
            raise ValueError(
                "Framer needs window, hop and capacity ≥ 1, got "
                f"{window_samples}, {hop_samples}, {capacity_windows}"
            )
        self.window_samples = window_samples
        self.hop_samples = hop_samples
        self._buf = np.zeros(window_samples + capacity_windows * hop_samples, dtype=np.float32)
        self._buf_start = 0  # stream index of _buf[0]
        self._buf_len = 0  # valid samples in _buf
        self._next = 0  # index of the next window to take
        self.samples_pushed = 0

    def push(self, samples: np.ndarray) -> None:
        """Append ``(n,)`` float32 mono samples at 16 kHz."""
        if samples.ndim != 1:
            raise ValueError(f"Framer expects (n,) mono samples, got {samples.shape}")
        n = samples.shape[0]
        if self._buf_len + n > self._buf.shape[0]:
            self._make_room(n)
        self._buf[self._buf_len : self._buf_len + n] = samples
        self._buf_len += n
        self.samples_pushed += n

    def _complete(self) -> int:
        """Windows complete so far (taken or not)."""
        if self.samples_pushed < self.window_samples:
            return 0
        return (self.samples_pushed - self.window_samples) // self.hop_samples + 1

    def due(self) -> int:
        """Complete windows not yet taken."""
        return self._complete() - self._next

    def take_next(self) -> tuple[int, np.ndarray]:
        """The oldest due window as ``(k, window)``; ``window`` is a new ``(window_samples,)``
        float32 array. Raises IndexError when nothing is due."""
        if self.due() <= 0:
            raise IndexError("no complete window is due")
        k = self._next
        self._next += 1
        return k, self._window(k)

    def take_latest(self) -> tuple[int, np.ndarray, int]:
        """The newest due window as ``(k, window, skipped)``; ``skipped`` older due windows are
        dropped. Raises IndexError when nothing is due."""
        if self.due() <= 0:
            raise IndexError("no complete window is due")
        k = self._complete() - 1
        skipped = k - self._next
        self._next = k + 1
        return k, self._window(k), skipped

    def _window(self, k: int) -> np.ndarray:
        start = k * self.hop_samples - self._buf_start
        return self._buf[start : start + self.window_samples].copy()

    def _make_room(self, n: int) -> None:
        """Drop samples no future window needs; grow the buffer if that is not enough."""
        keep_from = min(self._next * self.hop_samples, self.samples_pushed)
        drop = keep_from - self._buf_start
        kept = self._buf_len - drop
        size = self._buf.shape[0]
        if kept + n > size:
            size = max(2 * size, kept + n)
            buf = np.zeros(size, dtype=np.float32)
        else:
            buf = self._buf  # move in place: numpy copies overlapping slices correctly
        buf[:kept] = self._buf[drop : self._buf_len]
        self._buf = buf
        self._buf_start = keep_from
        self._buf_len = kept
