"""PyAV (FFmpeg) helpers for talking-face media: probe, decode the sound, walk the pictures.

All times are seconds from the first audio sample, so a video frame at time ``t`` lines up with
audio sample ``t * 16000`` of :func:`decode_audio`'s output. Every failure is a
:class:`~talkrig.training.data.manifest.CorpusError` naming the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from talkrig.models.contract import SAMPLE_RATE
from talkrig.training.data.manifest import CorpusError

_AV_ERRORS = (av.error.FFmpegError, OSError, ValueError)


@dataclass(frozen=True)
class MediaInfo:
    """What PyAV says about a clip: video frame rate, native audio rate, duration in seconds."""

    fps: float
    sample_rate: int
    duration_s: float


def _open(path: Path) -> av.container.InputContainer:
    if not path.is_file():
        raise CorpusError(f"media file {str(path)!r} does not exist")
    try:
        return av.open(str(path))
    except _AV_ERRORS as exc:
        raise CorpusError(f"media file {str(path)!r} cannot be read: {exc}") from exc


def _streams(
    container: av.container.InputContainer, path: Path
) -> tuple[av.video.stream.VideoStream, av.audio.stream.AudioStream]:
    if not container.streams.video:
        raise CorpusError(f"media file {str(path)!r} has no video stream (a face is needed)")
    if not container.streams.audio:
        raise CorpusError(f"media file {str(path)!r} has no audio stream (speech is needed)")
    return container.streams.video[0], container.streams.audio[0]


def _start_s(stream: av.stream.Stream) -> float:
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


def probe(path: str | Path) -> MediaInfo:
    """Read the headers of ``path`` (no decoding); CorpusError if it lacks video or audio."""
    path = Path(path)
    with _open(path) as container:
        video, audio = _streams(container, path)
        rate = video.average_rate or video.guessed_rate or video.base_rate
        if not rate:
            raise CorpusError(f"media file {str(path)!r}: the video stream has no frame rate")
        if container.duration is not None:
            duration = container.duration / av.time_base
        elif video.duration is not None and video.time_base is not None:
            duration = float(video.duration * video.time_base)
        else:
            raise CorpusError(f"media file {str(path)!r} does not state its duration")
        return MediaInfo(fps=float(rate), sample_rate=int(audio.rate), duration_s=float(duration))


def decode_audio(path: str | Path) -> np.ndarray:
    """The first audio stream as ``(n,)`` float32 mono at 16 kHz in [-1, 1].

    Channels are averaged after FFmpeg's resampler (its own down-mix adds 3 dB, as in
    ``talkrig.bridge.audio.file_source``).
    """
    path = Path(path)
    pieces: list[np.ndarray] = []
    with _open(path) as container:
        _, stream = _streams(container, path)
        resampler = av.AudioResampler(format="fltp", layout=None, rate=SAMPLE_RATE)
        try:
            for packet in container.demux(stream):
                for frame in packet.decode():
                    pieces.extend(p.to_ndarray().mean(axis=0) for p in resampler.resample(frame))
            pieces.extend(p.to_ndarray().mean(axis=0) for p in resampler.resample(None))
        except _AV_ERRORS as exc:
            raise CorpusError(f"media file {str(path)!r}: audio is damaged: {exc}") from exc
    if not pieces:
        raise CorpusError(f"media file {str(path)!r}: the audio stream holds no samples")
    audio = np.concatenate(pieces).astype(np.float32, copy=False)
    return np.clip(audio, -1.0, 1.0)


def video_frames(path: str | Path) -> Iterator[tuple[float, np.ndarray]]:
    """Yield ``(time_s, rgb)`` for every picture: ``rgb`` is ``(H, W, 3)`` uint8, C-contiguous.

    ``time_s`` is the presentation time from the first audio sample; a frame without a
    timestamp gets the previous one plus ``1 / fps``.
    """
    path = Path(path)
    with _open(path) as container:
        video, audio = _streams(container, path)
        offset = _start_s(audio)
        rate = float(video.average_rate or video.guessed_rate or 25)
        previous = None
        try:
            for frame in container.decode(video):
                if frame.time is not None:
                    time_s = float(frame.time) - offset
                else:
                    time_s = -offset if previous is None else previous + 1.0 / rate
                previous = time_s
                yield time_s, np.ascontiguousarray(frame.to_ndarray(format="rgb24"))
        except _AV_ERRORS as exc:
            raise CorpusError(f"media file {str(path)!r}: video is damaged: {exc}") from exc
