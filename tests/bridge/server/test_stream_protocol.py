"""The wire format: round trips and garbage in (the documented bytes: test_protocol_doc.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talkrig.bridge.stream_protocol import (
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
