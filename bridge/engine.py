"""The 40 ms loop: audio window → model → post chain → senders, on one engine thread.

Threads:
- the audio source's thread (PortAudio callback, or a file pacer) only copies into a SampleRing;
- the engine thread (this module) drains the ring, resamples, frames, infers, post-processes and
  sends; when it falls behind a real-time source it takes the newest window and counts the skip,
  so delay never grows;
- any other thread (CLI, GUI) calls start/stop/swap_model/set_profile and reads ``metrics``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from talkrig.bridge.audio.gain import apply_gain, db_to_gain
from talkrig.bridge.audio.resample import StreamResampler
from talkrig.bridge.audio.sanitise import sanitise_into
from talkrig.bridge.audio.sources import AudioSource
from talkrig.bridge.engine_base import BaseEngine, EngineKind, EngineOptions, FrameListener
from talkrig.bridge.pipeline import FramePipeline, Window
from talkrig.bridge.post.profile import AvatarProfile
from talkrig.bridge.senders.base import Sender
from talkrig.models.loader import Model

__all__ = ["Engine", "EngineOptions"]

WAIT_S = 0.05  # the engine thread wakes at least this often to notice stop()


class Engine(BaseEngine):
    """Runs one source through one model, here, to many senders.

    Args:
        source: where audio comes from (not started yet; the engine starts and stops it).
        model: a loaded model, owned by the caller (the engine never closes models, so a
            swapped-out one can be reused).
        senders: targets; each fails alone. The engine closes them on :meth:`stop`.
        options: post chain, avatar profile, duration.
        listeners: called on the engine thread with every frame (keep them cheap: the GUI's
            listener only stores the latest frame).
    """

    kind = EngineKind.LOCAL
    thread_name = "talkrig-engine"
    what = "engine"

    def __init__(
        self,
        source: AudioSource,
        model: Model,
        senders: Sequence[Sender],
        options: EngineOptions | None = None,
        listeners: Sequence[FrameListener] = (),
    ) -> None:
        super().__init__(source, senders, options, listeners)
        self._pipeline = self._new_pipeline(model)
        self._pending_model: Model | None = None
        self._pending_profile: tuple[AvatarProfile | None] | None = None
        self._swap_lock = threading.Lock()
        self._gain = db_to_gain(self.options.gain_db)

    @property
    def model(self) -> Model:
        return self._pipeline.model

    def describe(self) -> str:
        return f"{self.model.card.name} ({self.model.provider})"

    def model_info(self) -> dict[str, Any]:
        card = self.model.card
        return {
            "model": card.name,
            "representation": card.representation.value,
            "provider": self.model.provider,
        }

    # -- control (any thread) -------------------------------------------------------------------
    def start(self) -> None:
        """Start the source and the engine thread."""
        self._resampler = StreamResampler(self.source.rate, self.source.channels)
        super().start()

    def swap_model(self, model: Model) -> None:
        """Use ``model`` from the next frame on (the stream keeps running)."""
        with self._swap_lock:
            self._pending_model = model

    def set_profile(self, profile: AvatarProfile | None) -> None:
        with self._swap_lock:
            self._pending_profile = (profile,)

    def set_gain_db(self, db: float) -> None:
        """Input gain in dB from the next audio block on (any thread; one float store)."""
        self.options.gain_db = db
        self._gain = db_to_gain(db)

    # -- the loop (engine thread) ---------------------------------------------------------------
    def _loop(self) -> None:
        realtime = self.source.realtime
        while not self._stop.is_set():
            self._apply_swaps()
            got = self._ring.wait(WAIT_S)
            available = time.perf_counter()
            if got:
                self._pipeline.push(self._gained(self._resampler(self._clean(self._ring.read()))))
            elif self.source.error:
                self.error = self.source.error
                return
            elif self.source.finished:
                self._pipeline.push(self._gained(self._resampler(self._clean(self._ring.read()))))
                self._pipeline.push(self._gained(self._resampler.flush()))
                self._pipeline.finish()  # the file's last frames, as `talkrig infer` gives them
                self._drain(available, realtime=False, final=True)
                return
            if self._drain(available, realtime):
                return

    def _clean(self, block: np.ndarray) -> np.ndarray:
        """The source's block made finite and within [-1, 1], repairs counted (engine thread).

        Before the resampler, which would spread one bad sample over its neighbours.
        """
        return sanitise_into(block, self.metrics)

    def _gained(self, audio: np.ndarray) -> np.ndarray:
        """``(n,)`` 16 kHz audio × the input gain, kept in the model's [-1, 1] (engine thread)."""
        return apply_gain(audio, self._gain)

    def _drain(self, available: float, realtime: bool, final: bool = False) -> bool:
        """Turn due windows into frames; True when the duration is reached.

        A real-time source's frames are timed from when their audio arrived, one window at a
        time; a file played as fast as possible has no arrival time and goes through the model
        in the batches `talkrig infer` makes (so both give the same values), each frame timed
        from when its batch is picked up. ``final``: the source has ended.
        """
        pipe = self._pipeline
        while True:
            if realtime and pipe.due():
                window, skipped = pipe.take_latest()
                windows, skips = [window], [skipped]
            else:
                windows = [] if realtime else pipe.take_batch(final)
                skips = [0] * len(windows)
                available = time.perf_counter()
            if not windows:
                return False
            started = time.perf_counter()
            raws = pipe.infer(windows)
            inferred = time.perf_counter()
            started = inferred - (inferred - started) / len(windows)  # each frame's share
            for window, raw, skipped in zip(windows, raws, skips, strict=True):
                duration = self.options.duration_s
                if duration is not None and pipe.stream_time(window) >= duration:
                    return True
                self._frame(window, raw, skipped, (available, started, inferred))

    def _frame(
        self, window: Window, raw: np.ndarray, skipped: int, times: tuple[float, float, float]
    ) -> None:
        """Post-process and send one frame (engine thread); ``times``: audio available,
        inference start and end (``perf_counter``)."""
        pipe = self._pipeline
        available, started, inferred = times
        pipe.avatar = self.options.avatar  # the app renames the avatar while streaming
        frame = pipe.emit(window, raw, available, started, inferred)
        if frame is None:
            return  # before stream time 0: the post chain warmed up, nothing to show yet
        if not np.isfinite(raw).all():  # a shown frame: the post chain used the last good one
            self.metrics.count_faults(replaced=1)  # (a server flags it; see bridge/remote.py)
        self._send(frame)
        sent = time.perf_counter()
        self.metrics.record(
            1000.0 * (inferred - started), 1000.0 * (sent - available), sent, skipped,
            frame.stream_time, pipe.audio_time(window),
        )  # fmt: skip
        self._notify(frame)

    def _apply_swaps(self) -> None:
        with self._swap_lock:
            model, self._pending_model = self._pending_model, None
            profile, self._pending_profile = self._pending_profile, None
        if profile is not None:
            self.options.profile = profile[0]
            self._pipeline.set_profile(profile[0])
        if model is not None:
            self._pipeline = self._new_pipeline(model, previous=self._pipeline)

    def _new_pipeline(self, model: Model, previous: FramePipeline | None = None) -> FramePipeline:
        o = self.options
        return FramePipeline(model, o.post, o.profile, o.avatar, previous=previous)
