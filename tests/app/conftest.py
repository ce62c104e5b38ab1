"""Fixtures for the desktop app: Qt runs offscreen; a missing Qt stack fails under CI=true.

``QT_QPA_PLATFORM`` is set here, before anything imports Qt (pytest-qt creates the
QApplication lazily, in its ``qapp`` fixture). Test modules that import Qt are named
``test_gui_*.py``; without PySide6/pyqtgraph/pytest-qt they are left out locally (and
``test_qt_stack.py`` says why), but under CI they are collected and fail.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import threading
from collections.abc import Iterator

import pytest

from tests.conftest import IN_CI

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

QT_MODULES = ("PySide6", "pyqtgraph", "pytestqt")
HAVE_QT = all(importlib.util.find_spec(name) is not None for name in QT_MODULES)
collect_ignore_glob = [] if HAVE_QT or IN_CI else ["test_gui_*.py"]


@pytest.fixture(autouse=True)
def no_stream_left_running() -> Iterator[None]:
    """Every test stops what it starts: a live engine or file thread after a test is a bug
    (closing the window must stop the stream), and one left running can crash the interpreter
    at exit while ONNX Runtime is torn down."""
    yield
    left = [t.name for t in threading.enumerate() if t.name.startswith("talkrig-")]
    assert not left, f"threads still running after the test: {left}"


def loopback_udp() -> socket.socket:
    """A real UDP socket on a free loopback port, non-blocking."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    return sock


@pytest.fixture
def udp_receiver() -> Iterator[socket.socket]:
    """One loopback UDP socket, standing in for VSeeFace."""
    with loopback_udp() as sock:
        yield sock


@pytest.fixture
def receivers() -> Iterator[list[socket.socket]]:
    """Three loopback UDP sockets (receivers, or a client and its reply port)."""
    socks = [loopback_udp() for _ in range(3)]
    yield socks
    for sock in socks:
        sock.close()


def drain(sock: socket.socket) -> list[bytes]:
    """Every datagram waiting on a non-blocking socket."""
    out = []
    while True:
        try:
            out.append(sock.recv(65536))
        except BlockingIOError:
            return out


def free_udp_port() -> int:
    """A UDP port nothing holds right now (listeners bind 0.0.0.0, like the iFacialMocap app)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("0.0.0.0", 0))
        return int(sock.getsockname()[1])
