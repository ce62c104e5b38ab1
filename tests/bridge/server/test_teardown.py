"""What a connection leaves behind (nothing, however it goes), and the token off loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from talkrig.bridge.server import ServerError, ServerState, StreamServer
from talkrig.bridge.stream_protocol import encode_pcm

from .helpers import IDLE, WAIT_S, stream, url, wait_idle


@pytest.mark.parametrize("samples", [3_000, 16_000], ids=["half-window", "windows-in-flight"])
def test_abrupt_disconnect_frees_everything(
    start_server: Callable[..., StreamServer], speech: np.ndarray, samples: int
) -> None:
    server = start_server(max_speed=0)

    async def leave_early() -> ServerState:
        ws = await connect(url(server.port), open_timeout=WAIT_S)
        await ws.recv()
        await ws.send(encode_pcm(speech[:samples]))  # 16,000 samples: 19 windows due at once
        while server.state().handlers == 0:  # the handler has it before the network goes away
            await asyncio.sleep(0.005)
        busy = server.state()
        ws.transport.abort()  # no closing handshake: the network just went away
        return busy

    busy = asyncio.run(leave_early())
    assert busy.handlers == busy.connections == 1
    assert wait_idle(server) == IDLE
    # still serving: 12 hops heard − 4 of delay + 1 (the time rule; was 6 whole windows)
    assert len(asyncio.run(stream(server.port, speech[:8_000]))) == 9


def test_state_of_a_stopped_server_is_one_clear_error(
    start_server: Callable[..., StreamServer],
) -> None:
    server = start_server()
    assert server.state() == IDLE
    server.stop()
    with pytest.raises(ServerError, match="not running"):
        server.state()


def test_token_is_required_when_bound_beyond_loopback(
    start_server: Callable[..., StreamServer], speech: np.ndarray
) -> None:
    server = start_server(host="0.0.0.0", token="s3cret", max_speed=0)
    clip = speech[:8_000]

    async def status_without_token() -> int:
        with pytest.raises(InvalidStatus) as info:
            await stream(server.port, clip)
        return info.value.response.status_code

    assert asyncio.run(status_without_token()) == 401
    frames = asyncio.run(
        stream(server.port, clip, additional_headers={"Authorization": "Bearer s3cret"})
    )
    assert len(frames) == 9  # the time rule (was 6 whole windows)
