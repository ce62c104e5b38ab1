"""Checking target specs before they join the list: real binds on real UDP ports (no Qt)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from talkrig.app.target_check import check_target, listen_port
from talkrig.bridge.senders.ifacialmocap import DEFAULT_PORT
from talkrig.bridge.senders.targets import TargetError


@pytest.fixture
def held_port() -> Iterator[int]:
    """A UDP port some socket holds, as a running iFacialMocap listener would."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", 0))
    try:
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


@pytest.mark.parametrize(
    ("spec", "port"),
    [
        ("ifacialmocap://", DEFAULT_PORT),
        ("ifacialmocap://?listen=5000&reply_port=7", 5000),
        (" IFACIALMOCAP://?reply_port=7 ", DEFAULT_PORT),
        ("ifacialmocap://?listen=0", None),  # ephemeral: never shared
        ("ifacialmocap://?listen=99999", None),
        ("ifacialmocap://?listen=x", None),
        ("ifacialmocap://127.0.0.1:5000", None),  # push mode binds nothing fixed
        ("vmc://127.0.0.1:39539", None),
        ("csv:take.csv", None),
        ("", None),
    ],
)
def test_listen_port(spec: str, port: int | None) -> None:
    assert listen_port(spec) == port


def test_a_listener_port_in_use_is_refused_unless_the_row_itself_holds_it(held_port: int) -> None:
    old = f"ifacialmocap://?listen={held_port}"
    new = f"ifacialmocap://?listen={held_port}&reply_port=40000"
    with pytest.raises(TargetError, match="in use"):
        check_target(new)
    with pytest.raises(TargetError, match="in use"):  # another row's port stays refused
        check_target(new, replacing="ifacialmocap://?listen=1")
    check_target(new, replacing=old)  # the edited row frees its own port before rebinding
    check_target(f"ifacialmocap://?reply_port=40000&listen={held_port}", replacing=old)


def test_a_bad_option_on_the_row_s_own_port_names_the_typed_spec(held_port: int) -> None:
    bad = f"ifacialmocap://?listen={held_port}&reply_port=0"
    with pytest.raises(TargetError) as caught:
        check_target(bad, replacing=f"ifacialmocap://?listen={held_port}")
    assert str(caught.value) == f"target {bad!r}: reply_port=0 is not a destination (use 1-65535)"
    with pytest.raises(TargetError, match="unknown option 'colour'"):
        check_target(f"ifacialmocap://?listen={held_port}&colour=red", replacing=bad)
