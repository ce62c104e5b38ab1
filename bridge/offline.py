"""``talkrig infer``: a whole audio file through the same frame pipeline, no real time.

Decode → frame → infer → write is one stream of pieces: a 10-hour file costs the memory of a
batch, not of the file. Windows are batched through the model (much faster than one at a time),
then the post chain runs frame by frame exactly as in a live stream (:mod:`.pipeline`), so a file
and a stream give the same face. The file is padded with silence at both ends, so its frames
cover it from stream time 0 to its end, one per 40 ms.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from talkrig.bridge.audio.file_source import decode_pieces
from talkrig.bridge.audio.sanitise import sanitise
from talkrig.bridge.frame import FaceFrame
from talkrig.bridge.pipeline import BATCH, FramePipeline, file_frame_count
from talkrig.bridge.post.chain import PostConfig
from talkrig.bridge.post.profile import AvatarProfile
from talkrig.models.loader import Model


def infer_pieces(
    pieces: Iterable[np.ndarray],
    model: Model,
    post: PostConfig | None = None,
    profile: AvatarProfile | None = None,
    progress: Callable[[int], None] | None = None,
    file_end: bool = True,
) -> Iterator[FaceFrame]:
    """Frames for a file given as ``(n,)`` float32 16 kHz mono ``pieces``, in order.

    ``progress`` is called with the number of frames finished after each batch. ``file_end``
    False gives the frames of a live stream of the same audio (the stream server's): no
    silence after the end, so no frame for the last look-ahead and smoothing delay.
    """
    pipe = FramePipeline(model, post, profile, capacity_windows=2 * BATCH + 8)
    chunk = BATCH * model.card.hop_samples  # a batch of hops at a time: the framer never grows
    for piece in pieces:
        for start in range(0, len(piece), chunk):
            pipe.push(sanitise(piece[start : start + chunk])[0])  # NaN/inf → 0, clip to ±1
            yield from _drain(pipe, progress)
    if file_end:
        pipe.finish()
    yield from _drain(pipe, progress, final=True)


def _drain(
    pipe: FramePipeline, progress: Callable[[int], None] | None, final: bool = False
) -> Iterator[FaceFrame]:
    while windows := pipe.take_batch(final):
        began = time.perf_counter()
        raw = pipe.infer(windows)
        inferred = time.perf_counter()
        emitted = 0
        for window, values in zip(windows, raw, strict=True):
            frame = pipe.emit(window, values, began, began, inferred, capture_time=time.time())
            if frame is not None:
                emitted += 1
                yield frame
        if progress is not None and emitted:
            progress(emitted)


def infer_audio(
    audio: np.ndarray,
    model: Model,
    post: PostConfig | None = None,
    profile: AvatarProfile | None = None,
    file_end: bool = True,
) -> Iterator[FaceFrame]:
    """Frames for ``audio`` ((n,) float32, 16 kHz mono) as a whole file, in order (as a live
    stream that has not ended, without ``file_end``)."""
    return infer_pieces((audio,), model, post, profile, file_end=file_end)


def infer_file(
    path: str | Path,
    model: Model,
    post: PostConfig | None = None,
    profile: AvatarProfile | None = None,
) -> tuple[int | None, Iterator[FaceFrame]]:
    """Decode ``path`` (any format FFmpeg reads) as it goes: (frame count, frames).

    The count comes from the container's duration (None when it has none), for a progress bar;
    AudioError for a missing, empty or undecodable file, before any frame.
    """
    duration, pieces = decode_pieces(path)
    card = model.card
    total = None
    if duration is not None:
        total = file_frame_count(round(duration * card.sample_rate), card.hop_samples)
    return total, infer_pieces(pieces, model, post, profile)
