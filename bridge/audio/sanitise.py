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

from dataclasses import dataclass

import numpy as np


@dataclass
class InputFaults:
    """Samples of input audio that had to be repaired (engine thread writes, others read).

    Attributes:
        nonfinite: NaN or ±inf samples replaced by 0.
        clipped: finite samples outside [-1, 1] clipped to the nearest bound.
    """

    nonfinite: int = 0
    clipped: int = 0


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


class Sanitiser:
    """:func:`sanitise` with running counts, as one step of a stream (engine thread).

    Attributes:
        faults: the counts so far.
    """

    def __init__(self) -> None:
        self.faults = InputFaults()

    def __call__(self, block: np.ndarray) -> np.ndarray:
        """Clean one block (see :func:`sanitise`) and add its repairs to :attr:`faults`."""
        clean, nonfinite, clipped = sanitise(block)
        if nonfinite or clipped:
            self.faults.nonfinite += nonfinite
            self.faults.clipped += clipped
        return clean
