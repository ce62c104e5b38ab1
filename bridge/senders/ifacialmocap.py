"""iFacialMocap text frames over UDP, standing in for the iPhone app (docs/wire-formats.md §4).

A frame is one UTF-8 datagram: all 52 keys (iFacialMocap spelling) with ``round(v × 100)``
integers, then head and eye rotations (zeros: TalkRig has no head motion)::

    v1: eyeBlink_L-0|eyeLookDown_L-0|...|tongueOut-0|=head#0.0,0.0,0.0,0.0,0.0,0.0|
        rightEye#0.0,0.0,0.0|leftEye#0.0,0.0,0.0|          (one line, no break)
    v2: the same with ``&`` instead of ``-`` between key and value

Two modes:
- listen (``ifacialmocap://``): bind UDP 49983 like the phone; a receiving PC (VSeeFace, VNyan,
  Warudo, ...) sends the trigger string, optionally with ``|sendDataVersion=v2``; frames then go
  to the address the latest trigger came from, in the version it asked for. Nothing is sent
  before a trigger. The reply goes to the trigger's source port (receivers send it from the
  socket they listen on); ``reply_port`` forces a port instead.
- push (``ifacialmocap://host:port``): frames to a fixed host, version chosen up front.

Landmark frames are skipped (``skipped_frames``).
"""

from __future__ import annotations

import select
import socket
import threading

import numpy as np

from talkrig.bridge.frame import FaceFrame
from talkrig.bridge.senders.base import Sender
from talkrig.bridge.senders.finite import wire_floats
from talkrig.bridge.senders.udp import UdpSender
from talkrig.models import arkit

DEFAULT_PORT = 49983
TRIGGER = b"iFacialMocap_sahuasouryya9218sauhuiayeta91555dy3719"
V2_SUFFIX = b"|sendDataVersion=v2"
VERSIONS = ("v1", "v2")
_SEPARATORS = {"v1": "-", "v2": "&"}
_POSE = "=head#0.0,0.0,0.0,0.0,0.0,0.0|rightEye#0.0,0.0,0.0|leftEye#0.0,0.0,0.0|"
_POLL_S = 0.1  # how long close() may wait for the receive thread to notice


def frame_format(version: str) -> str:
    """The ``str.format`` pattern of one frame: 52 ``{}`` slots in canonical order."""
    sep = _SEPARATORS[version]
    return "".join(f"{key}{sep}{{}}|" for key in arkit.IFACIALMOCAP_KEYS) + _POSE


def to_percent(blendshapes: np.ndarray) -> list[int]:
    """``(52,)`` floats in [0, 1] → 52 ints in 0..100 (round half to even, like ``round``).

    Out-of-range values clamp and NaN or ±inf become 0: the text format has no way to say
    "unknown".
    """
    clean = np.clip(wire_floats(blendshapes), 0.0, 1.0)
    return np.rint(clean * 100.0).astype(np.int64).tolist()


def encode_frame(blendshapes: np.ndarray, version: str) -> bytes:
    """One iFacialMocap datagram for ``(52,)`` canonical-order values; ``version`` v1 or v2."""
    return frame_format(version).format(*to_percent(blendshapes)).encode("utf-8")


def parse_trigger(datagram: bytes) -> str | None:
    """``"v1"``/``"v2"`` for a trigger datagram, ``None`` for anything else."""
    payload = datagram.strip(b" \t\r\n\0")
    if payload == TRIGGER:
        return "v1"
    if payload == TRIGGER + V2_SUFFIX:
        return "v2"
    return None


class IFacialMocapPushSender(UdpSender):
    """``ifacialmocap://host:port?version=v1|v2``: frames to a fixed receiver (engine thread)."""

    def __init__(
        self, spec: str, host: str, port: int = DEFAULT_PORT, *, version: str = "v1"
    ) -> None:
        if version not in VERSIONS:
            raise ValueError(f"version must be v1 or v2, not {version!r}")
        self._format = frame_format(version)
        self.version = version
        self.skipped_frames = 0
        super().__init__(spec, host, port)

    def _send(self, frame: FaceFrame) -> None:
        if frame.blendshapes is None:
            self.skipped_frames += 1
            return
        self._transmit([self._format.format(*to_percent(frame.blendshapes)).encode("utf-8")])


class IFacialMocapListener(Sender):
    """``ifacialmocap://?listen=PORT&reply_port=PORT``: the phone's side of the handshake.

    A receive thread (started here, joined by :meth:`close`) records the latest trigger;
    ``send`` (engine thread) streams to it. ``listen=0`` binds an ephemeral port (tests).
    Raises ``OSError`` when the port is taken.
    """

    def __init__(
        self,
        spec: str,
        listen_port: int = DEFAULT_PORT,
        *,
        bind: str = "0.0.0.0",
        reply_port: int | None = None,
    ) -> None:
        super().__init__(spec)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self._sock.bind((bind, listen_port))
        except OSError:
            self._sock.close()
            raise
        self._sock.setblocking(False)
        self.listen_port: int = self._sock.getsockname()[1]
        self._reply_port = reply_port
        self._formats = {v: frame_format(v) for v in VERSIONS}
        self._requester: tuple[tuple[str, int], str] | None = None
        self._ignored = 0
        self._stop = threading.Event()
        self._closed = False
        self.skipped_frames = 0
        self._thread = threading.Thread(
            target=self._receive, name=f"talkrig-ifm-{self.listen_port}", daemon=True
        )
        self._thread.start()

    @property
    def requester(self) -> tuple[tuple[str, int], str] | None:
        """``((host, port), version)`` frames go to, or ``None`` before a trigger (any thread)."""
        with self._lock:
            return self._requester

    @property
    def ignored_datagrams(self) -> int:
        """Datagrams that were not a trigger (any thread)."""
        with self._lock:
            return self._ignored

    def _receive(self) -> None:
        """Receive thread: wait at most ``_POLL_S`` so ``close`` can stop it."""
        while not self._stop.is_set():
            ready, _, _ = select.select([self._sock], [], [], _POLL_S)
            if not ready:
                continue
            try:
                data, source = self._sock.recvfrom(2048)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as exc:  # e.g. a late ICMP error surfacing here: report, go on
                self._record_error(exc)
                continue
            self._on_datagram(data, str(source[0]), int(source[1]))

    def _on_datagram(self, data: bytes, host: str, port: int) -> None:
        version = parse_trigger(data)
        with self._lock:
            if version is None:
                self._ignored += 1
            else:
                reply = self._reply_port if self._reply_port is not None else port
                self._requester = ((host, reply), version)

    def _send(self, frame: FaceFrame) -> None:
        requester = self.requester
        if frame.blendshapes is None or requester is None:
            self.skipped_frames += 1
            return
        address, version = requester
        text = self._formats[version].format(*to_percent(frame.blendshapes))
        self._sock.sendto(text.encode("utf-8"), address)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._stop.set()
        self._thread.join(timeout=5 * _POLL_S)
        self._sock.close()
