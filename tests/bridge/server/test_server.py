"""The stream server over real loopback WebSockets: parity with the offline path, isolation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import numpy as np
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from talkrig.bridge.offline import infer_audio
from talkrig.bridge.post.chain import PostConfig
from talkrig.bridge.server import ServerConfig, ServerError, StreamServer
from talkrig.bridge.stream_protocol import parse_hello
from talkrig.models.loader import Model

from .helpers import WAIT_S, close_code, stream, url

SEED = 7


def assert_same_as_offline(frames: list, audio: np.ndarray, model: Model) -> None:
    offline = list(infer_audio(audio, model, PostConfig(seed=SEED)))
    assert len(frames) == len(offline) > 0
    for got, want in zip(frames, offline, strict=True):
        assert got.sequence == want.sequence
        assert got.stream_time == pytest.approx(want.stream_time)
        assert got.voiced == want.voiced
        np.testing.assert_allclose(got.values, want.blendshapes, atol=1e-5)
        assert got.received <= got.sent


def test_stream_gives_the_offline_frames(
    start_server: Callable[..., StreamServer], speech: np.ndarray, model: Model
) -> None:
    server = start_server(post=PostConfig(seed=SEED), max_speed=0)
    frames = asyncio.run(stream(server.port, speech))
    assert_same_as_offline(frames, speech, model)
    assert any(f.values.max() > 0.05 for f in frames)  # speech really moved the face


def test_concurrent_clients_get_their_own_frames(
    start_server: Callable[..., StreamServer], speech: np.ndarray, model: Model
) -> None:
    server = start_server(post=PostConfig(seed=SEED), max_speed=0)
    clips = [speech, speech[::-1].copy(), 0.5 * speech[16_000:]]

    async def all_at_once() -> list[list]:
        return list(await asyncio.gather(*(stream(server.port, clip) for clip in clips)))

    for frames, clip in zip(asyncio.run(all_at_once()), clips, strict=True):
        assert_same_as_offline(frames, clip, model)


def test_hello_carries_the_card(start_server: Callable[..., StreamServer], model: Model) -> None:
    server = start_server()

    async def hello() -> dict:
        async with connect(url(server.port), open_timeout=WAIT_S) as ws:
            return parse_hello(await asyncio.wait_for(ws.recv(), WAIT_S))

    msg = asyncio.run(hello())
    assert msg["model"]["name"] == model.card.name
    assert msg["model"]["output_shape"] == [52]
    assert msg["limits"]["max_message_bytes"] == server.config.max_message_bytes


@pytest.mark.parametrize(
    ("message", "code"),
    [("hello", 1003), (b"\x01\x02\x03", 1003), (bytes(40_000), 1009)],
    ids=["text", "odd-length", "oversized"],
)
def test_bad_message_closes_only_its_connection(
    start_server: Callable[..., StreamServer],
    speech: np.ndarray,
    model: Model,
    message: str | bytes,
    code: int,
) -> None:
    server = start_server(post=PostConfig(seed=SEED), max_speed=0, max_message_bytes=32_000)

    async def bad() -> int | None:
        async with connect(url(server.port), open_timeout=WAIT_S, max_size=None) as ws:
            await ws.recv()
            await ws.send(message)
            return await close_code(ws)

    async def both() -> tuple[int | None, list]:
        bad_code, frames = await asyncio.gather(bad(), stream(server.port, speech))
        return bad_code, frames

    got_code, frames = asyncio.run(both())
    assert got_code == code
    assert_same_as_offline(frames, speech, model)


def test_rate_limit_closes_with_policy(start_server: Callable[..., StreamServer]) -> None:
    server = start_server(max_speed=1.0, burst_s=0.5)

    async def flood() -> int | None:
        async with connect(url(server.port), open_timeout=WAIT_S) as ws:
            await ws.recv()
            for _ in range(4):
                await ws.send(bytes(16_000))  # 0.5 s each, far faster than real time
            return await close_code(ws)

    assert asyncio.run(flood()) == 1008


def test_token_is_required_when_set(
    start_server: Callable[..., StreamServer], speech: np.ndarray
) -> None:
    server = start_server(token="s3cret", max_speed=0)
    clip = speech[:8_000]

    async def refused(**kwargs: object) -> int:
        with pytest.raises(InvalidStatus) as info:
            await stream(server.port, clip, **kwargs)
        return info.value.response.status_code

    assert asyncio.run(refused()) == 401
    assert asyncio.run(refused(additional_headers={"Authorization": "Bearer nope"})) == 401
    ok = asyncio.run(
        stream(server.port, clip, additional_headers={"Authorization": "Bearer s3cret"})
    )
    assert len(ok) == 6


def test_query_token_is_accepted(start_server: Callable[..., StreamServer]) -> None:
    server = start_server(token="s3cret")

    async def hello() -> dict:
        async with connect(url(server.port, "?token=s3cret"), open_timeout=WAIT_S) as ws:
            return parse_hello(await asyncio.wait_for(ws.recv(), WAIT_S))

    assert asyncio.run(hello())["type"] == "hello"


def test_refuses_to_bind_beyond_loopback_without_token(model: Model) -> None:
    with pytest.raises(ServerError, match="without a token"):
        StreamServer(model, ServerConfig(host="0.0.0.0", port=0))


def test_port_in_use_is_one_clear_error(
    start_server: Callable[..., StreamServer], model: Model
) -> None:
    first = start_server()
    with pytest.raises(ServerError, match=f"cannot listen on 127.0.0.1:{first.port}"):
        StreamServer(model, ServerConfig(port=first.port)).start()


def test_connection_limit_answers_503(start_server: Callable[..., StreamServer]) -> None:
    server = start_server(max_connections=1)

    async def two() -> int:
        async with connect(url(server.port), open_timeout=WAIT_S) as ws:
            await ws.recv()
            with pytest.raises(InvalidStatus) as info:
                await connect(url(server.port), open_timeout=WAIT_S)
            return info.value.response.status_code

    assert asyncio.run(two()) == 503


def test_disconnect_mid_frame_frees_the_connection(
    start_server: Callable[..., StreamServer], speech: np.ndarray
) -> None:
    server = start_server(max_speed=0)

    async def leave_early() -> None:
        ws = await connect(url(server.port), open_timeout=WAIT_S)
        await ws.recv()
        await ws.send(speech[:3_001].astype("<i2").tobytes()[:6_000])  # half a window
        ws.transport.abort()  # no closing handshake: the network just went away

    asyncio.run(leave_early())
    deadline = time.monotonic() + WAIT_S
    while server.active_connections and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.active_connections == 0
    assert len(asyncio.run(stream(server.port, speech[:8_000]))) == 6  # still serving
