"""One hostile connection must not starve a well-behaved one (issue 13, point 3).

A real server on loopback, a real paced client in this process and ``bench/flooder.py`` in a
child process writing thousands of empty and 2-byte messages per ``sendall``. The 100 ms gap goal
is asserted by ``bench/server_flood.py`` on a quiet machine; here, on two cores shared with a
training run, the bound is looser (GAP_BOUND_S) but still far below the old 1 fps.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.protocol import State

from talkrig.bridge.server import StreamServer
from talkrig.bridge.stream_protocol import encode_pcm, parse_hello

from .helpers import IDLE, WAIT_S, closed_with, url, wait_idle

FLOODER = Path(__file__).resolve().parents[3] / "bench" / "flooder.py"
CHUNK = 1_024  # 32 ms, as the paper's client
CHUNK_S = CHUNK / 2 / 16_000
SECONDS = 3.0
KEPT_GOAL = 0.9
PROBE_P90_S = 0.1
GAP_BOUND_S = 0.5  # the goal is 0.1 s: bench/server_flood.py on a quiet machine


@dataclass
class GoodRun:
    """What the paced client saw: frame arrival times and how it ended."""

    expected: int = 0
    arrivals: list[float] = field(default_factory=list)
    closed: tuple[int, str] | None = None

    @property
    def kept(self) -> float:
        return len(self.arrivals) / self.expected

    @property
    def worst_gap(self) -> float:
        return float(np.max(np.diff(self.arrivals))) if len(self.arrivals) > 1 else np.inf


async def paced_client(port: int, audio: np.ndarray, grace_s: float = 0.5) -> GoodRun:
    """Stream ``audio`` in real time; frames that come later than ``grace_s`` after the last
    chunk count as lost (a live face cannot use them)."""
    run = GoodRun()
    async with connect(url(port), open_timeout=WAIT_S) as ws:
        hello = parse_hello(await asyncio.wait_for(ws.recv(), WAIT_S))["model"]
        run.expected = 1 + (len(audio) - hello["window_samples"]) // hello["hop_samples"]
        receiver = asyncio.create_task(_arrivals(ws, run))
        pcm, start = encode_pcm(audio), time.monotonic()
        try:
            for i, offset in enumerate(range(0, len(pcm), CHUNK)):
                await asyncio.sleep(max(0.0, start + i * CHUNK_S - time.monotonic()))
                await ws.send(pcm[offset : offset + CHUNK])
        except ConnectionClosed:
            pass
        await asyncio.wait([receiver], timeout=grace_s)
        receiver.cancel()
    return run


async def _arrivals(ws: Any, run: GoodRun) -> None:
    try:
        while len(run.arrivals) < run.expected:
            await ws.recv()
            run.arrivals.append(time.monotonic())
    except ConnectionClosed as exc:
        if exc.rcvd is not None:
            run.closed = (exc.rcvd.code, exc.rcvd.reason)


def run_with_flooder(port: int, audio: np.ndarray, reconnect: bool) -> tuple[GoodRun, dict]:
    """The paced client streams while the flooder floods the same server."""
    return meanwhile_flooding(port, lambda: asyncio.run(paced_client(port, audio)), reconnect)


def meanwhile_flooding(
    port: int, action: Callable[[], Any], reconnect: bool, seconds: float = SECONDS
) -> tuple[Any, dict]:
    """``action()`` while the flooder floods the server; its result and the flooder's report."""
    cmd = [sys.executable, str(FLOODER), "--port", str(port), "--seconds", str(seconds)]
    flooder = subprocess.Popen(
        [*cmd, *(["--reconnect"] if reconnect else [])],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert flooder.stderr is not None
        assert flooder.stderr.readline().strip() == "flooding"
        result = action()
        out, err = flooder.communicate(timeout=WAIT_S)
    finally:
        if flooder.poll() is None:
            flooder.kill()
            flooder.wait()
    assert flooder.returncode == 0, err
    return result, json.loads(out)


@pytest.fixture
def audio(speech: np.ndarray) -> np.ndarray:
    return speech[: int(SECONDS * 16_000)]


def test_good_client_keeps_its_frames_while_another_floods(
    start_server: Callable[..., StreamServer], audio: np.ndarray
) -> None:
    server = start_server()
    good, flood = run_with_flooder(server.port, audio, reconnect=True)
    assert good.closed is None
    assert good.kept >= KEPT_GOAL, good
    assert good.worst_gap <= GAP_BOUND_S
    assert flood["messages_written"] > 10_000  # it did flood
    # every flood connection was closed for its rate or, while 8 of its closed sockets waited
    # out their 2 s close timeout, refused at the door (HTTP 429); it never fills the slots
    assert flood["closed_by_server"] + flood["refused_limited"] == flood["connections"]
    assert flood["refused_busy"] == 0
    assert flood["closed_by_server"] >= 1
    first = flood["fates"][0]
    assert first["close_code"] == 1008
    assert "messages" in first["close_reason"] and "--max-messages" in first["close_reason"]


def test_a_reconnecting_flood_leaves_room_for_new_clients(
    start_server: Callable[..., StreamServer],
) -> None:
    # Before: each flood connection closed for its rate held one of the 64 slots for its 2 s
    # close timeout, and new performers got HTTP 503 for as long as the flood went on.
    server = start_server(max_connections=4)

    def five_newcomers() -> list[str]:
        time.sleep(1.0)  # closed flood connections are waiting out their close timeout now
        return [asyncio.run(_hello_from("127.0.0.2", server.port)) for _ in range(5)]

    answers, flood = meanwhile_flooding(server.port, five_newcomers, reconnect=True)
    assert flood["connections"] > 4  # more than the server has slots
    assert answers == ["hello"] * 5  # another address always got in
    assert flood["refused_busy"] == 0
    assert flood["closed_by_server"] + flood["refused_limited"] == flood["connections"]
    assert wait_idle(server) == IDLE


async def _hello_from(address: str, port: int) -> str:
    """Connect from ``address`` (any 127.x is loopback on Linux) and read the first message."""
    try:
        async with connect(url(port), open_timeout=WAIT_S, local_addr=(address, 0)) as ws:
            return str(parse_hello(await asyncio.wait_for(ws.recv(), WAIT_S))["type"])
    except InvalidStatus as exc:
        return f"HTTP {exc.response.status_code}"


def test_without_a_message_limit_the_loop_still_takes_turns(
    start_server: Callable[..., StreamServer], audio: np.ndarray
) -> None:
    """Fair scheduling alone (no message limit, the flood is never closed): the server's loop
    answers a probe promptly and the good client keeps its frames. Before, one socket read
    parsed up to 256 KiB of tiny messages and the handler drained them without yielding: the
    probe's p90 was 220-370 ms, here it is 13-25 ms (same machine, same load)."""
    server = start_server(max_messages=0)
    probes: list[float] = []
    stop = threading.Event()

    def probe() -> None:
        while not stop.wait(0.1):
            start = time.monotonic()
            server.state(WAIT_S)
            probes.append(time.monotonic() - start)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        good, flood = run_with_flooder(server.port, audio, reconnect=False)
    finally:
        stop.set()
        prober.join()
    assert flood["closed_by_server"] == 0 and flood["messages_written"] > 10_000
    assert good.closed is None
    assert good.kept >= KEPT_GOAL
    assert good.worst_gap <= GAP_BOUND_S
    assert np.percentile(probes, 90) <= PROBE_P90_S


def test_a_stall_of_the_server_does_not_close_a_real_time_client(
    start_server: Callable[..., StreamServer], audio: np.ndarray
) -> None:
    """The server's loop stops for 1.5 s (a GC pause, the CPU taken by another process): the
    client's real-time audio piles up unread and then arrives at once, 3x the burst allowed."""
    server = start_server(max_speed=1.0, burst_s=0.5)

    async def stalled_run() -> GoodRun:
        loop = asyncio.get_running_loop()
        stall = loop.call_later(0.5, _stall, server, 1.5)
        try:
            return await paced_client(server.port, audio, grace_s=WAIT_S)
        finally:
            stall.cancel()

    good = asyncio.run(stalled_run())
    assert good.closed is None
    assert good.kept == 1.0
    assert good.worst_gap >= 1.0  # the stall did happen


def _stall(server: StreamServer, seconds: float) -> None:
    loop = server._loop  # the server's own loop thread, blocked as a long pause would
    assert loop is not None
    loop.call_soon_threadsafe(time.sleep, seconds)


def test_many_tiny_messages_close_with_the_message_limit(
    start_server: Callable[..., StreamServer],
) -> None:
    server = start_server(max_messages=50, burst_s=0.5)

    async def tiny() -> tuple[int | None, str]:
        async with connect(url(server.port), open_timeout=WAIT_S) as ws:
            await ws.recv()
            with contextlib.suppress(ConnectionClosed):
                for _ in range(200):
                    await ws.send(b"\x00\x00")
            return await closed_with(ws)

    code, reason = asyncio.run(tiny())
    assert code == 1008
    assert "50 messages/s" in reason and "--max-messages" in reason


def test_a_silent_connection_is_closed_after_the_idle_timeout(
    start_server: Callable[..., StreamServer],
) -> None:
    server = start_server(idle_timeout_s=0.5)

    async def silent() -> tuple[tuple[int | None, str], float]:
        async with connect(url(server.port), open_timeout=WAIT_S) as ws:
            await ws.recv()
            start = time.monotonic()
            return await closed_with(ws), time.monotonic() - start

    (code, reason), after = asyncio.run(silent())
    assert code == 1001
    assert "idle" in reason and "--idle-timeout" in reason
    assert 0.4 <= after < 3.0
    assert wait_idle(server) == IDLE  # its slot is free again


def test_a_client_that_keeps_sending_is_not_idle(
    start_server: Callable[..., StreamServer],
) -> None:
    server = start_server(idle_timeout_s=0.5)

    async def slow() -> bool:
        async with connect(url(server.port), open_timeout=WAIT_S) as ws:
            await ws.recv()
            for _ in range(8):  # 2.4 s in all, never 0.5 s without a message
                await ws.send(bytes(1_024))
                await asyncio.sleep(0.3)
            return ws.state is State.OPEN

    assert asyncio.run(slow())
