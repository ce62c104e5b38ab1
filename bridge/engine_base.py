"""What every engine is, whether the model runs here or on a ``talkrig serve`` server.

:class:`BaseEngine` holds the lifecycle once: start the source into a ring and a thread that
turns audio into frames, stop (bounded join, senders closed), wait, and the hand-off of every
frame to the senders and listeners. :class:`~talkrig.bridge.engine.Engine` (local inference)
and :class:`~talkrig.bridge.remote.RemoteEngine` (a server's) fill in the thread's loop, so the
CLI and the app drive either one through this interface.

Threads: the audio source's thread only copies into the ring; the engine's own thread runs
:meth:`BaseEngine._loop`, sends every frame and calls the listeners; any other thread (CLI, GUI)
calls start/stop/wait/set_profile/set_gain_db and reads ``metrics`` and :meth:`BaseEngine.link`.
"""

from __future__ import annotations

import abc
import enum
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from talkrig.bridge.audio.base import AudioSource
from talkrig.bridge.audio.ring import SampleRing
from talkrig.bridge.frame import FaceFrame
from talkrig.bridge.metrics import Metrics
from talkrig.bridge.post.chain import PostConfig
from talkrig.bridge.post.profile import AvatarProfile
from talkrig.bridge.senders.base import Sender, TargetFailed
from talkrig.models.loader import Model

log = logging.getLogger(__name__)

FrameListener = Callable[[FaceFrame], None]
RING_SECONDS = 2.0  # raw audio the ring holds; the engine drains it every ≤ 40 ms


class EngineKind(str, enum.Enum):
    """Where the model runs (the value is what settings keep)."""

    LOCAL = "local"
    REMOTE = "remote"  # on a `talkrig serve` server


def ring_for(source: AudioSource) -> SampleRing:
    """The ring between ``source`` and an engine thread: RING_SECONDS at the source's rate."""
    return SampleRing(max(int(source.rate * RING_SECONDS), 8192), source.channels)


@dataclass
class EngineOptions:
    """How the engine runs (defaults suit a live stream)."""

    post: PostConfig = field(default_factory=PostConfig)
    profile: AvatarProfile | None = None
    avatar: str = "default"
    duration_s: float | None = None  # stop after this much stream audio
    gain_db: float = 0.0  # input gain applied to the 16 kHz audio before the model


@dataclass(frozen=True)
class RemoteState:
    """What a remote engine's client is doing, for the status line and the GUI.

    ``status`` is ``"connecting"``, ``"connected"``, ``"reconnecting"`` or ``"stopped"``.
    """

    url: str
    status: str
    reconnects: int
    last_error: str | None
    model: str | None


class BaseEngine(abc.ABC):
    """One audio source → faces → many senders, on one engine thread.

    Args:
        source: not started yet; the engine starts and stops it.
        senders: targets; each fails alone. The engine closes them on :meth:`stop`.
        options: post chain, avatar profile, avatar id, duration, gain.
        listeners: called on the engine thread with every frame (keep them cheap: the GUI's
            listener only stores the latest frame); one that raises is counted, not fatal.

    Attributes:
        metrics: the stream's figures (any thread reads ``metrics.snapshot()``).
        error: why the stream stopped by itself, in words; None while it runs or when it ended
            normally.
        finished: set once the engine thread has ended.
    """

    kind: ClassVar[EngineKind]
    thread_name: ClassVar[str]
    what: ClassVar[str]  # what the log calls the thread
    stop_timeout_s: ClassVar[float] = 1.0
    # raised on the engine thread: one line for the user, no traceback
    fatal_errors: ClassVar[tuple[type[Exception], ...]] = (TargetFailed,)

    def __init__(
        self,
        source: AudioSource,
        senders: Sequence[Sender],
        options: EngineOptions | None = None,
        listeners: Sequence[FrameListener] = (),
    ) -> None:
        self.source = source
        self.senders = list(senders)
        self.options = options or EngineOptions()
        self.listeners = list(listeners)
        self.metrics = Metrics()
        self.error: str | None = None
        self.listener_errors = 0
        self.finished = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- what runs (any thread) -----------------------------------------------------------------
    @property
    @abc.abstractmethod
    def model(self) -> Model | None:
        """The model this engine runs here; None when a server runs it."""

    @abc.abstractmethod
    def describe(self) -> str:
        """Where the faces come from, for a banner: ``"name (provider)"`` or the server URL."""

    @abc.abstractmethod
    def model_info(self) -> dict[str, Any]:
        """The model's entries of a run report: model, representation, provider (and for a
        remote engine, the connection)."""

    def link(self) -> RemoteState | None:
        """The connection to the server of a remote engine; None for a local one."""
        return None

    # -- control (any thread) -------------------------------------------------------------------
    def start(self) -> None:
        """Start the source and the engine thread."""
        self._ring = ring_for(self.source)
        self.source.start(self._ring)
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop the source, join the engine thread (at most ``timeout``, default
        ``stop_timeout_s``), close the senders (idempotent)."""
        self._stop.set()
        self.source.stop()
        if self._thread is not None:
            self._thread.join(self.stop_timeout_s if timeout is None else timeout)
        for sender in self.senders:
            sender.close()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the stream ends by itself (file end, duration, error)."""
        return self.finished.wait(timeout)

    @abc.abstractmethod
    def swap_model(self, model: Model) -> None:
        """Use ``model`` from the next frame on (the stream keeps running); ValueError for an
        engine whose model runs on a server."""

    def set_profile(self, profile: AvatarProfile | None) -> None:
        """Use ``profile`` from the next frame on."""
        self.options.profile = profile

    def set_gain_db(self, db: float) -> None:
        """Input gain in dB from the next audio block on (one float store)."""
        self.options.gain_db = db

    def __enter__(self) -> BaseEngine:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the engine thread ----------------------------------------------------------------------
    @abc.abstractmethod
    def _loop(self) -> None:
        """Turn the ring's audio into frames until stop, the end of the source, the duration or
        an error (engine thread)."""

    def _run(self) -> None:
        try:
            self._loop()
        except self.fatal_errors as exc:
            self.error = str(exc)
        except Exception as exc:  # reported, never silently lost
            log.exception("%s stopped by an error", self.what)
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self._ended()
            self.finished.set()

    def _ended(self) -> None:  # noqa: B027 (a hook; the local engine needs none)
        """The engine thread is about to end (engine thread)."""

    def _send(self, frame: FaceFrame) -> None:
        """``frame`` to every sender (engine thread); TargetFailed when one cannot go on."""
        for sender in self.senders:
            sender.send(frame)
            if sender.fatal is not None:  # a recorder's disk is full: going on loses the take
                raise TargetFailed(sender.fatal)

    def _notify(self, frame: FaceFrame) -> None:
        """``frame`` to every listener (engine thread); one that fails never stops the stream."""
        for listener in self.listeners:
            try:
                listener(frame)
            except Exception:  # an observer (GUI, test) must not stop the stream
                self.listener_errors += 1
                if self.listener_errors == 1:
                    log.exception("a frame listener failed; the stream goes on")
