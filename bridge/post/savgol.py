"""Streaming Savitzky–Golay smoothing: one frame in, the smoothed frame ``lookahead`` hops ago out.

The paper smooths blendshapes with a Savitzky–Golay filter over the whole clip; live, we only have
the frames so far. Fitting the polynomial over the last ``window`` frames and evaluating it
``lookahead`` frames before the newest is one dot product per frame, tens of times cheaper than
``scipy.signal.savgol_filter`` over the same frames (``bench/micro_costs.py``). One frame of
look-ahead smooths as well as the centred filter (docs/environment.md): noise RMSE 0.050 → 0.027
for W=7, p=2, L=1, and 0.044 causal.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import savgol_coeffs


class SavitzkyGolay:
    """Polynomial smoothing of a stream of frames; called on the engine thread.

    Args:
        window: frames the polynomial is fitted over (W > order).
        order: polynomial degree p.
        lookahead: L, frames of the future the smoothed value may see (0 = causal). Each output is
            the smoothed frame from L hops ago, so the filter adds L × 40 ms of delay.

    Values are float32 arrays of any fixed shape: ``(52,)`` or ``(points, dims)``.
    """

    def __init__(self, window: int = 7, order: int = 2, lookahead: int = 1) -> None:
        if order < 0 or window <= order:
            raise ValueError(f"Savitzky-Golay needs window > order >= 0, got {window} and {order}")
        if not 0 <= lookahead < window:
            raise ValueError(
                f"lookahead must lie in [0, window - 1 = {window - 1}], not {lookahead}"
            )
        self.window = window
        self.order = order
        self.lookahead = lookahead
        # h @ buf, with buf ordered oldest → newest, evaluates the fit at the row W-1-L.
        self._h = savgol_coeffs(window, order, pos=window - 1 - lookahead, use="dot")
        self._buf: np.ndarray | None = None  # (W, *shape) float64, oldest first

    @property
    def delay_frames(self) -> int:
        """Frames by which the output lags the input (= ``lookahead``)."""
        return self.lookahead

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """Push one frame; return the smoothed frame ``delay_frames`` ago (same shape, float32).

        The first frame (and a frame of a new shape) fills the whole window, so the stream starts
        from a steady state instead of ramping up from zeros. A non-finite element (NaN, ±inf)
        is taken as "no news": the element keeps its previous value (0 at the very start), so
        one bad frame cannot stay in the window and poison the next ``window`` outputs.
        """
        frame = np.asarray(values, dtype=np.float64)
        finite = np.isfinite(frame)
        if not finite.all():
            held = (
                self._buf[-1]
                if self._buf is not None and self._buf.shape[1:] == frame.shape
                else 0.0
            )
            frame = np.where(finite, frame, held)
        if self._buf is None or self._buf.shape[1:] != frame.shape:
            self._buf = np.repeat(frame[None], self.window, axis=0)
        else:
            self._buf[:-1] = self._buf[1:]
            self._buf[-1] = frame
        return np.tensordot(self._h, self._buf, axes=1).astype(np.float32)

    def reset(self) -> None:
        """Forget the history; the next frame starts the stream afresh."""
        self._buf = None
