"""What every target implements, and the state it reports."""

from __future__ import annotations

import abc
import threading
import time
from dataclasses import dataclass

from talkrig.bridge.frame import FaceFrame


@dataclass(frozen=True)
class SenderState:
    """A snapshot of a target's health, for the CLI report and the GUI."""

    spec: str
    frames_sent: int
    errors: int
    last_error: str | None
    last_error_time: float | None
    ok: bool
    fatal: str | None = None  # why the target cannot go on (see Sender.fatal), or None


class TargetFailed(Exception):
    """A target failed for good (:attr:`Sender.fatal`); the message is the one line to show."""


class Sender(abc.ABC):
    """A target. ``send`` is called from the engine thread once per frame and must not block or
    raise: a failure is counted and reported through :meth:`state`, and the next frame is tried
    again (a target recovers by itself when its cause goes away)."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self._lock = threading.Lock()
        self._frames_sent = 0
        self._errors = 0
        self._last_error: str | None = None
        self._last_error_time: float | None = None
        self._streak = 0  # consecutive successful sends
        self._fatal: str | None = None

    def send(self, frame: FaceFrame) -> None:
        """Deliver one frame; never raises (engine thread)."""
        try:
            self._send(frame)
        except Exception as exc:  # a target must never kill the stream
            self._record_error(exc)
        else:
            with self._lock:
                self._frames_sent += 1
                self._streak += 1

    @abc.abstractmethod
    def _send(self, frame: FaceFrame) -> None:
        """Encode and deliver; may raise, :meth:`send` catches."""

    def _record_error(self, exc: BaseException) -> None:
        with self._lock:
            self._errors += 1
            self._last_error = f"{type(exc).__name__}: {exc}"
            self._last_error_time = time.time()
            self._streak = 0

    @property
    def fatal(self) -> str | None:
        """Why this target cannot go on, or ``None`` (any thread).

        Most failures are passing (a receiver not up yet) and are retried with the next frame.
        A fatal one (a recorder whose disk is full or gone) will not heal by itself, and going on
        would silently lose the take: the engine ends the run with this one line, e.g.
        ``cannot write take.csv: No space left on device``.
        """
        with self._lock:
            return self._fatal

    def _set_fatal(self, message: str) -> None:
        with self._lock:
            if self._fatal is None:
                self._fatal = message

    def state(self) -> SenderState:
        """Thread-safe snapshot (any thread)."""
        with self._lock:
            return SenderState(
                self.spec,
                self._frames_sent,
                self._errors,
                self._last_error,
                self._last_error_time,
                # UDP reports a refusal (ICMP) on the send *after* the refused one, so a dead
                # receiver alternates error / "success": only two good sends in a row mean ok.
                self._errors == 0 or self._streak >= 2,
                self._fatal,
            )

    def close(self) -> None:  # noqa: B027 - an optional hook: most senders have something to close
        """Release sockets/files (idempotent)."""

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
