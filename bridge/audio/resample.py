"""``StreamResampler``: device-rate multichannel blocks → 16 kHz mono, one block at a time."""

from __future__ import annotations

import numpy as np
import soxr

from talkrig.bridge.audio.base import AudioError
from talkrig.models.contract import SAMPLE_RATE

MIN_RATE = 8_000  # telephone-band files (FSDD); devices start at 16 kHz
MAX_RATE = 192_000


class StreamResampler:
    """Downmix and resample a stream in pieces, keeping the filter state between calls.

    Called by the engine thread only. Chunked output equals whole-signal output (up to float
    rounding) because soxr carries its filter history across calls; :meth:`flush` releases the
    tail still held in the filter at the end of a finite stream.

    Args:
        in_rate: the source's rate, 8–192 kHz.
        channels: the source's channel count; channels are averaged (an equal-power mix would
            change the level the model was trained on for mono microphones).
        out_rate: the model's rate (16 kHz).
    """

    def __init__(self, in_rate: int, channels: int, out_rate: int = SAMPLE_RATE) -> None:
        for what, rate in (("input", in_rate), ("output", out_rate)):
            if not MIN_RATE <= rate <= MAX_RATE:
                raise AudioError(
                    f"{what} sample rate {rate} Hz is outside the supported "
                    f"{MIN_RATE}–{MAX_RATE} Hz"
                )
        if channels < 1:
            raise AudioError(f"audio with {channels} channels cannot be resampled")
        self.in_rate = in_rate
        self.out_rate = out_rate
        self.channels = channels
        self.passthrough = in_rate == out_rate
        # "HQ" is soxr's default: 20-bit precision, passband to 91 % of Nyquist, ≈ 1 ms delay.
        self._stream = None if self.passthrough else soxr.ResampleStream(in_rate, out_rate, 1)

    def __call__(self, block: np.ndarray) -> np.ndarray:
        """``(n, channels)`` float32 at ``in_rate`` → ``(m,)`` float32 mono at ``out_rate``.

        With one channel at the output rate the result is a view of ``block`` (no copy).
        """
        if block.ndim != 2 or block.shape[1] != self.channels:
            raise ValueError(f"expected (n, {self.channels}) samples, got {block.shape}")
        mono = block[:, 0] if self.channels == 1 else block.mean(axis=1, dtype=np.float32)
        if self._stream is None:
            return mono
        return self._stream.resample_chunk(np.ascontiguousarray(mono, dtype=np.float32))

    def flush(self) -> np.ndarray:
        """The last ``(m,)`` samples held in the filter; the resampler then starts afresh."""
        if self._stream is None:
            return np.zeros(0, dtype=np.float32)
        tail = self._stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
        self._stream.clear()
        return tail
