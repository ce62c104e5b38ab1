"""The wire format: golden bytes (the same as docs/stream-protocol.md) and garbage in."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talkrig.bridge.stream_protocol import (
    HEADER,
    StreamProtocolError,
    decode_frame,
    decode_pcm,
    encode_frame,
    encode_pcm,
    hello,
    parse_hello,
)
from talkrig.models.contract import Representation
from talkrig.models.loader import Model

# The example frame of docs/stream-protocol.md: sequence 3, voiced, stream time 0.28 s,
# received 1700000000.0, sent 1700000000.0025, eyeBlinkLeft 0.25, jawOpen 0.5, others 0.
GOLDEN_HEADER = bytes.fromhex(
    "54524b46 01 00 01 00 03000000 34000000 ec51b81e85ebd13f 000000 40fc54d941 f6280040fc54d941"
)


def golden_values() -> np.ndarray:
    values = np.zeros(52, np.float32)
    values[0], values[17] = 0.25, 0.5
    return values


def test_frame_matches_the_documented_bytes() -> None:
    data = encode_frame(
        3, Representation.BLENDSHAPES, True, 0.28, 1_700_000_000.0, 1_700_000_000.0025,
        golden_values(),
    )  # fmt: skip
    assert len(data) == HEADER.size + 52 * 4 == 248
    assert data[: HEADER.size] == GOLDEN_HEADER
    assert data[HEADER.size : HEADER.size + 4] == bytes.fromhex("0000803e")  # 0.25
    assert data[HEADER.size + 17 * 4 : HEADER.size + 18 * 4] == bytes.fromhex("0000003f")  # 0.5
    frame = decode_frame(data, (52,))
    assert (frame.sequence, frame.voiced, frame.stream_time) == (3, True, 0.28)
    assert frame.sent - frame.received == pytest.approx(0.0025, abs=1e-6)
    np.testing.assert_array_equal(frame.values, golden_values())


def test_landmark_frame_round_trip() -> None:
    points = np.arange(478 * 3, dtype=np.float32).reshape(478, 3)
    data = encode_frame(9, Representation.LANDMARKS_3D, False, 1.0, 2.0, 3.0, points)
    frame = decode_frame(data, (478, 3))
    assert frame.representation is Representation.LANDMARKS_3D and not frame.voiced
    np.testing.assert_array_equal(frame.values, points)


def test_pcm_is_s16le() -> None:
    assert encode_pcm(
        np.array([0.0, 0.5, -0.5, -1.0, 1.0])
    ).hex() == "00000040 00c00080 ff7f".replace(" ", "")
    np.testing.assert_array_equal(decode_pcm(bytes.fromhex("0040 00c0"), 100), [0.5, -0.5])


@pytest.mark.parametrize(
    ("message", "problem"),
    [("text", "text message"), (b"\x00" * 3, "whole s16le"), (b"\x00" * 102, "exceeds")],
)
def test_bad_pcm_is_one_clear_error(message: bytes | str, problem: str) -> None:
    with pytest.raises(StreamProtocolError, match=problem):
        decode_pcm(message, 100)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_decode_frame_never_crashes_on_garbage(data: bytes) -> None:
    try:
        frame = decode_frame(data, (52,))
    except StreamProtocolError:
        return
    assert data[:4] == b"TRKF" and frame.values.shape == (52,)


@pytest.mark.parametrize(
    "text",
    ["not json", json.dumps([1]), json.dumps({"type": "hello", "protocol": "x", "version": 1}),
     json.dumps({"type": "hello", "protocol": "talkrig-stream", "version": 1, "model": {}})],
)  # fmt: skip
def test_bad_hello_is_one_clear_error(text: str) -> None:
    with pytest.raises(StreamProtocolError):
        parse_hello(text)


def test_hello_round_trip(model: Model) -> None:
    msg = parse_hello(hello(model.card, {"max_message_bytes": 32_000}))
    assert msg["model"]["window_samples"] == model.card.window_samples
    assert msg["audio"] == {"format": "s16le", "sample_rate": 16_000, "channels": 1}
