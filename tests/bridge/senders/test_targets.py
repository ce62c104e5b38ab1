"""``make_target``: every scheme, every kind of bad spec, and failing targets that never raise."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from talkrig.bridge.senders.ifacialmocap import IFacialMocapListener, IFacialMocapPushSender
from talkrig.bridge.senders.livelink import LiveLinkSender
from talkrig.bridge.senders.recorders import CsvRecorder, JsonlRecorder
from talkrig.bridge.senders.targets import TargetError, make_target
from talkrig.bridge.senders.udp import UdpSender
from talkrig.bridge.senders.unity_osc import UnityOscSender
from talkrig.bridge.senders.vmc import VmcSender
from tests.bridge.senders.helpers import PACE_S, blend_frame


@pytest.mark.parametrize(
    ("spec", "cls", "address"),
    [
        ("unity://127.0.0.1:9000", UnityOscSender, ("127.0.0.1", 9000)),
        ("unity://", UnityOscSender, ("127.0.0.1", 39541)),
        ("UNITY://localhost", UnityOscSender, ("127.0.0.1", 39541)),
        ("vmc://127.0.0.1", VmcSender, ("127.0.0.1", 39539)),
        ("vmc://127.0.0.1:39540/?names=camel", VmcSender, ("127.0.0.1", 39540)),
        ("livelink://[::1]:11112?subject=Face&device=abc", LiveLinkSender, ("::1", 11112)),
        ("ifacialmocap://127.0.0.1", IFacialMocapPushSender, ("127.0.0.1", 49983)),
        ("ifacialmocap://127.0.0.1:5000?version=v2", IFacialMocapPushSender, ("127.0.0.1", 5000)),
    ],
)
def test_network_specs(spec: str, cls: type, address: tuple[str, int]) -> None:
    with make_target(spec) as sender:
        assert sender.spec == spec
        assert type(sender) is cls
        assert isinstance(sender, UdpSender) and sender.address == address


def test_listener_and_recorder_specs(tmp_path: Path) -> None:
    with make_target("ifacialmocap://?listen=0") as listener:
        assert isinstance(listener, IFacialMocapListener) and listener.listen_port > 0
    with make_target(f"csv:{tmp_path / 'a.csv'}") as rec:
        assert isinstance(rec, CsvRecorder)
    with make_target(f"  jsonl:{tmp_path / 'a.jsonl'}  ") as rec:
        assert isinstance(rec, JsonlRecorder)


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("", "unknown target scheme"),
        ("osc://127.0.0.1:9000", "unknown target scheme 'osc'"),
        ("127.0.0.1:9000", "unknown target scheme"),
        ("vmc:127.0.0.1:39539", "expected vmc://host:port"),
        ("vmc://127.0.0.1:99999", "port 99999 is not a destination (use 1-65535)"),
        ("vmc://127.0.0.1:-1", "port -1 is not a destination (use 1-65535)"),
        ("vmc://127.0.0.1:port", "port port is not a destination (use 1-65535)"),
        ("unity://127.0.0.1:0", "port 0"),
        ("unity://[::1]:0", "port 0 is not a destination (use 1-65535)"),
        ("vtubestudio://127.0.0.1:70000", "port 70000 is not a destination (use 1-65535)"),
        ("unity://bad host:9000", "malformed host"),
        ("unity://no-such-host.invalid:9000", "no-such-host.invalid"),
        ("unity://127.0.0.1:9000/extra", "extra parts"),
        ("unity://user@127.0.0.1:9000", "extra parts"),
        ("unity://127.0.0.1#frag", "extra parts"),
        ("vmc://127.0.0.1?names=kebab", "names must be one of"),
        ("vmc://127.0.0.1?colour=red", "unknown option 'colour'"),
        ("vmc://127.0.0.1?names=camel&names=pascal", "given twice"),
        ("vmc://127.0.0.1?names", "bad query"),
        ("livelink://127.0.0.1?subject=", "subject"),
        ("ifacialmocap://127.0.0.1?version=v9", "version must be"),
        ("ifacialmocap://?listen=65536", "listen=65536 is not a port to listen on (use 1-65535"),
        ("ifacialmocap://?listen=abc", "listen=abc is not a port to listen on"),
        ("ifacialmocap://?reply_port=0", "reply_port=0 is not a destination (use 1-65535)"),
        ("ifacialmocap://?version=v2", "unknown option 'version'"),
        ("csv:", "needs a file path"),
        ("jsonl:/definitely/not/here/take.jsonl", "does not exist"),
    ],
)
def test_bad_specs_raise_one_clear_error(spec: str, problem: str) -> None:
    with pytest.raises(TargetError) as info:
        make_target(spec)
    message = str(info.value)
    assert problem in message
    assert repr(spec.strip()) in message or repr(spec) in message  # names the spec
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("scheme", ["unity", "vmc", "livelink", "ifacialmocap"])
def test_dead_target_counts_errors_and_never_raises(scheme: str, closed_port: int) -> None:
    with make_target(f"{scheme}://127.0.0.1:{closed_port}") as sender:
        for seq in range(4):
            sender.send(blend_frame(seq))  # must not raise
            time.sleep(PACE_S)
        state = sender.state()
    # ICMP refusals surface on the send after the refused one, so errors alternate with sends.
    assert state.errors >= 1
    assert state.last_error is not None and "ConnectionRefusedError" in state.last_error


def test_target_recovers_when_the_receiver_appears(closed_port: int) -> None:
    with make_target(f"vmc://127.0.0.1:{closed_port}") as sender:
        for seq in range(3):
            sender.send(blend_frame(seq))
            time.sleep(PACE_S)
        assert sender.state().errors >= 1
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as late:
            late.bind(("127.0.0.1", closed_port))
            late.settimeout(0.5)
            for seq in range(9, 12):  # a refusal still pending may cost one more frame
                sender.send(blend_frame(seq))
                if sender.state().ok:
                    break
            assert late.recv(65_535)  # frames arrive again
        assert sender.state().ok


def test_close_is_idempotent_and_send_after_close_is_counted() -> None:
    sender = make_target("vmc://127.0.0.1:9")
    sender.close()
    sender.close()
    sender.send(blend_frame(0))
    assert sender.state().errors == 1
