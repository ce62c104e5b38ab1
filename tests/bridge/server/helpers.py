"""A minimal test client for the stream server (asyncio, real sockets, bounded waits)."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import IO, Any

import numpy as np
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from talkrig.bridge.pipeline import FrameTiming
from talkrig.bridge.server import ServerState, StreamServer
from talkrig.bridge.stream_protocol import WireFrame, decode_frame, encode_pcm, parse_hello

WAIT_S = 10.0
CHUNK = 1_024
IDLE = ServerState(handlers=0, connections=0, pending_windows=0, inferring_windows=0)


def url(port: int, query: str = "") -> str:
    return f"ws://127.0.0.1:{port}/{query}"


async def stream(port: int, audio: np.ndarray, **connect_args: Any) -> list[WireFrame]:
    """Send ``audio`` in 1,024-byte chunks, return every frame the server sent back."""
    async with connect(url(port), open_timeout=WAIT_S, **connect_args) as ws:
        hello = parse_hello(await asyncio.wait_for(ws.recv(), WAIT_S))
        shape = tuple(hello["model"]["output_shape"])
        pcm = encode_pcm(audio)
        timing = FrameTiming(hello["model"]["sample_rate"], hello["model"]["hop_samples"],
                             hello["delay_samples"])  # fmt: skip
        expected = timing.frames_for(len(audio))  # the time rule: a frame per hop heard
        receiver = asyncio.create_task(_receive(ws, expected, shape))
        for start in range(0, len(pcm), CHUNK):
            await ws.send(pcm[start : start + CHUNK])
        return await asyncio.wait_for(receiver, WAIT_S)


async def _receive(ws: ClientConnection, count: int, shape: tuple[int, ...]) -> list[WireFrame]:
    return [decode_frame(await ws.recv(), shape) for _ in range(count)]


async def close_code(ws: ClientConnection) -> int | None:
    """Read until the server closes; its close code (None if it stays open WAIT_S)."""
    return (await closed_with(ws))[0]


async def closed_with(ws: ClientConnection) -> tuple[int | None, str]:
    """Read until the server closes; its close code and reason (None, "" if it stays open)."""
    try:
        await asyncio.wait_for(_drain(ws), WAIT_S)
    except ConnectionClosed as exc:
        return (exc.rcvd.code, exc.rcvd.reason) if exc.rcvd is not None else (None, "")
    except TimeoutError:
        return None, ""
    return None, ""  # unreachable: _drain only ends by raising


async def _drain(ws: ClientConnection) -> None:
    while True:
        await ws.recv()


@contextlib.contextmanager
def serve_process(*args: str) -> Iterator[int]:
    """A real ``talkrig serve --port 0 ARGS`` child process; yields its port, stops it after."""
    cmd = [sys.executable, "-m", "talkrig.commands", "serve", "--port", "0", "-q", *args]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        lines: queue.Queue[str] = queue.Queue()
        reader = threading.Thread(target=_lines, args=(proc.stderr, lines), daemon=True)
        reader.start()
        yield _port_from(lines, proc)
    finally:
        proc.send_signal(signal.SIGINT)  # the CLI's clean stop
        try:
            proc.wait(WAIT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(WAIT_S)


def _lines(stream: IO[str], out: queue.Queue[str]) -> None:
    for line in stream:
        out.put(line)


def _port_from(lines: queue.Queue[str], proc: subprocess.Popen[str]) -> int:
    """The port of the server's "serving … on ws://HOST:PORT" line (model loading is slow)."""
    deadline = time.monotonic() + 6 * WAIT_S
    seen = []
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(line)
        found = re.search(r"ws://[^\s:]+:(\d+)", line)
        if found:
            return int(found.group(1))
    raise AssertionError(f"talkrig serve did not start (exit {proc.poll()}): {''.join(seen)}")


def wait_idle(server: StreamServer) -> ServerState:
    """Poll the server's own count until it holds nothing (or WAIT_S passed); the last count."""
    deadline = time.monotonic() + WAIT_S
    state = server.state()
    while state != IDLE and time.monotonic() < deadline:
        time.sleep(0.02)
        state = server.state()
    return state
