"""The stream server over real loopback WebSockets: parity with the offline path, isolation."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from talkrig.bridge.offline import infer_audio
from talkrig.bridge.post.chain import PostConfig
from talkrig.bridge.server import ServerConfig, ServerError, StreamServer
from talkrig.bridge.stream_protocol import parse_hello
from talkrig.models.loader import Model, load_model
from talkrig.models.registry import DEFAULT_MODEL

from .helpers import WAIT_S, closed_with, stream, url

TOLERANCE = 1e-5

SEED = 7


def assert_same_as_offline(frames: list, audio: np.ndarray, model: Model) -> None:
    # a stream that has not ended: no silence after it (a file's frames also cover its end)
    offline = list(infer_audio(audio, model, PostConfig(seed=SEED), file_end=False))
    assert len(frames) == len(offline) > 0
    for got, want in zip(frames, offline, strict=True):
        assert got.sequence == want.sequence
        assert got.stream_time == pytest.approx(want.stream_time)
        assert got.voiced == want.voiced
        np.testing.assert_allclose(got.values, want.blendshapes, atol=TOLERANCE)
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


def test_trained_default_model_streams_too(
    start_server: Callable[..., StreamServer], speech: np.ndarray
) -> None:
    with load_model(DEFAULT_MODEL, providers="cpu") as trained:
        server = start_server(model=trained, post=PostConfig(seed=SEED), max_speed=0)
        frames = asyncio.run(stream(server.port, speech))
        offline = list(infer_audio(speech, trained, PostConfig(seed=SEED), file_end=False))
    assert len(frames) == len(offline) > 0
    # ONNX Runtime rounds the server's batches a little differently from single windows, and the
    # log-Mel front end magnifies that in near-silence; another frame differs by far more
    worst = max(
        float(np.abs(g.values - w.blendshapes).max()) for g, w in zip(frames, offline, strict=True)
    )
    assert worst < 5e-3


def test_hello_carries_the_card(start_server: Callable[..., StreamServer], model: Model) -> None:
    server = start_server()

    async def hello() -> dict:
        async with connect(url(server.port), open_timeout=WAIT_S) as ws:
            return parse_hello(await asyncio.wait_for(ws.recv(), WAIT_S))

    msg = asyncio.run(hello())
    assert msg["model"]["name"] == model.card.name
    assert msg["model"]["output_shape"] == [52]
    assert msg["limits"]["max_message_bytes"] == server.config.max_message_bytes
    assert msg["limits"]["max_messages"] == server.config.max_messages
    assert msg["limits"]["idle_timeout_s"] == server.config.idle_timeout_s


@pytest.mark.parametrize(
    ("message", "code", "reason"),
    [
        ("hello", 1003, "text message"),
        (b"\x01\x02\x03", 1003, "not whole s16le samples"),
        (bytes(40_000), 1009, "exceeds"),
    ],
    ids=["text", "odd-length", "oversized"],
)
def test_bad_message_closes_only_its_connection_with_a_reason(
    start_server: Callable[..., StreamServer],
    speech: np.ndarray,
    model: Model,
    message: str | bytes,
    code: int,
    reason: str,
) -> None:
    server = start_server(post=PostConfig(seed=SEED), max_speed=0, max_message_bytes=32_000)

    async def bad() -> tuple[int | None, str]:
        async with connect(url(server.port), open_timeout=WAIT_S, max_size=None) as ws:
            await ws.recv()
            await ws.send(message)
            return await closed_with(ws)

    async def both() -> tuple[tuple[int | None, str], list]:
        closed, frames = await asyncio.gather(bad(), stream(server.port, speech))
        return closed, frames

    (got_code, got_reason), frames = asyncio.run(both())
    assert got_code == code
    assert reason in got_reason
    assert_same_as_offline(frames, speech, model)


def test_rate_limit_closes_with_policy_and_names_the_option(
    start_server: Callable[..., StreamServer],
) -> None:
    server = start_server(max_speed=1.0, burst_s=0.5)

    async def flood() -> tuple[int | None, str]:
        async with connect(url(server.port), open_timeout=WAIT_S) as ws:
            await ws.recv()
            for _ in range(4):
                await ws.send(bytes(16_000))  # 0.5 s each, far faster than real time
            return await closed_with(ws)

    code, reason = asyncio.run(flood())
    assert code == 1008
    assert "rate limit" in reason and "--max-speed" in reason


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
    assert len(ok) == 9  # 12 hops heard − 4 of delay + 1 (the time rule; was 6 whole windows)


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
