"""Avatars announced by Unity receivers: ``/talkrig/avatars ,i s…`` on UDP 127.0.0.1:39542.

A Unity scene with the TalkRig receiver sends, about once a second, its listening port and one
string per avatar id it can drive (``unity_package/Runtime/Base/AvatarAnnouncement.cs``;
``docs/osc-address-space.md``). :class:`AnnounceListener` keeps what was heard lately so the
app can offer "Unity: <id> @ port".

Threads: one receive thread per listener (socket timeout, so :meth:`AnnounceListener.close`
joins it promptly); :meth:`AnnounceListener.avatars` and the counters are read from any thread.
A datagram that is not a valid announcement is counted in ``garbage`` and otherwise ignored.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from pythonosc.osc_message import OscMessage, ParseError

ANNOUNCE_PORT = 39542
ADDRESS = "/talkrig/avatars"
MAX_AVATAR_BYTES = 64
RECV_TIMEOUT_S = 0.2  # how long close() may wait for the receive thread to notice
DEFAULT_TTL_S = 5.0  # a receiver that stops repeating itself (about 1 Hz) is forgotten
DEFAULT_MAX_RECEIVERS = 16
DEFAULT_MAX_AVATARS = 32  # per receiver; a 1,472-byte datagram holds at most ~70 short ids


class AnnounceError(ValueError):
    """A datagram is not a valid announcement, or the listener cannot bind its port."""


@dataclass(frozen=True)
class Announced:
    """One avatar a receiver offers: send frames for ``avatar`` to ``host:port``."""

    host: str
    port: int
    avatar: str
    last_seen: float  # the listener clock (time.monotonic by default)

    @property
    def label(self) -> str:
        return f"Unity: {self.avatar} @ {self.port}"


def parse_announcement(datagram: bytes) -> tuple[int, tuple[str, ...]]:
    """``datagram`` → (receiver port, avatar ids); raises AnnounceError saying what is wrong."""
    try:
        message = OscMessage(datagram)
        params = message.params
    except (ParseError, ValueError, IndexError) as exc:  # UnicodeDecodeError is a ValueError
        raise AnnounceError(f"not an OSC message: {exc}") from None
    if message.address != ADDRESS:
        raise AnnounceError(f"address {message.address!r} is not {ADDRESS}")
    if not params or isinstance(params[0], bool) or not isinstance(params[0], int):
        raise AnnounceError("the first argument must be the receiver's port (int32)")
    port, avatars = params[0], params[1:]
    if not 1 <= port <= 65535:
        raise AnnounceError(f"port {port} is not in 1..65535")
    for avatar in avatars:
        if (
            not isinstance(avatar, str)
            or not avatar
            or len(avatar.encode("utf-8")) > MAX_AVATAR_BYTES
        ):
            raise AnnounceError(f"avatar id {avatar!r} is not 1–{MAX_AVATAR_BYTES} UTF-8 bytes")
    return port, tuple(avatars)


class AnnounceListener:
    """Listens for announcements on ``host:port`` (``port=0``: any free port, for tests).

    Remembers at most ``max_receivers`` receivers (the least recently heard goes first) with
    at most ``max_avatars`` ids each; a receiver not heard for ``ttl_s`` is dropped.
    Raises AnnounceError when the port cannot be bound (e.g. another TalkRig holds it).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = ANNOUNCE_PORT,
        ttl_s: float = DEFAULT_TTL_S,
        max_receivers: int = DEFAULT_MAX_RECEIVERS,
        max_avatars: int = DEFAULT_MAX_AVATARS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_receivers = max_receivers
        self.max_avatars = max_avatars
        self._clock = clock
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self._sock.bind((host, port))
        except OSError as exc:
            self._sock.close()
            raise AnnounceError(
                f"cannot listen for Unity avatar announcements on udp {host}:{port}: {exc}"
            ) from None
        self._sock.settimeout(RECV_TIMEOUT_S)
        self.address: tuple[str, int] = self._sock.getsockname()
        self._lock = threading.Lock()
        self._receivers: dict[tuple[str, int], tuple[float, tuple[str, ...]]] = {}
        self._stop = threading.Event()
        self.received = 0
        self.garbage = 0
        self.last_problem: str | None = None
        self._thread = threading.Thread(target=self._run, name="talkrig-announce", daemon=True)
        self._thread.start()

    def avatars(self) -> list[Announced]:
        """Every avatar heard within ``ttl_s``, sorted by port then id (any thread)."""
        now = self._clock()
        with self._lock:
            self._expire(now)
            out = [
                Announced(host, port, avatar, seen)
                for (host, port), (seen, avatars) in self._receivers.items()
                for avatar in avatars
            ]
        return sorted(out, key=lambda a: (a.port, a.host, a.avatar))

    def _expire(self, now: float) -> None:
        for key in [k for k, (seen, _) in self._receivers.items() if now - seen > self.ttl_s]:
            del self._receivers[key]

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                datagram, (host, _) = self._sock.recvfrom(2048)
            except TimeoutError:
                continue
            except OSError:  # closed under us by close(); anything else would repeat forever
                return
            self._heard(datagram, host)

    def _heard(self, datagram: bytes, host: str) -> None:
        try:
            port, avatars = parse_announcement(datagram)
        except AnnounceError as exc:
            with self._lock:
                self.garbage += 1
                self.last_problem = f"from {host}: {exc}"
            return
        now = self._clock()
        with self._lock:
            self.received += 1
            self._expire(now)
            key = (host, port)
            if key not in self._receivers and len(self._receivers) >= self.max_receivers:
                oldest = min(self._receivers, key=lambda k: self._receivers[k][0])
                del self._receivers[oldest]
            self._receivers[key] = (now, tuple(dict.fromkeys(avatars))[: self.max_avatars])

    def close(self) -> None:
        """Stop the receive thread (joins within ``RECV_TIMEOUT_S``) and free the port."""
        self._stop.set()
        self._thread.join(RECV_TIMEOUT_S * 5)
        self._sock.close()

    def __enter__(self) -> AnnounceListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
