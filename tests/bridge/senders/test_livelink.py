"""Live Link Face v6 packets (docs/wire-formats.md §3) over real loopback UDP."""

from __future__ import annotations

import socket
import struct
import time

import numpy as np
import pytest

from talkrig.bridge.senders.livelink import LiveLinkEncoder, LiveLinkSender
from talkrig.bridge.senders.targets import TargetError, make_target
from tests.bridge.senders.decoders import DecodeError, decode_livelink
from tests.bridge.senders.helpers import PACE_S, blend_frame, drain, landmark_frame, receive


def test_packet_over_udp_round_trips(receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    frame = blend_frame(1234)
    with make_target(f"livelink://127.0.0.1:{port}?subject=Mika") as sender:
        sender.send(frame)
        (packet,) = receive(receiver, 1)
        assert isinstance(sender, LiveLinkSender)
        device = sender.device_id
    decoded = decode_livelink(packet)
    assert len(device) == 36 and decoded.device_id == device
    assert len(packet) == 270 + 36 + len("Mika")
    assert (decoded.subject, decoded.frame_number, decoded.subframe) == ("Mika", 1234, 0.0)
    assert decoded.rate == (25, 1)
    np.testing.assert_array_equal(np.array(decoded.values[:52], np.float32), frame.blendshapes)
    assert decoded.values[52:] == (0.0,) * 9


@pytest.mark.parametrize(("device", "subject"), [("dev", "S"), ("x" * 100, "Ünïcode subject")])
def test_length_is_270_plus_n_plus_m(device: str, subject: str) -> None:
    packet = bytes(LiveLinkEncoder(device, subject).encode(7, np.zeros(52, np.float32)))
    n, m = len(device.encode()), len(subject.encode())
    assert len(packet) == 270 + n + m
    assert decode_livelink(packet).subject == subject
    # Version and count are where Unreal checks them; the struct decoder refuses corruption.
    corrupt = bytearray(packet)
    corrupt[0] = 5
    with pytest.raises(DecodeError, match="version 5"):
        decode_livelink(bytes(corrupt))


def test_default_port_subject_and_fresh_device_ids(receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    with make_target("livelink://127.0.0.1") as a, make_target(f"livelink://127.0.0.1:{port}") as b:
        assert isinstance(a, LiveLinkSender) and isinstance(b, LiveLinkSender)
        assert a.address == ("127.0.0.1", 11111)
        assert a.device_id != b.device_id
        b.send(blend_frame(0))
        (packet,) = receive(receiver, 1)
    assert decode_livelink(packet).subject == "TalkRig"


def test_frame_number_wraps_as_int32() -> None:
    packet = bytes(LiveLinkEncoder("d", "s").encode(2**31 + 5, np.zeros(52, np.float32)))
    (number,) = struct.unpack_from(">i", packet, 1 + 4 + 1 + 4 + 1)
    assert number == -(2**31) + 5


def test_landmark_frames_are_skipped(receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    with make_target(f"livelink://127.0.0.1:{port}") as sender:
        sender.send(landmark_frame(0))
        assert drain(receiver, 0.1) == []
        assert isinstance(sender, LiveLinkSender) and sender.skipped_frames == 1


def test_closed_port_is_an_error_not_an_exception(closed_port: int) -> None:
    with make_target(f"livelink://127.0.0.1:{closed_port}") as sender:
        for seq in range(4):  # the ICMP reply to one send surfaces on the next
            sender.send(blend_frame(seq))
            time.sleep(PACE_S)
        state = sender.state()
    assert state.errors >= 1 and not state.ok
    assert state.last_error is not None and "ConnectionRefused" in state.last_error


def test_bad_subject_is_a_target_error() -> None:
    with pytest.raises(TargetError, match="subject"):
        make_target("livelink://127.0.0.1?subject=" + "x" * 300)
