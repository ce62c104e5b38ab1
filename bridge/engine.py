"""The 40 ms loop: audio window → model → post chain → senders, on one engine thread.

Threads:
- the audio source's thread (PortAudio callback, or a file pacer) only copies into a SampleRing;
- the engine thread (this module) drains the ring, resamples, frames, infers, post-processes and
  sends; when it falls behind a real-time source it takes the newest window and counts the skip,
  so delay never grows;
- any other thread (CLI, GUI) calls start/stop/swap_model/set_profile and reads ``metrics``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from talkrig.bridge.audio.resample import StreamResampler
from talkrig.bridge.audio.ring import SampleRing
from talkrig.bridge.audio.sanitise import sanitise_into
from talkrig.bridge.audio.sources import AudioSource
from talkrig.bridge.frame import FaceFrame
from talkrig.bridge.metrics import Metrics
from talkrig.bridge.pipeline import FramePipeline, Window
from talkrig.bridge.post.chain import PostConfig
from talkrig.bridge.post.profile import AvatarProfile
from talkrig.bridge.senders.base import Sender, TargetFailed
from talkrig.models.loader import Model

log = logging.getLogger(__name__)

FrameListener = Callable[[FaceFrame], None]
GAIN_DB_MIN, GAIN_DB_MAX = -20.0, 30.0  # the input gain range the CLI and the app offer
RING_SECONDS = 2.0  # raw audio the ring holds; the engine drains it every ≤ 40 ms


def ring_for(source: AudioSource) -> SampleRing:
    """The ring between ``source`` and an engine thread: RING_SECONDS at the source's rate."""
    return SampleRing(max(int(source.rate * RING_SECONDS), 8192), source.channels)


WAIT_S = 0.05  # the engine thread wakes at least this often to notice stop()


@dataclass
class EngineOptions:
    """How the engine runs (defaults suit a live stream)."""

    post: PostConfig = field(default_factory=PostConfig)
    profile: AvatarProfile | None = None
    avatar: str = "default"
    duration_s: float | None = None  # stop after this much stream audio
    gain_db: float = 0.0  # input gain applied to the 16 kHz audio before the model


def db_to_gain(db: float) -> float:
    """Decibels → amplitude factor (+6 dB ≈ × 2)."""
    return float(10.0 ** (db / 20.0))


class Engine:
    """Runs one source through one model to many senders.

    Args:
        source: where audio comes from (not started yet; the engine starts and stops it).
        model: a loaded model, owned by the caller (the engine never closes models, so a
            swapped-out one can be reused).
        senders: targets; each fails alone. The engine closes them on :meth:`stop`.
        options: post chain, avatar profile, duration.
        listeners: called on the engine thread with every frame (keep them cheap: the GUI's
            listener only stores the latest frame).
    """

    def __init__(
        self,
        source: AudioSource,
        model: Model,
        senders: Sequence[Sender],
        options: EngineOptions | None = None,
        listeners: Sequence[FrameListener] = (),
    ) -> None:
        self.source = source
        self.senders = list(senders)
        self.options = options or EngineOptions()
        self.listeners = list(listeners)
        self._pipeline = self._new_pipeline(model)
        self._pending_model: Model | None = None
        self._pending_profile: tuple[AvatarProfile | None] | None = None
        self._swap_lock = threading.Lock()
        self._gain = db_to_gain(self.options.gain_db)
        self.metrics = Metrics()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: str | None = None
        self.listener_errors = 0
        self.finished = threading.Event()

    @property
    def model(self) -> Model:
        return self._pipeline.model

    # -- control (any thread) -------------------------------------------------------------------
    def start(self) -> None:
        """Start the source and the engine thread."""
        self._ring = ring_for(self.source)
        self._resampler = StreamResampler(self.source.rate, self.source.channels)
        self.source.start(self._ring)
        self._thread = threading.Thread(target=self._run, name="talkrig-engine", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Stop the source, join the engine thread, close the senders (idempotent)."""
        self._stop.set()
        self.source.stop()
        if self._thread is not None:
            self._thread.join(timeout)
        for sender in self.senders:
            sender.close()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the stream ends by itself (file end, duration, error)."""
        return self.finished.wait(timeout)

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
    def _run(self) -> None:
        try:
            self._loop()
        except TargetFailed as exc:  # one line for the user, no traceback
            self.error = str(exc)
        except Exception as exc:  # reported, never silently lost
            log.exception("engine stopped by an error")
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.finished.set()

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
        gain = self._gain
        if gain == 1.0:
            return audio
        return np.clip(audio * np.float32(gain), -1.0, 1.0).astype(np.float32, copy=False)

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
        for sender in self.senders:
            sender.send(frame)
            if sender.fatal is not None:  # a recorder's disk is full: going on loses the take
                raise TargetFailed(sender.fatal)
        sent = time.perf_counter()
        self.metrics.record(
            1000.0 * (inferred - started), 1000.0 * (sent - available), sent, skipped,
            frame.stream_time, pipe.audio_time(window),
        )  # fmt: skip
        for listener in self.listeners:
            try:
                listener(frame)
            except Exception:  # an observer (GUI, test) must not stop the stream
                self.listener_errors += 1
                if self.listener_errors == 1:
                    log.exception("a frame listener failed; the stream goes on")

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

    def __enter__(self) -> Engine:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
