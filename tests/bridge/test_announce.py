"""Unity avatar announcements over real UDP on loopback, garbage included."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from pythonosc.osc_message_builder import OscMessageBuilder

from talkrig.bridge.announce import (
    ADDRESS,
    AnnounceError,
    AnnounceListener,
    parse_announcement,
)

WAIT_S = 5.0


def _osc_string(text: str) -> bytes:
    raw = text.encode("utf-8")
    return raw + b"\0" * (4 - len(raw) % 4)


def announcement(port: int, *avatars: str) -> bytes:
    """Written from the OSC 1.0 rules (as AvatarAnnouncement.cs encodes it), not python-osc."""
    tags = "," + "i" + "s" * len(avatars)
    body = _osc_string(ADDRESS) + _osc_string(tags) + struct.pack(">i", port)
    return body + b"".join(_osc_string(a) for a in avatars)


def test_hand_encoded_bytes_match_the_documented_example() -> None:
    # /talkrig/avatars (16 B + 4 NUL), ",is" + NUL, int32 39541, "default" + NUL: 36 bytes
    expected = bytes.fromhex(
        "2f74616c 6b726967 2f617661 74617273 00000000 2c697300 00009a75 64656661 756c7400"
    )
    assert announcement(39541, "default") == expected
    assert parse_announcement(expected) == (39541, ("default",))


class Clock:
    """A clock the test moves by hand, so expiry needs no sleeping."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def listener(clock: Clock) -> Iterator[AnnounceListener]:
    with AnnounceListener(port=0, ttl_s=5.0, max_receivers=3, max_avatars=4, clock=clock) as li:
        yield li


@pytest.fixture
def send(listener: AnnounceListener) -> Iterator[Callable[[bytes], None]]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def send(datagram: bytes) -> None:
        sock.sendto(datagram, listener.address)

    yield send
    sock.close()


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the listener"
        time.sleep(0.01)


def test_announced_avatars_are_listed_and_repeats_replace(
    listener: AnnounceListener, send: Callable[[bytes], None]
) -> None:
    send(announcement(39541, "default", "ミカ"))
    wait_for(lambda: listener.received == 1)
    assert [(a.host, a.port, a.avatar) for a in listener.avatars()] == [
        ("127.0.0.1", 39541, "default"),
        ("127.0.0.1", 39541, "ミカ"),
    ]
    assert listener.avatars()[1].label == "Unity: ミカ @ 39541"
    send(announcement(39541, "hero"))  # the scene changed: its list is replaced, not merged
    builder = OscMessageBuilder(ADDRESS)  # an independent encoder
    builder.add_arg(40000, "i")
    builder.add_arg("villain", "s")
    send(builder.build().dgram)
    wait_for(lambda: listener.received == 3)
    assert [a.avatar for a in listener.avatars()] == ["hero", "villain"]


def test_garbage_is_counted_never_fatal(
    listener: AnnounceListener, send: Callable[[bytes], None]
) -> None:
    garbage = [
        b"",
        b"\xff" * 40,
        b"/talkrig/avatars\0\0\0\0",  # no type tags
        announcement(39541, "x")[:-3],  # truncated
        announcement(0, "x"),  # port out of range
        _osc_string("/other") + _osc_string(",is") + struct.pack(">i", 1) + _osc_string("a"),
        _osc_string(ADDRESS) + _osc_string(",si") + _osc_string("a") + struct.pack(">i", 1),
        _osc_string(ADDRESS) + _osc_string(",is") + struct.pack(">i", 1) + b"\xff\xfe\0\0",
        announcement(39541, "x" * 65),  # avatar id too long
        _osc_string(ADDRESS) + _osc_string(",i") + struct.pack(">i", 39541)[:2],
    ]
    for datagram in garbage:
        send(datagram)
    send(announcement(39541, "still-alive"))
    wait_for(lambda: listener.garbage + listener.received == len(garbage) + 1)
    assert listener.garbage == len(garbage)
    assert listener.last_problem is not None and "127.0.0.1" in listener.last_problem
    assert [a.avatar for a in listener.avatars()] == ["still-alive"]


def test_entries_expire_and_the_caps_hold(
    listener: AnnounceListener, send: Callable[[bytes], None], clock: Clock
) -> None:
    send(announcement(1001, *(f"a{i}" for i in range(10))))
    wait_for(lambda: listener.received == 1)
    assert [a.avatar for a in listener.avatars()] == ["a0", "a1", "a2", "a3"]  # max_avatars
    clock.now += 3.0
    for port in (1002, 1003, 1004):  # a fourth receiver pushes out the least recently heard
        send(announcement(port, "b"))
    wait_for(lambda: listener.received == 4)
    assert sorted({a.port for a in listener.avatars()}) == [1002, 1003, 1004]
    clock.now += 5.5
    assert listener.avatars() == []


def test_bad_datagrams_raise_one_clear_error() -> None:
    with pytest.raises(AnnounceError, match="not an OSC message"):
        parse_announcement(b"\x00\x01")
    with pytest.raises(AnnounceError, match="port"):
        parse_announcement(announcement(70000, "a"))


def test_a_busy_port_is_one_clear_error_and_close_joins() -> None:
    first = AnnounceListener(port=0)
    with first, pytest.raises(AnnounceError, match=f"udp 127.0.0.1:{first.address[1]}"):
        AnnounceListener(port=first.address[1])
    assert not any(t.name == "talkrig-announce" for t in threading.enumerate())
    with AnnounceListener(port=first.address[1]):  # the port is free again after close
        pass
