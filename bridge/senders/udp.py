"""``UdpSender``: the socket plumbing every UDP target shares.

The socket is non-blocking and *connected* to the target: a connected UDP socket reports the
ICMP "port unreachable" of a previous datagram as ``ConnectionRefusedError`` on the next send
(an unconnected one never does), so a target nobody listens on shows up as errors in
:meth:`Sender.state` instead of looking healthy. A would-block or refused send raises from
``_send``; the base class counts it and the next frame simply tries again.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable

from talkrig.bridge.senders.base import Sender


def resolve_udp(host: str, port: int) -> tuple[socket.AddressFamily, tuple[str, int]]:
    """First UDP address of ``host:port`` (IPv4 or IPv6). Raises ``OSError`` when unresolvable."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    family, _, _, _, address = infos[0]
    return family, (str(address[0]), int(address[1]))


class UdpSender(Sender):
    """A sender that pushes datagrams to one ``host:port``.

    Constructed on any thread; ``_transmit`` is called from the engine thread (inside ``_send``);
    ``close`` from any thread, idempotent.
    """

    def __init__(self, spec: str, host: str, port: int) -> None:
        super().__init__(spec)
        family, self.address = resolve_udp(host, port)
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.setblocking(False)
            sock.connect(self.address)
        except OSError:
            sock.close()
            raise
        self._sock: socket.socket | None = sock
        self._close_lock = threading.Lock()

    def _transmit(self, datagrams: Iterable[bytes | bytearray]) -> None:
        """Send each datagram; the first failure raises and the rest of this frame is dropped."""
        sock = self._sock
        if sock is None:
            raise RuntimeError(f"{self.spec}: sender is closed")
        for datagram in datagrams:
            sock.send(datagram)

    def close(self) -> None:
        with self._close_lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None
