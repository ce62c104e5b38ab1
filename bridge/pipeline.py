"""``FramePipeline``: model windows → ``FaceFrame``, the one way for every caller.

The engine, file inference, the stream server, the benchmarks and render all turn windows into
frames here, so a file and a stream give the same faces at the same times by construction.

Time (docs/architecture.md, "Time"), with hop H, window W, model look-ahead L and smoother
delay S frames:
stream sample 0 is the first sample of the source; the ring starts as W samples of silence, so
the window completed when n·H samples have arrived ends at stream sample e = n·H. The model's
output for that window shows the face at (e − L)/sr; the smoother emits it S frames late, so the
frame emitted for window n shows the face at stream time (n·H − L − S·H)/sr. Frames before
stream time 0 are computed (the post chain's state advances) but not emitted. When L + S·H is not
a multiple of H, the source is preceded by ``(−(L + S·H)) mod H`` samples of silence (the
pre-roll) so that frame k shows the face at exactly k × 40 ms.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from talkrig.bridge.audio.framer import Framer
from talkrig.bridge.frame import FaceFrame, FrameTimes
from talkrig.bridge.post.chain import PostChain, PostConfig, frame_audio_slice
from talkrig.bridge.post.profile import AvatarProfile
from talkrig.models.card import ModelCard
from talkrig.models.loader import Model

BATCH = 64  # windows per model call when there is no real time to keep (files)


def file_frame_count(samples: int, hop: int) -> int:
    """Frames that cover a file of ``samples`` from 0 to its end: one per hop."""
    return math.ceil(samples / hop)


@dataclass(frozen=True)
class FrameTiming:
    """Where each window's frame lies in the stream (see the module docstring).

    Attributes:
        sample_rate: samples per second (16 kHz).
        hop: H, samples between frames.
        delay: L + S·H, samples from the face a frame shows to the end of the window it came from.
        preroll: silence before the source; by default ``(−delay) mod hop``, so that frame times
            land on multiples of the hop (a model swapped in mid-stream keeps the stream's).
    """

    sample_rate: int
    hop: int
    delay: int
    preroll: int = -1

    def __post_init__(self) -> None:
        if self.preroll < 0:
            object.__setattr__(self, "preroll", -self.delay % self.hop)

    @classmethod
    def of(cls, card: ModelCard, smoothing_frames: int, preroll: int = -1) -> FrameTiming:
        """The timing of ``card``'s model followed by a smoother ``smoothing_frames`` late."""
        delay = card.lookahead_samples + smoothing_frames * card.hop_samples
        return cls(card.sample_rate, card.hop_samples, delay, preroll)

    @property
    def first_window(self) -> int:
        """n of the first window whose frame is emitted (the first at stream time ≥ 0)."""
        return -(-(self.preroll + self.delay) // self.hop)

    @property
    def delay_s(self) -> float:
        """Seconds from the face a frame shows to the newest audio it heard."""
        return self.delay / self.sample_rate

    def stream_time(self, n: int) -> float:
        """Stream time of the face shown by the frame of window ``n``: the one formula."""
        return (n * self.hop - self.preroll - self.delay) / self.sample_rate

    def audio_time(self, n: int) -> float:
        """Stream time of the end of window ``n``: the newest audio its frame heard."""
        return (n * self.hop - self.preroll) / self.sample_rate

    def file_frames(self, samples: int) -> int:
        """Frames that cover a file of ``samples`` from 0 to its end: one per hop."""
        return file_frame_count(samples, self.hop)

    def last_window(self, samples: int) -> int:
        """n of the window whose frame is the last one of a file of ``samples``."""
        return max(self.file_frames(samples), 1) - 1 + self.first_window

    def end_padding(self, samples: int) -> int:
        """Silence after a file of ``samples`` so that its last frame's window is complete."""
        return max(0, self.last_window(samples) * self.hop - self.preroll - samples)

    def frames_for(self, samples: int, file_end: bool = False) -> int:
        """Frames emitted for ``samples`` of source (padded to its end when ``file_end``)."""
        if file_end:
            return self.file_frames(samples)
        complete = (self.preroll + samples) // self.hop
        return max(0, complete - self.first_window + 1)


@dataclass(frozen=True, slots=True)
class Window:
    """One model input: window ``index`` (n) of the stream, ``samples`` ``(window,)`` float32."""

    index: int
    samples: np.ndarray


class FramePipeline:
    """One stream's framer, post chain and timing around a model (one thread at a time).

    Args:
        model: used by :meth:`infer` only; a caller with its own batching (the stream server)
            runs the model itself and hands the outputs to :meth:`emit`.
        post: the post chain's steps; profile: the avatar profile; avatar: the frames' avatar.
        capacity_windows: windows the framer holds before it grows.
        previous: the pipeline this one replaces mid-stream (a model swap): the stream, its
            samples and its sequence numbers go on.
    """

    timing: FrameTiming
    framer: Framer
    source_samples: int  # of the source, pushed so far
    stream_base: float  # stream time of this framer's source sample 0
    sequence_base: int  # sequence = window index + this
    _next_index: int  # the window taken next

    def __init__(
        self,
        model: Model,
        post: PostConfig | None = None,
        profile: AvatarProfile | None = None,
        avatar: str = "default",
        capacity_windows: int = 16,
        previous: FramePipeline | None = None,
    ) -> None:
        card = model.card
        self.model = model
        self.card = card
        self.avatar = avatar
        self.chain = PostChain(card, post or PostConfig(), model.rest_output(), profile)
        same_framer = previous is not None and (
            previous.card.window_samples,
            previous.card.hop_samples,
        ) == (card.window_samples, card.hop_samples)
        preroll = previous.timing.preroll if previous is not None and same_framer else -1
        self.timing = FrameTiming.of(card, self.chain.delay_frames, preroll)
        self._audio_slice = frame_audio_slice(card)
        self._last_window: int | None = None  # set by finish(): frames after it are not emitted
        if previous is not None and same_framer:
            # Same geometry: the framer and its pre-roll go on; only the delay changes.
            self.framer = previous.framer
            self._next_index = previous._next_index
            self.source_samples = previous.source_samples
            self.stream_base = previous.stream_base
            self.sequence_base = previous.sequence_base
            return
        self.framer = Framer(card.window_samples, card.hop_samples, capacity_windows)
        self.framer.push(np.zeros(card.window_samples + self.timing.preroll, np.float32))
        self._next_index = 0
        self.source_samples = 0
        self.stream_base = 0.0
        self.sequence_base = -self.timing.first_window
        if previous is not None:  # a new framer: its stream starts where the old one ended
            self.stream_base = previous.stream_base + (
                previous.source_samples / previous.card.sample_rate
            )
            self.sequence_base += previous.next_sequence()

    @property
    def delay_frames(self) -> int:
        """Frames by which the post chain's output lags the model's."""
        return self.chain.delay_frames

    def set_profile(self, profile: AvatarProfile | None) -> None:
        self.chain.set_profile(profile)

    def next_sequence(self) -> int:
        """The sequence number the next window would get."""
        return self._next_index + self.sequence_base

    # -- audio in ---------------------------------------------------------------------------
    def push(self, audio: np.ndarray) -> None:
        """Append ``(n,)`` float32 16 kHz mono samples of the source."""
        self.framer.push(audio)
        self.source_samples += len(audio)

    def finish(self) -> None:
        """The source ended: pad it with silence so the frames cover it to its end, and emit no
        frame past that end (a file gives ``ceil(duration / hop)`` frames)."""
        padding = self.timing.end_padding(self.source_samples)
        self.framer.push(np.zeros(padding, np.float32))
        self._last_window = self.timing.last_window(self.source_samples)

    def due(self) -> int:
        """Complete windows not yet taken."""
        return self.framer.due()

    def settled(self) -> int:
        """Due windows that stay due whether or not the source goes on: a window that ends
        exactly at the newest sample may lie past the end of a file (a reader that knows no
        real time, such as a file read as fast as possible, waits for more audio or
        :meth:`finish`)."""
        due = self.framer.due()
        at_edge = (self.timing.preroll + self.source_samples) % self.card.hop_samples == 0
        return due - 1 if due and at_edge and self._last_window is None else due

    def take_next(self) -> Window:
        """The oldest due window (every window is seen: files, the server)."""
        index, samples = self.framer.take_next()
        self._next_index = index + 1
        return Window(index, samples)

    def take_latest(self) -> tuple[Window, int]:
        """The newest due window and how many older ones it skips (live audio)."""
        index, samples, skipped = self.framer.take_latest()
        self._next_index = index + 1
        return Window(index, samples), skipped

    def take_batch(self, final: bool = False) -> list[Window]:
        """The windows of the next model call of a reader without real time (a file), or [].

        Batches are the windows ``[j·BATCH, (j + 1)·BATCH)``, taken once all are settled (or
        what is left once ``final``): every such reader makes the same calls, and ONNX Runtime's
        rounding, which differs with the batch, gives them the same values.
        """
        ready = self.due() if final else self.settled()
        room = BATCH - self._next_index % BATCH
        if ready >= room or (final and ready):
            return [self.take_next() for _ in range(min(ready, room))]
        return []

    def take_all(self) -> list[Window]:
        """Every due window, oldest first."""
        return [self.take_next() for _ in range(self.due())]

    # -- frames out -------------------------------------------------------------------------
    def infer(self, windows: Sequence[Window]) -> np.ndarray:
        """The model's raw outputs for ``windows``: ``(len(windows), *output_shape)``."""
        return self.model(np.stack([w.samples for w in windows]))

    def stream_time(self, window: Window) -> float:
        """Stream time of the face shown by ``window``'s frame."""
        return self.stream_base + self.timing.stream_time(window.index)

    def audio_time(self, window: Window) -> float:
        """Stream time of the end of ``window``: the newest audio its frame heard."""
        return self.stream_base + self.timing.audio_time(window.index)

    def emit(
        self,
        window: Window,
        raw: np.ndarray,
        available: float,
        started: float,
        inferred: float,
        capture_time: float | None = None,
    ) -> FaceFrame | None:
        """Post-process ``raw`` (the model's output for ``window``) into its frame; None for a
        frame before stream time 0 or past a finished file's end (the chain still advances).

        ``available``, ``started`` and ``inferred`` are ``perf_counter`` times: audio available,
        inference start and end; ``capture_time`` (UNIX seconds) defaults to now less the time
        since the audio was available.
        """
        out = self.chain(raw, window.samples[self._audio_slice])
        done = time.perf_counter()
        if window.index < self.timing.first_window:
            return None
        if self._last_window is not None and window.index > self._last_window:
            return None
        return FaceFrame(
            sequence=window.index + self.sequence_base,
            capture_time=time.time() - (done - available) if capture_time is None else capture_time,
            stream_time=self.stream_time(window),
            representation=self.card.representation,
            times=FrameTimes(available, started, inferred, done),
            values=out.values,
            avatar_values=out.avatar_values,
            avatar=self.avatar,
            voiced=out.voiced,
        )
