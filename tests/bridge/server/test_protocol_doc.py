"""docs/stream-protocol.md's examples against the code and a real server's reply.

The page's hello and its example frame came from a real run (the page says which); here they
are parsed back and compared with what a real server answers to the same audio, so the page
cannot drift from the time rule (frame k is the face at k × 40 ms) or the wire format.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from websockets.asyncio.client import connect

from talkrig.bridge.post.chain import PostConfig
from talkrig.bridge.server import StreamServer
from talkrig.bridge.stream_protocol import (
    HEADER,
    WireFrame,
    decode_frame,
    encode_frame,
    encode_pcm,
    parse_hello,
)
from talkrig.models import arkit

from .helpers import WAIT_S, url

DOC = Path(__file__).resolve().parents[3] / "docs" / "stream-protocol.md"
FRAME_BYTES = HEADER.size + 52 * 4
HOP, RATE = 640, 16_000  # 40 ms
PACE_S = 0.016  # per 32 ms chunk
BLINKS = [arkit.NAMES.index("eyeBlinkLeft"), arkit.NAMES.index("eyeBlinkRight")]  # random


def _code_block_after(text: str, heading: str, fence: str) -> str:
    start = text.index(fence, text.index(heading)) + len(fence)
    return text[start : text.index("```", start)]


def doc_hello() -> dict[str, Any]:
    text = DOC.read_text(encoding="utf-8")
    hello: dict[str, Any] = json.loads(_code_block_after(text, "## Messages", "```json\n"))
    return hello


def doc_frame() -> bytes:
    """The example frame's 248 bytes: the header lines, then ``@offset`` value lines; the
    values the page does not list are 0."""
    block = _code_block_after(DOC.read_text(encoding="utf-8"), "### Example", "```\n")
    data = bytearray()
    values: dict[int, bytes] = {}
    for line in block.splitlines():
        hex_part = re.split(r"\s{3,}", line.strip())[0]  # the comment column follows 3+ spaces
        if hex_part.startswith("@"):
            offset, raw = hex_part[1:].split(maxsplit=1)
            values[int(offset)] = bytes.fromhex(raw)
        else:
            data += bytes.fromhex(hex_part)
    assert len(data) == HEADER.size, "the header lines are 40 bytes"
    data += bytes(FRAME_BYTES - HEADER.size)
    for offset, raw in values.items():
        data[offset : offset + len(raw)] = raw
    return bytes(data)


async def _frames_for(port: int, audio: np.ndarray) -> tuple[dict[str, Any], list[WireFrame]]:
    async with connect(url(port), open_timeout=WAIT_S) as ws:
        hello = parse_hello(await asyncio.wait_for(ws.recv(), WAIT_S))
        pcm = encode_pcm(audio)
        for start in range(0, len(pcm), 1024):  # at twice real time: within the default limits
            await ws.send(pcm[start : start + 1024])
            await asyncio.sleep(PACE_S)
        count = (len(audio) - hello["delay_samples"]) // HOP + 1
        frames = [decode_frame(await asyncio.wait_for(ws.recv(), WAIT_S), (52,))
                  for _ in range(count)]  # fmt: skip
        return hello, frames


def test_the_example_frame_is_what_encode_frame_writes() -> None:
    data = doc_frame()
    frame = decode_frame(data, (52,))
    again = encode_frame(frame.sequence, frame.representation, frame.voiced, frame.stream_time,
                         frame.received, frame.sent, frame.values)  # fmt: skip
    assert again == data
    assert frame.stream_time == frame.sequence * HOP / RATE  # the time rule: frame k at k × 40 ms
    assert 0 < frame.sent - frame.received < 0.1


def test_the_examples_match_a_real_servers_reply(
    start_server: Callable[..., StreamServer], speech: np.ndarray
) -> None:
    """The page's model (the energy baseline) on the page's audio (the demo clip's first 4 s)."""
    documented, example = doc_hello(), decode_frame(doc_frame(), (52,))
    server = start_server(post=PostConfig(seed=0))  # the default limits, as on the page
    hello, frames = asyncio.run(_frames_for(server.port, speech))

    for key in ("protocol", "version", "audio", "limits", "delay_samples"):
        assert documented[key] == hello[key], key
    model = {k: v for k, v in hello["model"].items() if k != "output_names"}
    assert {k: v for k, v in documented["model"].items() if k != "output_names"} == model
    assert hello["model"]["output_names"][0] == documented["model"]["output_names"][0]

    assert [f.sequence for f in frames] == list(range(len(frames)))  # frame 0 comes first
    assert [f.stream_time for f in frames] == [k * HOP / RATE for k in range(len(frames))]
    real = frames[example.sequence]
    assert (real.representation, real.voiced) == (example.representation, example.voiced)
    assert real.stream_time == example.stream_time
    mouth = np.setdiff1d(np.arange(52), BLINKS)  # a blink may fall on the frame, or not
    np.testing.assert_allclose(real.values[mouth], example.values[mouth], atol=1e-6)
    assert example.values.max() > 0.2  # the example shows an open mouth, not a rest face
