"""What every audio source is, and the one error the audio side raises."""

from __future__ import annotations

import abc
from typing import Protocol

import numpy as np


class AudioError(RuntimeError):
    """Audio input failed: the message names the file or device and states the problem."""


class SampleSink(Protocol):
    """Where a source writes its blocks: the engine's SampleRing, or a LevelTap in front of it.

    Called on the source's thread (maybe a PortAudio callback): no allocation, no blocking
    beyond ``write_wait``'s timeout.
    """

    channels: int

    def write(self, block: np.ndarray) -> None:
        """Keep ``block`` (``(n, channels)`` float32), dropping the oldest samples when full."""

    def write_wait(self, block: np.ndarray, timeout: float) -> bool:
        """Keep ``block`` once there is room; False when ``timeout`` passed first."""


class AudioSource(abc.ABC):
    """Something that writes ``(n, channels)`` float32 blocks at ``rate`` into a SampleSink.

    Thread rules: :meth:`start` and :meth:`stop` are called by the controlling thread (the
    engine's owner); the source then writes from its own thread (a PortAudio callback or a pacing
    thread). ``finished`` and ``error`` are read by the engine thread.

    Attributes:
        name: what the user picked, for messages and the GUI (file name or device name).
        rate: samples per second written into the ring.
        channels: columns of every block written.
        realtime: True when blocks arrive at the pace of the audio (a microphone, or a file
            paced in real time); False when a file is written as fast as the consumer reads.
    """

    name: str
    rate: int
    channels: int
    realtime: bool

    @abc.abstractmethod
    def start(self, ring: SampleSink) -> None:
        """Begin delivering into ``ring`` (its ``channels`` must match); returns at once."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop delivering and join the delivering thread (idempotent; bounded wait)."""

    @property
    def finished(self) -> bool:
        """True once a finite source has written all of its audio (never for a microphone)."""
        return False

    @property
    def error(self) -> str | None:
        """A failure after :meth:`start` (device lost, decode error mid-file), else None."""
        return None

    def poll(self) -> str | None:
        """Notice a change in the input's state (a device lost or back), in words, once; None
        when nothing changed or the source has no such state (controlling thread)."""
        return None

    def __enter__(self) -> AudioSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
