"""``FileSource``: any file FFmpeg can read (wav, mp3, ogg, video with sound) as a stream.

Decoding goes through PyAV, whose resampler (FFmpeg's swresample) turns the first audio stream
into 16 kHz float32; channels are then averaged as StreamResampler does for a device (FFmpeg's
own stereo→mono mix adds 3 dB), so the engine's resampler passes the result through untouched.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator, Iterator
from contextlib import closing
from pathlib import Path

import av
import numpy as np

from talkrig.bridge.audio.base import AudioError, AudioSource, SampleSink
from talkrig.bridge.audio.ffmpeg_words import ffmpeg_words
from talkrig.models.contract import SAMPLE_RATE

JOIN_S = 2.0  # stop() waits this long for the pacing thread
WRITE_WAIT_S = 0.1  # fast mode re-checks stop() this often while the ring is full


def _open(path: Path) -> tuple[av.container.InputContainer, av.audio.stream.AudioStream]:
    """Open ``path`` and find its first audio stream, or AudioError naming the file."""
    try:
        container = av.open(str(path))
    except FileNotFoundError as exc:
        raise AudioError(f"audio file {str(path)!r} does not exist") from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise AudioError(f"audio file {str(path)!r} cannot be read: {ffmpeg_words(exc)}") from exc
    if not container.streams.audio:
        container.close()
        raise AudioError(f"file {str(path)!r} has no audio stream")
    return container, container.streams.audio[0]


def _decode(path: Path) -> Generator[np.ndarray, None, None]:
    """Yield ``(n,)`` float32 16 kHz mono pieces of the whole file, then close it."""
    container, stream = _open(path)
    # layout None keeps the file's channels; "fltp" gives a (channels, n) array per frame
    resampler = av.AudioResampler(format="fltp", layout=None, rate=SAMPLE_RATE)
    try:
        # demux(stream) skips the packets of other streams (a video's pictures are not decoded)
        for packet in container.demux(stream):
            for frame in packet.decode():
                for out in resampler.resample(frame):
                    yield _mono(out.to_ndarray())
        for out in resampler.resample(None):
            yield _mono(out.to_ndarray())
    except (av.error.FFmpegError, ValueError) as exc:  # ValueError: layout changed mid-file
        raise AudioError(f"audio file {str(path)!r} is damaged: {ffmpeg_words(exc)}") from exc
    finally:
        container.close()


def _mono(planes: np.ndarray) -> np.ndarray:
    """``(channels, n)`` → ``(n,)`` float32."""
    return planes[0] if planes.shape[0] == 1 else planes.mean(axis=0, dtype=np.float32)


def _probe(path: Path) -> float | None:
    """Check that ``path`` decodes to at least one sample; return its duration in seconds."""
    container, stream = _open(path)
    container.close()
    duration = None
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    with closing(_decode(path)) as pieces:
        if any(piece.size for piece in pieces):
            return duration
    raise AudioError(f"audio file {str(path)!r} contains no audio samples")


def decode_pieces(path: str | Path) -> tuple[float | None, Iterator[np.ndarray]]:
    """``(duration in seconds or None, pieces)``: the file as ``(n,)`` float32 16 kHz mono
    pieces, in order, never held whole (``talkrig infer`` of a 10-hour file). A missing, empty
    or undecodable file raises AudioError here; damage found later raises it from the pieces."""
    duration = _probe(Path(path))
    return duration, _decode(Path(path))


def decode_file(path: str | Path) -> np.ndarray:
    """The whole file as ``(n,)`` float32 mono at 16 kHz (offline use); AudioError when it is
    missing, empty, damaged or has no audio."""
    pieces = list(_decode(Path(path)))
    samples = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
    if samples.size == 0:
        raise AudioError(f"audio file {str(path)!r} contains no audio samples")
    return samples


class FileSource(AudioSource):
    """Plays a file into a SampleRing from a pacing thread.

    The file is opened and its first audio decoded at construction, so a bad file fails before
    anything starts. ``rate`` is 16 kHz and ``channels`` 1 whatever the file holds.

    Args:
        path: any container/codec FFmpeg reads; the first audio stream is used.
        realtime: True paces blocks like a microphone (block k is written when its last sample
            would have been captured, on one perf_counter schedule, so no drift accumulates);
            False writes as fast as the consumer drains the ring, never dropping a sample.
        block_ms: samples per write.
        loop: start again at the end, forever (a demo that keeps talking).
    """

    rate = SAMPLE_RATE
    channels = 1

    def __init__(
        self, path: str | Path, *, realtime: bool = True, block_ms: int = 20, loop: bool = False
    ) -> None:
        self.path = Path(path)
        self.name = self.path.name
        self.realtime = realtime
        self.loop = loop
        self.block = max(1, SAMPLE_RATE * block_ms // 1000)
        self.duration = _probe(self.path)
        self._stop = threading.Event()
        self._finished = threading.Event()
        self._error: str | None = None
        self._thread: threading.Thread | None = None

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    @property
    def error(self) -> str | None:
        return self._error

    def start(self, ring: SampleSink) -> None:
        """Start the pacing thread (controlling thread)."""
        if ring.channels != 1:
            raise ValueError(f"FileSource writes mono; the ring has {ring.channels} channels")
        if self._thread is not None:
            raise RuntimeError(f"{self.name!r} is already playing")
        self._thread = threading.Thread(
            target=self._run, args=(ring,), name=f"talkrig-file-{self.name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop and join the pacing thread (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(JOIN_S)

    def _blocks(self) -> Iterator[np.ndarray]:
        """``(block, 1)`` pieces of the file (the last one shorter), once or forever."""
        pending = np.zeros(0, dtype=np.float32)
        while True:
            for piece in _decode(self.path):
                pending = np.concatenate((pending, piece)) if pending.size else piece
                while pending.size >= self.block:
                    yield pending[: self.block, None]
                    pending = pending[self.block :]
            if not self.loop:
                break
        if pending.size:
            yield pending[:, None]

    def _run(self, ring: SampleSink) -> None:
        # The pacing thread: decode, then write on schedule (realtime) or when there is room.
        start = time.perf_counter()
        written = 0
        try:
            for block in self._blocks():
                if self._stop.is_set():
                    return
                if self.realtime:
                    written += block.shape[0]
                    delay = start + written / SAMPLE_RATE - time.perf_counter()
                    if delay > 0 and self._stop.wait(delay):
                        return
                    ring.write(block)
                else:
                    while not ring.write_wait(block, WRITE_WAIT_S):
                        if self._stop.is_set():
                            return
            self._finished.set()
        except AudioError as exc:
            self._error = str(exc)
