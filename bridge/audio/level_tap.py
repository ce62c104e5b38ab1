"""The input level on its way to the engine: a :class:`LevelTap` in front of the engine's ring
keeps the peak of every block, and :class:`TappedSource` puts one in front of any source."""

from __future__ import annotations

import numpy as np

from talkrig.bridge.audio.base import AudioSource, SampleSink


class LevelTap:
    """Stands between a source and the engine's ring: forwards every block, keeps the peak.

    ``write``/``write_wait`` run on the source's thread (maybe a PortAudio callback), so they
    only take two scalar reductions (no array allocation); ``take_peak`` runs on the GUI thread.
    A peak lost between the GUI's read and reset is one meter tick, not worth a lock.
    """

    def __init__(self, ring: SampleSink) -> None:
        self._ring = ring
        self.channels = ring.channels
        self._peak = 0.0

    def write(self, block: np.ndarray) -> None:
        self._ring.write(block)
        self._track(block)

    def write_wait(self, block: np.ndarray, timeout: float) -> bool:
        written = self._ring.write_wait(block, timeout)
        if written:
            self._track(block)
        return written

    def _track(self, block: np.ndarray) -> None:
        if block.size:
            peak = max(float(block.max()), -float(block.min()))
            if peak > self._peak:
                self._peak = peak

    def take_peak(self) -> float:
        """Largest absolute sample since the last call, in [0, 1] for a sane source."""
        peak, self._peak = self._peak, 0.0
        return peak


class TappedSource(AudioSource):
    """An AudioSource that hands ``inner`` a :class:`LevelTap` instead of the engine's ring."""

    def __init__(self, inner: AudioSource) -> None:
        self.inner = inner
        self.name = inner.name
        self.rate = inner.rate
        self.channels = inner.channels
        self.realtime = inner.realtime
        self.tap: LevelTap | None = None

    def start(self, ring: SampleSink) -> None:
        self.tap = LevelTap(ring)
        self.inner.start(self.tap)

    def stop(self) -> None:
        self.inner.stop()

    @property
    def finished(self) -> bool:
        return self.inner.finished

    @property
    def error(self) -> str | None:
        return self.inner.error

    def poll(self) -> str | None:
        return self.inner.poll()

    def take_peak(self) -> float:
        return self.tap.take_peak() if self.tap is not None else 0.0
