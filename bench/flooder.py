"""A hostile stream client: floods ``talkrig serve`` with tiny binary messages as fast as it can.

The cheapest attack there is: after a normal handshake it writes prebuilt masked WebSocket
frames (empty and 2-byte binary messages, masking key 0, so no per-frame work) straight to the
socket, thousands per ``sendall``. A Python client calling ``send`` per message would be far
slower than the server it attacks; this one costs the server more than it costs itself.

    python bench/flooder.py --port 8765 --seconds 3 --reconnect

runs for ``--seconds``; with ``--reconnect`` it connects again each time the server closes it.
It prints one JSON object: connections made, messages written to the socket (the server reads
only a part of them before it closes the connection), and each connection's fate
(close code and reason as received, or how the socket ended) with its duration. Used by
``bench/server_flood.py`` and by ``tests/bridge/server/test_fairness.py``.
"""

from __future__ import annotations

import argparse
import json
import select
import socket
import sys
import time
from typing import Any

from websockets.client import ClientProtocol
from websockets.http11 import Response
from websockets.uri import parse_uri

EMPTY = b"\x82\x80\x00\x00\x00\x00"  # FIN + binary, masked, length 0, key 0
TWO_BYTES = b"\x82\x82\x00\x00\x00\x00\x00\x00"  # the same with one zero sample
FRAMES_PER_WRITE = 1_000
HANDSHAKE_TIMEOUT_S = 5.0
FATE_TIMEOUT_S = 3.0  # after the flood, how long to wait for the server's close frame


def flood_once(host: str, port: int, query: str, until: float) -> dict[str, Any]:
    """One connection: handshake, flood until ``until`` or the socket ends; its fate."""
    started = time.monotonic()
    protocol = ClientProtocol(parse_uri(f"ws://{host}:{port}/{query}"))
    with socket.create_connection((host, port), HANDSHAKE_TIMEOUT_S) as sock:
        protocol.send_request(protocol.connect())
        sock.sendall(b"".join(protocol.data_to_send()))
        _read_until(sock, protocol, lambda: protocol.handshake_exc is not None or _opened(protocol))
        if protocol.handshake_exc is not None:
            return {"refused": str(protocol.handshake_exc), "messages_written": 0, "seconds": 0.0}
        blob = memoryview((EMPTY + TWO_BYTES) * (FRAMES_PER_WRITE // 2) * 2)
        pair, offset, written = len(EMPTY + TWO_BYTES), 0, 0
        ended = "flood time over"
        sock.setblocking(False)
        while time.monotonic() < until and protocol.close_rcvd is None:
            try:
                # a partial send resumes mid-frame: the blob is doubled so any offset within
                # its first half still has a whole half of frames after it
                sent = sock.send(blob[offset : offset + len(blob) // 2])
            except BlockingIOError:
                # Wait for room instead of spinning: on a shared machine a spinning flooder
                # would measure CPU starvation, not the server's fairness.
                select.select([], [sock], [], 0.05)
                sent = 0
            except OSError as exc:
                ended = f"socket error: {exc.strerror or exc!r}"
                break
            written += sent
            offset = (offset + sent) % (len(blob) // 2)
            _read_ready(sock, protocol)
        sock.settimeout(FATE_TIMEOUT_S)
        _read_until(sock, protocol, lambda: protocol.close_rcvd is not None, FATE_TIMEOUT_S)
    close = protocol.close_rcvd
    return {
        "messages_written": 2 * (written // pair),  # whole pairs of frames
        "seconds": round(time.monotonic() - started, 3),
        "close_code": close.code if close is not None else None,
        "close_reason": close.reason if close is not None else None,
        "ended": "closed by the server" if close is not None else ended,
    }


def _opened(protocol: ClientProtocol) -> bool:
    return any(isinstance(e, Response) for e in protocol.events_received())


def _read_ready(sock: socket.socket, protocol: ClientProtocol) -> None:
    """Feed whatever the server sent (frames, close) without blocking the flood."""
    while select.select([sock], [], [], 0)[0]:
        try:
            data = sock.recv(65_536)
        except (BlockingIOError, OSError):
            return
        if not data:
            return
        protocol.receive_data(data)


def _read_until(sock: socket.socket, protocol: ClientProtocol, done: Any, wait: float = 0) -> None:
    deadline = time.monotonic() + (wait or HANDSHAKE_TIMEOUT_S)
    sock.settimeout(0.1)
    while not done() and time.monotonic() < deadline:
        try:
            data = sock.recv(65_536)
        except TimeoutError:
            continue
        except OSError:
            return
        if not data:
            return
        protocol.receive_data(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", help="sent as ?token=")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--reconnect", action="store_true", help="connect again when closed")
    args = parser.parse_args(argv)
    query = f"?token={args.token}" if args.token else ""
    until = time.monotonic() + args.seconds
    print("flooding", file=sys.stderr, flush=True)
    fates = [flood_once(args.host, args.port, query, until)]
    while args.reconnect and time.monotonic() < until - 0.1:  # a last one would only wait
        fates.append(flood_once(args.host, args.port, query, until))
    summary = {
        "connections": len(fates),
        "messages_written": sum(f["messages_written"] for f in fates),
        "closed_by_server": sum(f.get("close_code") is not None for f in fates),
        # a closed flood connection's socket stays open until its close handshake times out
        # (the flooder never answers): the server refuses an address with many of those (429)
        "refused_limited": sum("HTTP 429" in f.get("refused", "") for f in fates),
        "refused_busy": sum("HTTP 503" in f.get("refused", "") for f in fates),
        "fates": fates[:3] + fates[-2:] if len(fates) > 5 else fates,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
