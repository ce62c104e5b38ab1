"""iFacialMocap (docs/wire-formats.md §4): text frames, the trigger handshake, push mode.

A real UDP client on loopback plays the receiving PC (VSeeFace & co.); the listener binds an
ephemeral port (``?listen=0``) because 49983 may be taken by a parallel test or a real app.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from talkrig.bridge.senders.ifacialmocap import (
    TRIGGER,
    V2_SUFFIX,
    IFacialMocapListener,
    encode_frame,
    parse_trigger,
)
from talkrig.bridge.senders.targets import TargetError, make_target
from talkrig.models import arkit
from tests.bridge.senders.decoders import decode_ifacialmocap
from tests.bridge.senders.helpers import PACE_S, blend_frame, drain, landmark_frame, receive


@pytest.mark.parametrize(("version", "sep"), [("v1", "-"), ("v2", "&")])
def test_frame_text(version: str, sep: str) -> None:
    values = np.linspace(0, 1, 52, dtype=np.float32)
    values[0], values[1], values[2] = 0.125, -0.2, 1.7  # half-even tie; out of range clamps
    datagram = encode_frame(values, version)
    decoded = decode_ifacialmocap(datagram)
    assert decoded.version == version
    assert list(decoded.values) == list(arkit.IFACIALMOCAP_KEYS)
    expected = [round(float(v) * 100) for v in np.clip(values, 0, 1)]
    assert list(decoded.values.values()) == expected
    assert list(decoded.values.values())[:3] == [12, 0, 100]
    assert decoded.head == (0.0,) * 6 and decoded.left_eye == decoded.right_eye == (0.0,) * 3
    text = datagram.decode()
    assert text.startswith(f"eyeBlink_L{sep}12|") and f"|jawLeft{sep}" in text
    assert text.endswith("|=head#0.0,0.0,0.0,0.0,0.0,0.0|rightEye#0.0,0.0,0.0|leftEye#0.0,0.0,0.0|")


@pytest.mark.parametrize(
    ("data", "version"),
    [
        (TRIGGER, "v1"),
        (TRIGGER + V2_SUFFIX, "v2"),
        (TRIGGER + b"\n", "v1"),
        (TRIGGER + b"|sendDataVersion=v3", None),
        (b"iFacialMocap_", None),
        (b"\xff\xfe garbage", None),
        (b"", None),
    ],
)
def test_parse_trigger(data: bytes, version: str | None) -> None:
    assert parse_trigger(data) == version


@pytest.fixture
def listener() -> Iterator[IFacialMocapListener]:
    sender = make_target("ifacialmocap://?listen=0")
    assert isinstance(sender, IFacialMocapListener)
    yield sender
    sender.close()


@pytest.fixture
def pc() -> Iterator[socket.socket]:
    """The receiving PC: one socket that sends the trigger and receives the frames."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(2.0)
    yield sock
    sock.close()


def _wait_for(condition: Callable[[], bool], timeout_s: float = 2.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "listener did not see the datagram in time"
        time.sleep(0.01)


def test_nothing_before_a_trigger_then_frames_to_the_requester(
    listener: IFacialMocapListener, pc: socket.socket
) -> None:
    listener.send(blend_frame(0))
    assert drain(pc, 0.1) == []
    assert listener.requester is None and listener.skipped_frames == 1

    pc.sendto(TRIGGER, ("127.0.0.1", listener.listen_port))
    _wait_for(lambda: listener.requester is not None)
    assert listener.requester == (pc.getsockname(), "v1")
    frame = blend_frame(1)
    listener.send(frame)
    (datagram,) = receive(pc, 1)
    decoded = decode_ifacialmocap(datagram)
    assert decoded.version == "v1"
    assert decoded.values["jawOpen"] == round(
        float(frame.blendshapes[arkit.INDEX["jawOpen"]]) * 100
    )

    pc.sendto(TRIGGER + V2_SUFFIX, ("127.0.0.1", listener.listen_port))  # the PC asks for v2
    _wait_for(lambda: listener.requester == (pc.getsockname(), "v2"))
    time.sleep(PACE_S)
    listener.send(blend_frame(2))
    assert decode_ifacialmocap(receive(pc, 1)[0]).version == "v2"
    assert listener.state().errors == 0


def test_latest_requester_wins_and_garbage_is_ignored(
    listener: IFacialMocapListener, pc: socket.socket, receiver: socket.socket
) -> None:
    pc.sendto(TRIGGER, ("127.0.0.1", listener.listen_port))
    _wait_for(lambda: listener.requester is not None)
    receiver.sendto(b"not a trigger", ("127.0.0.1", listener.listen_port))
    _wait_for(lambda: listener.ignored_datagrams == 1)
    assert listener.requester == (pc.getsockname(), "v1")
    receiver.sendto(TRIGGER + V2_SUFFIX, ("127.0.0.1", listener.listen_port))
    _wait_for(lambda: listener.requester == (receiver.getsockname(), "v2"))
    listener.send(blend_frame(0))
    assert decode_ifacialmocap(receive(receiver, 1)[0]).version == "v2"
    assert drain(pc, 0.1) == []


def test_reply_port_option(pc: socket.socket, receiver: socket.socket) -> None:
    reply = receiver.getsockname()[1]
    with make_target(f"ifacialmocap://?listen=0&reply_port={reply}") as sender:
        assert isinstance(sender, IFacialMocapListener)
        pc.sendto(TRIGGER, ("127.0.0.1", sender.listen_port))
        _wait_for(lambda: sender.requester is not None)
        sender.send(blend_frame(0))
        assert decode_ifacialmocap(receive(receiver, 1)[0]).version == "v1"


def test_port_in_use_is_a_target_error(pc: socket.socket) -> None:
    taken = pc.getsockname()[1]
    with pytest.raises(TargetError, match="already in use"):
        make_target(f"ifacialmocap://?listen={taken}")


def test_close_joins_the_receive_thread() -> None:
    sender = make_target("ifacialmocap://?listen=0")
    assert isinstance(sender, IFacialMocapListener)
    name = f"talkrig-ifm-{sender.listen_port}"
    assert name in {t.name for t in threading.enumerate()}
    sender.close()
    sender.close()  # idempotent
    assert name not in {t.name for t in threading.enumerate()}


def test_push_mode(receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    with make_target(f"ifacialmocap://127.0.0.1:{port}?version=v2") as sender:
        sender.send(landmark_frame(0))  # skipped: iFacialMocap has no landmarks
        sender.send(blend_frame(1))
        (datagram,) = receive(receiver, 1)
    assert decode_ifacialmocap(datagram).version == "v2"
