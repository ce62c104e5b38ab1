"""Random, truncated and oversized messages: the server closes that connection, never crashes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from talkrig.bridge.server import ServerConfig, StreamServer
from talkrig.models.loader import Model

from .helpers import IDLE, WAIT_S, close_code, stream, url, wait_idle

LIMIT = 4_096
messages = st.one_of(
    st.binary(max_size=LIMIT + 64),
    st.text(max_size=64),
    st.integers(0, 40).map(lambda n: bytes(2 * n + 1)),  # truncated samples
)


@pytest.fixture(scope="module")
def server(model: Model) -> Iterator[StreamServer]:
    with StreamServer(model, ServerConfig(port=0, max_speed=0, max_message_bytes=LIMIT)) as srv:
        yield srv


def expected_close(sent: list[bytes | str]) -> int | None:
    """The close code the protocol prescribes for this sequence (None: stays open)."""
    for message in sent:
        if isinstance(message, str) or (len(message) <= LIMIT and len(message) % 2):
            return 1003
        if len(message) > LIMIT:
            return 1009
    return None


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sent=st.lists(messages, min_size=1, max_size=4))
def test_fuzzed_messages(server: StreamServer, sent: list[bytes | str]) -> None:
    async def run() -> int | None:
        async with connect(url(server.port), open_timeout=WAIT_S, max_size=None) as ws:
            await ws.recv()
            with contextlib.suppress(ConnectionClosed):  # the server may close mid-sequence
                for message in sent:
                    await ws.send(message)
            if expected_close(sent) is None:
                await ws.close()
                return None
            return await close_code(ws)

    assert asyncio.run(run()) == expected_close(sent)
    # The server is still healthy for everybody else, and kept nothing of the bad connection.
    # 7 hops heard − 4 of delay + 1 (the time rule; was 1 whole window)
    assert len(asyncio.run(stream(server.port, np.zeros(4_480, np.float32)))) == 4
    assert wait_idle(server) == IDLE
