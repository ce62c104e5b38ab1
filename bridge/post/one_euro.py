"""The One-Euro filter (Casiez, Roussel & Vogel, CHI 2012), vectorised over a whole frame.

An exponential low-pass whose cut-off rises with the signal's speed: slow movements are smoothed
hard (no jitter at rest), fast ones pass with little lag. Each element of the array is filtered
independently with its own adaptive cut-off.
"""

from __future__ import annotations

import math

import numpy as np


def _alpha(cutoff: np.ndarray | float, rate: float) -> np.ndarray | float:
    """Smoothing factor of a first-order low-pass at ``cutoff`` Hz sampled at ``rate`` Hz."""
    tau = 1.0 / (2.0 * math.pi * cutoff)
    return 1.0 / (1.0 + tau * rate)


class OneEuro:
    """One-Euro filter over float32 arrays of any fixed shape; called on the engine thread.

    Args:
        min_cutoff: cut-off (Hz) at zero speed; lower = smoother at rest, more lag.
        beta: how fast the cut-off rises with speed (per unit/s); 0 = a plain low-pass.
        d_cutoff: cut-off (Hz) of the low-pass on the speed estimate.
        rate: frames per second (25 for the 40 ms hop).
    """

    def __init__(
        self, min_cutoff: float = 1.0, beta: float = 0.0, d_cutoff: float = 1.0, rate: float = 25.0
    ) -> None:
        if min_cutoff <= 0 or d_cutoff <= 0 or rate <= 0:
            raise ValueError(
                f"One-Euro needs min_cutoff, d_cutoff and rate > 0, got {min_cutoff}, "
                f"{d_cutoff} and {rate}"
            )
        if beta < 0:
            raise ValueError(f"One-Euro beta must be >= 0, not {beta}")
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.d_cutoff = d_cutoff
        self.rate = rate
        self._d_alpha = _alpha(d_cutoff, rate)
        self._x: np.ndarray | None = None  # last output, float64
        self._dx: np.ndarray | None = None  # last filtered speed (units/s)

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """Filter one frame; returns a new float32 array of the same shape.

        The first frame (and a frame of a new shape) passes unchanged and starts the state. A
        non-finite element (NaN, ±inf) is ignored: that element holds its last output (0 at the
        very start), so one NaN cannot enter the state and poison every later frame.
        """
        x = np.asarray(values, dtype=np.float64)
        finite = np.isfinite(x)
        if not finite.all():
            last = self._x if self._x is not None and self._x.shape == x.shape else 0.0
            x = np.where(finite, x, last)
        if self._x is None or self._dx is None or self._x.shape != x.shape:
            self._x = x.copy()
            self._dx = np.zeros_like(x)
            return x.astype(np.float32)
        speed = (x - self._x) * self.rate
        self._dx = self._dx + self._d_alpha * (speed - self._dx)
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        self._x = self._x + _alpha(cutoff, self.rate) * (x - self._x)
        return self._x.astype(np.float32)

    def reset(self) -> None:
        """Forget the state; the next frame passes unchanged."""
        self._x = None
        self._dx = None
