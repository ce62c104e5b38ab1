"""Frames and receive helpers for the sender tests (fixtures are in conftest.py)."""

from __future__ import annotations

import socket
import time

import numpy as np

from talkrig.bridge.frame import FaceFrame, FrameTimes
from talkrig.models.contract import Representation

RECV_TIMEOUT_S = 2.0
PACE_S = 0.005  # senders in tests are paced: loopback receivers drop unpaced bursts


def blend_frame(
    sequence: int = 0,
    values: np.ndarray | None = None,
    *,
    avatar: str = "default",
    voiced: bool = True,
    avatar_values: tuple[tuple[str, float], ...] = (),
) -> FaceFrame:
    """A blendshape frame; ``values`` ``(52,)`` defaults to a ramp 0..1."""
    if values is None:
        values = np.linspace(0.0, 1.0, 52, dtype=np.float32)
    now = time.perf_counter()
    return FaceFrame(
        sequence=sequence,
        capture_time=time.time(),
        stream_time=sequence * 0.04,
        representation=Representation.BLENDSHAPES,
        times=FrameTimes(now, now + 0.001, now + 0.002, now + 0.003),
        values=np.asarray(values, dtype=np.float32),
        avatar_values=avatar_values,
        avatar=avatar,
        voiced=voiced,
    )


def landmark_frame(sequence: int = 0, points: int = 478, dims: int = 3) -> FaceFrame:
    """A landmark frame with distinct coordinates ``(points, dims)``."""
    rng = np.random.default_rng(sequence)
    now = time.perf_counter()
    rep = Representation.LANDMARKS_3D if dims == 3 else Representation.LANDMARKS_2D
    return FaceFrame(
        sequence=sequence,
        capture_time=time.time(),
        stream_time=sequence * 0.04,
        representation=rep,
        times=FrameTimes(now, now + 0.001, now + 0.002, now + 0.003),
        values=rng.uniform(-1, 1, (points, dims)).astype(np.float32),
    )


def receive(sock: socket.socket, count: int) -> list[bytes]:
    """Exactly ``count`` datagrams (each wait bounded by the socket timeout)."""
    return [sock.recv(65_535) for _ in range(count)]


def drain(sock: socket.socket, quiet_s: float = 0.2) -> list[bytes]:
    """Everything that arrives until ``quiet_s`` passes without a datagram."""
    out, old = [], sock.gettimeout()
    sock.settimeout(quiet_s)
    try:
        while True:
            out.append(sock.recv(65_535))
    except TimeoutError:
        return out
    finally:
        sock.settimeout(old)
