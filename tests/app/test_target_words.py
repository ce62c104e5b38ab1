"""Target states and app messages in plain words: no exception names, no errno numbers."""

from __future__ import annotations

import socket

import pytest

from talkrig.app.target_words import PROBLEM, condition, open_failure, scrub, state_text
from talkrig.bridge.senders.base import SenderState
from talkrig.bridge.senders.targets import TargetError, make_target


def _state(spec: str, error: str | None, ok: bool, sent: int = 3) -> SenderState:
    return SenderState(spec, sent, 0 if error is None else 2, error, None, ok)


@pytest.mark.parametrize(
    ("message", "plain"),
    [
        ("OSError: [Errno 101] Network is unreachable", "Network is unreachable"),
        (
            "model 'x' cannot be loaded: ModelError: bad file",
            "model 'x' cannot be loaded: bad file",
        ),
        ("audio input: [Errno -9996] Invalid device", "audio input: Invalid device"),
        ("nothing wrong here", "nothing wrong here"),
        (
            "cannot open input device 'USB Mic': Error opening InputStream: Invalid number of "
            "channels [PaErrorCode -9998]",
            "cannot open input device 'USB Mic': Error opening InputStream: Invalid number of "
            "channels",
        ),
    ],
)
def test_scrub_leaves_words_only(message: str, plain: str) -> None:
    assert scrub(message) == plain


def test_a_refused_vmc_target_names_the_receiver_to_switch_on() -> None:
    state = _state(
        "vmc://127.0.0.1:39539", "ConnectionRefusedError: [Errno 111] Connection refused", False
    )
    assert condition(state) == (
        "nothing is listening on 127.0.0.1:39539 — is VSeeFace's VMC receiver on?"
    )
    assert state_text(state, 0.0).startswith(PROBLEM + "nothing is listening")


def test_conditions_of_a_healthy_target() -> None:
    assert (
        condition(_state("unity://127.0.0.1:39541", None, True, sent=0))
        == "waiting for the first frame"
    )
    assert condition(_state("unity://127.0.0.1:39541", None, True)) == "sending"


def test_a_fatal_target_says_it_stopped_and_why() -> None:
    state = SenderState(
        "csv:take.csv",
        9,
        1,
        "OSError: x",
        None,
        False,
        fatal="cannot write take.csv: No space left on device",
    )
    assert condition(state) == "stopped: cannot write take.csv: No space left on device"


def test_a_taken_listen_port_is_explained_from_the_real_error() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy:
        busy.bind(("0.0.0.0", 0))
        port = busy.getsockname()[1]
        spec = f"ifacialmocap://?listen={port}"
        with pytest.raises(TargetError) as caught:
            make_target(spec)
    text = open_failure(spec, str(caught.value))
    assert text.startswith(f"UDP port {port} here is taken by another program")
    assert "Errno" not in text


def test_any_other_open_failure_keeps_its_words_without_numbers() -> None:
    with pytest.raises(TargetError) as caught:
        make_target("vmc://127.0.0.1:99999")
    text = open_failure("vmc://127.0.0.1:99999", str(caught.value))
    assert "99999" in text and "target '" not in text and "Errno" not in text


def test_vtube_studio_before_its_user_clicks_allow() -> None:
    state = _state("vtubestudio://127.0.0.1:8001", None, False, sent=12)
    assert "click Allow in VTube Studio" in condition(state)
    assert state_text(state).startswith("connecting — click Allow") and not state_text(
        state
    ).startswith(PROBLEM)
