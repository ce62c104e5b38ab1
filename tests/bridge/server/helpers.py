"""A minimal test client for the stream server (asyncio, real sockets, bounded waits)."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from talkrig.bridge.stream_protocol import WireFrame, decode_frame, encode_pcm, parse_hello

WAIT_S = 10.0
CHUNK = 1_024


def url(port: int, query: str = "") -> str:
    return f"ws://127.0.0.1:{port}/{query}"


async def stream(port: int, audio: np.ndarray, **connect_args: Any) -> list[WireFrame]:
    """Send ``audio`` in 1,024-byte chunks, return every frame the server sent back."""
    async with connect(url(port), open_timeout=WAIT_S, **connect_args) as ws:
        hello = parse_hello(await asyncio.wait_for(ws.recv(), WAIT_S))
        shape = tuple(hello["model"]["output_shape"])
        pcm = encode_pcm(audio)
        hop, window = hello["model"]["hop_samples"], hello["model"]["window_samples"]
        expected = 0 if len(audio) < window else 1 + (len(audio) - window) // hop
        receiver = asyncio.create_task(_receive(ws, expected, shape))
        for start in range(0, len(pcm), CHUNK):
            await ws.send(pcm[start : start + CHUNK])
        return await asyncio.wait_for(receiver, WAIT_S)


async def _receive(ws: ClientConnection, count: int, shape: tuple[int, ...]) -> list[WireFrame]:
    return [decode_frame(await ws.recv(), shape) for _ in range(count)]


async def close_code(ws: ClientConnection) -> int | None:
    """Read until the server closes; its close code (None if it stays open WAIT_S)."""
    try:
        await asyncio.wait_for(_drain(ws), WAIT_S)
    except ConnectionClosed as exc:
        return exc.rcvd.code if exc.rcvd is not None else None
    except TimeoutError:
        return None
    return None  # unreachable: _drain only ends by raising


async def _drain(ws: ClientConnection) -> None:
    while True:
        await ws.recv()
