"""TalkRig's own OSC address space (docs/osc-address-space.md), over real loopback UDP."""

from __future__ import annotations

import random
import socket
from typing import Any

import numpy as np
import pytest
from pythonosc.osc_message import OscMessage

from talkrig.bridge.senders.osc_template import MAX_DATAGRAM
from talkrig.bridge.senders.targets import TargetError, make_target
from talkrig.bridge.senders.unity_osc import (
    BLENDSHAPES_ADDRESS,
    HELLO_ADDRESS,
    LANDMARKS_ADDRESS,
    UnityOscEncoder,
    split_time,
)
from tests.bridge.senders.decoders import decode_osc_message
from tests.bridge.senders.helpers import blend_frame, landmark_frame, receive


def _micros(hi: int, lo: int) -> int:
    """What a C# receiver does: ``((long)(uint)hi << 32) | (uint)lo``."""
    return ((hi & 0xFFFFFFFF) << 32) | (lo & 0xFFFFFFFF)


def _both(datagram: bytes) -> tuple[str, list[Any]]:
    """Decode with the struct decoder and python-osc; they must agree."""
    address, args = decode_osc_message(datagram)
    parsed = OscMessage(datagram)
    assert parsed.address == address
    assert parsed.params == args
    return address, args


def test_blendshape_message_fields() -> None:
    frame = blend_frame(41, avatar="Mika ミカ", voiced=False)
    (datagram,) = UnityOscEncoder().encode(frame, frame.avatar)
    address, args = _both(bytes(datagram))
    assert address == BLENDSHAPES_ADDRESS
    avatar, sequence, hi, lo, flags, *values = args
    assert (avatar, sequence, flags) == ("Mika ミカ", 41, 0)
    assert _micros(hi, lo) == round(frame.capture_time * 1e6)
    np.testing.assert_array_equal(np.array(values, dtype=np.float32), frame.blendshapes)
    assert len(datagram) <= MAX_DATAGRAM


def test_split_time_is_unsigned_microseconds() -> None:
    hi, lo = split_time(1_767_225_600.125)
    assert _micros(hi, lo) == 1_767_225_600_125_000
    assert 0 <= lo < 2**32 and hi == 1_767_225_600_125_000 >> 32


def _reassemble(datagrams: list[bytes]) -> dict[tuple[str, int], np.ndarray]:
    """A reference receiver: keep chunks per (avatar, sequence), emit only complete frames."""
    partial: dict[tuple[str, int], dict[int, tuple[int, list[float]]]] = {}
    done: dict[tuple[str, int], np.ndarray] = {}
    for datagram in datagrams:
        address, args = decode_osc_message(datagram)
        assert address == LANDMARKS_ADDRESS
        avatar, seq, _hi, _lo, _flags, points, dims, index, count, first, *coords = args
        chunks = partial.setdefault((avatar, seq), {})
        chunks[index] = (first, coords)
        if len(chunks) == count:
            out = np.full((points, dims), np.nan, dtype=np.float32)
            for start, flat in chunks.values():
                out[start : start + len(flat) // dims] = np.reshape(flat, (-1, dims))
            done[(avatar, seq)] = out
    return done


@pytest.mark.parametrize(("points", "dims", "chunks"), [(478, 3, 6), (68, 2, 1)])
def test_landmark_chunks_fit_and_reassemble(points: int, dims: int, chunks: int) -> None:
    frame = landmark_frame(3, points, dims)
    avatar = "a" * 64  # the longest avatar id allowed: the worst case for datagram size
    datagrams = [bytes(d) for d in UnityOscEncoder().encode(frame, avatar)]
    assert len(datagrams) == chunks
    assert max(len(d) for d in datagrams) <= MAX_DATAGRAM
    for index, datagram in enumerate(datagrams):
        _, args = _both(datagram)
        assert args[7:9] == [index, chunks]
    random.Random(0).shuffle(datagrams)  # UDP may reorder
    frames = _reassemble(datagrams)
    np.testing.assert_array_equal(frames[(avatar, 3)], frame.landmarks)


def test_incomplete_landmark_frame_is_not_emitted() -> None:
    frame = landmark_frame(4)
    datagrams = [bytes(d) for d in UnityOscEncoder().encode(frame, "default")]
    assert _reassemble(datagrams[:-1]) == {}


def test_encoder_follows_avatar_changes() -> None:
    encoder = UnityOscEncoder()
    first = bytes(encoder.encode(blend_frame(1), "left")[0])
    second = bytes(encoder.encode(blend_frame(2), "a-much-longer-avatar-name")[0])
    assert _both(first)[1][0] == "left"
    assert _both(second)[1][0] == "a-much-longer-avatar-name"


def test_bad_avatar_is_refused() -> None:
    with pytest.raises(ValueError, match="64 UTF-8 bytes"):
        UnityOscEncoder().encode(blend_frame(), "é" * 33)  # 66 bytes
    with pytest.raises(TargetError, match="avatar"):
        make_target("unity://127.0.0.1:9?avatar=")


def test_sender_sends_hello_then_frames(receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    with make_target(f"unity://127.0.0.1:{port}") as sender:
        sender.send(blend_frame(0, avatar="left"))
        hello, frame0 = receive(receiver, 2)
        sender.send(landmark_frame(1))
        landmarks = receive(receiver, 6)  # within a second of the hello: no second hello
        state = sender.state()
    assert decode_osc_message(hello) == (
        HELLO_ADDRESS,
        ["talkrig", 1, "left", "blendshapes", 52, 1, 25],
    )
    assert _both(frame0)[1][:2] == ["left", 0]
    assert {_both(d)[0] for d in landmarks} == {LANDMARKS_ADDRESS}
    assert (state.frames_sent, state.errors) == (2, 0)


def test_pinned_avatar_overrides_frames(receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    with make_target(f"unity://127.0.0.1:{port}", avatar="stage") as sender:
        sender.send(blend_frame(5, avatar="ignored"))
        hello, frame = receive(receiver, 2)
    assert decode_osc_message(hello)[1][2] == "stage"
    assert _both(frame)[1][0] == "stage"
