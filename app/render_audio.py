"""A render's source audio, decoded so that a cancel stops it part-way through the file.

``decode_file`` reads a whole file in one call nothing can interrupt: on a long file the render
worker, and a user who pressed Cancel, would wait for all of it. Here a :class:`FileSource`
decodes on its own thread as fast as a ring is drained (``realtime=False`` drops nothing), and
the render thread drains the ring, looking at ``stop`` between reads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from talkrig.bridge.audio.base import AudioError
from talkrig.bridge.audio.ring import SampleRing
from talkrig.bridge.audio.sources import FileSource
from talkrig.models.contract import SAMPLE_RATE

DECODE_BLOCK_MS = 100  # per ring write: few enough writes for an hour of audio
RING_S = 4  # seconds of audio the decode thread may run ahead of the render thread
POLL_S = 0.05  # the longest a cancel waits to be seen while the decoder is busy

Decoding = Callable[[float], None]  # seconds of audio decoded so far


def open_audio(source: str | Path) -> FileSource:
    """Open and probe ``source`` (its first audio only; cheap). AudioError naming the file when
    it is missing, unreadable, has no audio stream or no samples."""
    return FileSource(source, realtime=False, block_ms=DECODE_BLOCK_MS)


def decode_until(
    file: FileSource, stop: threading.Event | None, decoding: Decoding | None = None
) -> np.ndarray | None:
    """All of ``file`` as ``(n,)`` float32 16 kHz mono, or None when ``stop`` was set first.

    Runs on the caller's thread (the render thread); the file's decode thread is started here
    and joined before this returns. ``decoding(seconds)`` is called on this thread after each
    read. AudioError when the file turns out damaged part-way.
    """
    ring = SampleRing(RING_S * SAMPLE_RATE, 1)
    pieces: list[np.ndarray] = []
    decoded = 0
    file.start(ring)
    try:
        while True:
            if stop is not None and stop.is_set():
                return None
            ended = file.finished or file.error is not None  # looked at first: no write follows
            if ring.wait(POLL_S):
                pieces.append(ring.read()[:, 0])
                decoded += len(pieces[-1])
                if decoding is not None:
                    decoding(decoded / SAMPLE_RATE)
            elif ended:
                break
    finally:
        file.stop()
    if file.error is not None:
        raise AudioError(file.error)
    if not pieces:  # the probe found samples, so only a file changed since then gets here
        raise AudioError(f"audio file {str(file.path)!r} contains no audio samples")
    return np.concatenate(pieces)
