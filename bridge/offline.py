"""``talkrig infer``: a whole audio file through the same model and post chain, no real time.

Windows are batched through the model (much faster than one at a time), then the post chain
runs frame by frame exactly as in a live stream, so a file and a stream give the same face.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from talkrig.bridge.audio.framer import Framer
from talkrig.bridge.audio.sanitise import sanitise
from talkrig.bridge.audio.sources import decode_file
from talkrig.bridge.frame import FaceFrame, FrameTimes
from talkrig.bridge.post.chain import PostChain, PostConfig, frame_audio_slice
from talkrig.bridge.post.profile import AvatarProfile
from talkrig.models.contract import Representation
from talkrig.models.loader import Model

BATCH = 64


def window_count(samples: int, window: int, hop: int) -> int:
    """Frames a stream of ``samples`` yields (the first needs a whole window)."""
    return 0 if samples < window else 1 + (samples - window) // hop


def infer_audio(
    audio: np.ndarray,
    model: Model,
    post: PostConfig | None = None,
    profile: AvatarProfile | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[FaceFrame]:
    """Frames for ``audio`` ((n,) float32, 16 kHz mono), in order.

    ``progress`` is called with the number of frames finished after each batch.
    """
    card = model.card
    chain = PostChain(card, post or PostConfig(), model.rest_output(), profile)
    framer = Framer(card.window_samples, card.hop_samples, capacity_windows=BATCH + 8)
    hop_s = card.hop_samples / card.sample_rate
    end_offset = (card.window_samples - card.lookahead_samples) / card.sample_rate
    audio_slice = frame_audio_slice(card)
    blend = card.representation is Representation.BLENDSHAPES
    # Feed the framer one batch of hops at a time so its ring never overflows.
    chunk = BATCH * card.hop_samples
    for start in range(0, len(audio), chunk):
        framer.push(sanitise(audio[start : start + chunk])[0])  # NaN/inf → 0, clip to ±1
        windows = []
        while framer.due():
            windows.append(framer.take_next())
        if not windows:
            continue
        batch = np.stack([w for _, w in windows])
        began = time.perf_counter()
        raw = model(batch)
        inferred = time.perf_counter()
        for (index, window), values in zip(windows, raw, strict=True):
            out = chain(values, window[audio_slice])
            done = time.perf_counter()
            yield FaceFrame(
                sequence=index,
                capture_time=time.time(),
                stream_time=index * hop_s + end_offset,
                representation=card.representation,
                times=FrameTimes(began, began, inferred, done),
                blendshapes=out.values if blend else None,
                landmarks=None if blend else out.values,
                avatar_values=out.avatar_values,
                voiced=out.voiced,
            )
        if progress is not None:
            progress(len(windows))


def infer_file(
    path: str | Path,
    model: Model,
    post: PostConfig | None = None,
    profile: AvatarProfile | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, Iterator[FaceFrame]]:
    """Decode ``path`` (any format FFmpeg reads) and return (frame count, frames)."""
    audio = decode_file(path)
    card = model.card
    total = window_count(len(audio), card.window_samples, card.hop_samples)
    return total, infer_audio(audio, model, post, profile, progress)
