"""``sanitise``: audio on its way into the engine made finite and kept within [-1, 1].

A float WAV, a virtual cable or a remote client can deliver NaN or ±inf, and a float file can
hold samples past full scale. One NaN sample spreads through the resampler's filter into every
window that touches it and the model then answers NaN; one +inf sample used to make the silence
gate's speech peak infinite, which kept the mouth shut for the rest of the stream. So every
block is cleaned before anything else sees it: non-finite samples become 0 (silence, which the
gate closes on) and the rest are clipped to [-1, 1], the range the model was trained on. Both
are counted, so a run report can say how much of the input was damaged.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class FaultCounter(Protocol):
    """Where a stream counts its repairs (:class:`talkrig.bridge.metrics.Metrics`)."""

    def count_faults(self, nonfinite: int = 0, clipped: int = 0, replaced: int = 0) -> None: ...


def sanitise(block: np.ndarray) -> tuple[np.ndarray, int, int]:
    """``block`` (any shape, float) → ``(clean float32 block, non-finite count, clipped count)``.

    The clean block is ``block`` itself (no copy) when nothing needed repair, else a new array:
    the caller's buffer is never written.
    """
    audio = np.asarray(block, dtype=np.float32)
    if audio.size == 0:
        return audio, 0, 0
    # The common case (clean audio) costs two reductions and no allocation of the block's size.
    low, high = float(np.min(audio)), float(np.max(audio))
    if low >= -1.0 and high <= 1.0:  # False for NaN: min/max of a block with NaN are NaN
        return audio, 0, 0
    finite = np.isfinite(audio)
    nonfinite = int(audio.size - np.count_nonzero(finite))
    clean = np.where(finite, audio, np.float32(0.0))
    clipped = int(np.count_nonzero(np.abs(clean) > 1.0))
    np.clip(clean, -1.0, 1.0, out=clean)
    return clean.astype(np.float32, copy=False), nonfinite, clipped


def sanitise_into(block: np.ndarray, counter: FaultCounter) -> np.ndarray:
    """:func:`sanitise` ``block`` and add its repairs to ``counter`` (the stream's thread)."""
    clean, nonfinite, clipped = sanitise(block)
    if nonfinite or clipped:
        counter.count_faults(nonfinite=nonfinite, clipped=clipped)
    return clean
