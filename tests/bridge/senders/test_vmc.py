"""VMC face sender (docs/wire-formats.md §2) over real loopback UDP."""

from __future__ import annotations

import socket
import time
from typing import Any

import numpy as np
import pytest
from pythonosc.osc_bundle import OscBundle

from talkrig.bridge.senders.osc_template import MAX_DATAGRAM
from talkrig.bridge.senders.targets import make_target
from talkrig.bridge.senders.vmc import (
    APPLY_ADDRESS,
    OK_ADDRESS,
    TIME_ADDRESS,
    VAL_ADDRESS,
    VmcFrameTemplate,
    VmcSender,
)
from talkrig.models import arkit
from tests.bridge.senders.decoders import decode_osc
from tests.bridge.senders.helpers import PACE_S, blend_frame, drain, landmark_frame, receive


def _both(datagram: bytes) -> list[tuple[str, list[Any]]]:
    """Decode a bundle with the struct decoder and python-osc; they must agree."""
    timetag, messages = decode_osc(datagram)
    assert timetag == 1  # "immediately"
    parsed = OscBundle(datagram)
    assert [(m.address, m.params) for m in parsed] == messages
    return messages


def _values(datagrams: list[bytes]) -> dict[str, float]:
    out: dict[str, float] = {}
    for datagram in datagrams:
        for address, args in _both(datagram):
            if address == VAL_ADDRESS:
                out[args[0]] = args[1]
    return out


@pytest.mark.parametrize(
    ("style", "names"), [("pascal", arkit.PASCAL_NAMES), ("camel", arkit.NAMES)]
)
def test_frame_bundles(receiver: socket.socket, style: str, names: tuple[str, ...]) -> None:
    port = receiver.getsockname()[1]
    frame = blend_frame(3)
    with make_target(f"vmc://127.0.0.1:{port}?names={style}") as sender:
        sender.send(frame)
        datagrams = receive(receiver, 3)  # liveness, 31 Vals, 21 Vals + Apply
    liveness, *bundles = datagrams
    assert [a for a, _ in _both(liveness)] == [OK_ADDRESS, TIME_ADDRESS]
    assert all(len(d) <= MAX_DATAGRAM for d in datagrams)
    messages = [m for d in bundles for m in _both(d)]
    assert [a for a, _ in messages] == [VAL_ADDRESS] * 52 + [APPLY_ADDRESS]
    assert _both(bundles[-1])[-1] == (APPLY_ADDRESS, [])
    assert [len(_both(d)) for d in bundles] == [31, 22]
    values = _values(bundles)
    assert list(values) == list(names)
    np.testing.assert_array_equal(np.array(list(values.values()), np.float32), frame.blendshapes)


def test_avatar_values_replace_arkit_names(receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    vowels = (("A", 0.75), ("I", 0.0), ("U", 0.25), ("E", 0.0), ("O", 0.5))
    with make_target(f"vmc://127.0.0.1:{port}") as sender:
        sender.send(blend_frame(0, avatar_values=vowels))
        _, bundle = receive(receiver, 2)
        time.sleep(PACE_S)
        sender.send(blend_frame(1, avatar_values=(("Blink", 1.0),)))  # a new name set: rebuilt
        (bundle2,) = receive(receiver, 1)
    assert _values([bundle]) == dict(vowels)
    assert _both(bundle)[-1][0] == APPLY_ADDRESS
    assert _values([bundle2]) == {"Blink": 1.0}


def test_liveness_about_once_a_second(receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    with make_target(f"vmc://127.0.0.1:{port}") as sender:
        for seq in range(5):
            sender.send(blend_frame(seq))
            time.sleep(PACE_S)
        datagrams = drain(receiver)
    oks = [d for d in datagrams if _both(d)[0][0] == OK_ADDRESS]
    assert len(datagrams) == 5 * 2 + 1 and len(oks) == 1
    (ok, t) = _both(oks[0])
    assert ok == (OK_ADDRESS, [1]) and t[0] == TIME_ADDRESS and 0.0 <= t[1][0] < 1.0


def test_landmark_frames_are_skipped(receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    with make_target(f"vmc://127.0.0.1:{port}") as sender:
        sender.send(landmark_frame(0))
        assert drain(receiver, 0.1) == []
        assert isinstance(sender, VmcSender) and sender.skipped_frames == 1
        assert sender.state().errors == 0


def test_greedy_split_keeps_apply_last_for_long_names() -> None:
    names = [f"Custom_{i:03d}_" + "x" * 40 for i in range(60)]
    template = VmcFrameTemplate(names)
    datagrams = [bytes(d) for d in template.encode(np.linspace(0, 1, 60, dtype=np.float32))]
    assert len(datagrams) > 2 and all(len(d) <= MAX_DATAGRAM for d in datagrams)
    addresses = [a for d in datagrams for a, _ in _both(d)]
    assert addresses == [VAL_ADDRESS] * 60 + [APPLY_ADDRESS]
    assert list(_values(datagrams)) == names
