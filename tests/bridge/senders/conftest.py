"""Real loopback sockets for the sender tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.bridge.senders.helpers import RECV_TIMEOUT_S


@pytest.fixture
def receiver() -> Iterator[socket.socket]:
    """A UDP socket bound to an ephemeral loopback port, 2 s receive timeout."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(RECV_TIMEOUT_S)
    yield sock
    sock.close()


@pytest.fixture
def closed_port() -> int:
    """A loopback UDP port nobody listens on (bound then released)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port
