"""Target states in plain words: real senders, real refusals on loopback."""

from __future__ import annotations

import socket
import time

import pytest

from talkrig.bridge.senders.advice import describe_state, explain_error, plain_message
from talkrig.bridge.senders.base import SenderState
from talkrig.bridge.senders.targets import make_target
from tests.bridge.senders.helpers import PACE_S, blend_frame


@pytest.mark.parametrize(
    ("scheme", "hint"),
    [
        ("vmc", "is VSeeFace's VMC receiver on?"),
        ("unity", "TalkRig Receiver"),
        ("livelink", "Live Link"),
        ("ifacialmocap", "iFacialMocap"),
    ],
)
def test_a_dead_udp_target_is_told_as_nothing_listening_with_the_fix(
    scheme: str, hint: str, closed_port: int
) -> None:
    with make_target(f"{scheme}://127.0.0.1:{closed_port}") as sender:
        for seq in range(4):
            sender.send(blend_frame(seq))
            time.sleep(PACE_S)
        words = describe_state(sender.state())
    assert words.startswith(f"nothing is listening on 127.0.0.1:{closed_port} — ")
    assert hint in words
    assert "Errno" not in words and "Error" not in words


def test_a_healthy_target_counts_its_frames(receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    with make_target(f"vmc://127.0.0.1:{port}") as sender:
        assert describe_state(sender.state()) == "waiting, no frames yet"
        for seq in range(3):
            sender.send(blend_frame(seq))
            time.sleep(PACE_S)
        assert describe_state(sender.state()) == "ok, 3 frames"


def test_the_default_port_is_named_when_the_spec_has_none() -> None:
    error = "ConnectionRefusedError: [Errno 111] Connection refused"
    assert explain_error("vmc://", error) == (
        "nothing is listening on 127.0.0.1:39539 — is VSeeFace's VMC receiver on?"
    )
    assert "192.168.1.20:11111" in explain_error("livelink://192.168.1.20?subject=A", error)


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("OSError: [Errno 113] No route to host", "10.0.0.9:39539 cannot be reached"),
        ("BlockingIOError: [Errno 11] Resource temporarily unavailable", "not taking frames"),
        ("TimeoutError: timed out", "no answer from 10.0.0.9:39539"),
        ("RuntimeError: vmc://10.0.0.9: sender is closed", "vmc://10.0.0.9: sender is closed"),
        ("OSError: [Errno 1094995529] Invalid data", "Invalid data"),
    ],
)
def test_other_failures_lose_class_names_and_errno_numbers(error: str, words: str) -> None:
    told = explain_error("vmc://10.0.0.9", error)
    assert words in told
    assert "Errno" not in told and not told.startswith(("OSError", "RuntimeError"))


def test_plain_message_keeps_a_message_that_has_no_class_name() -> None:
    assert plain_message("folder x: does not exist") == "folder x: does not exist"
    assert plain_message("ValueError: bad [Errno -2] thing") == "bad thing"


def test_an_error_that_has_recovered_reads_ok() -> None:
    state = SenderState("vmc://", 10, 1, "ConnectionRefusedError: x", 0.0, ok=True)
    assert describe_state(state) == "ok, 10 frames"


def test_a_target_that_cannot_go_on_says_so_and_why() -> None:
    state = SenderState(
        "csv:take.csv", 10, 1, "OSError: [Errno 28] No space left on device", 0.0, ok=False,
        fatal="csv:take.csv: [Errno 28] No space left on device; the take is kept up to row 10",
    )  # fmt: skip
    assert describe_state(state) == (
        "stopped: csv:take.csv: No space left on device; the take is kept up to row 10"
    )


def test_a_target_still_connecting_says_what_the_user_must_do() -> None:
    vts = SenderState("vtubestudio://", 0, 0, None, None, ok=False)
    assert describe_state(vts).startswith("connecting — click Allow in VTube Studio")
    other = SenderState("ws-thing://", 0, 0, None, None, ok=False)
    assert describe_state(other) == "connecting"
