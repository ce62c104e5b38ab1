"""A stream as the app runs it: real demo audio, real ONNX sessions, real UDP (no Qt)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from talkrig.app.settings import DEMO_DEVICE
from talkrig.app.stream import RemoteChoice, StartError, StreamSession
from talkrig.app.target_check import check_target
from talkrig.bridge.senders.targets import TargetError
from talkrig.bridge.server import ServerConfig, StreamServer
from talkrig.models.errors import ModelError
from talkrig.models.loader import load_model
from talkrig.models.registry import DEFAULT_MODEL, SHIPPED_DIR, Registry
from tests.app.conftest import drain
from tests.helpers import wait_until


def test_demo_stream_reaches_a_udp_receiver(udp_receiver: socket.socket) -> None:
    port = udp_receiver.getsockname()[1]
    session = StreamSession(
        Registry(), DEMO_DEVICE, DEFAULT_MODEL, None, [f"vmc://127.0.0.1:{port}", "vmc://h:0"]
    )
    try:
        assert len(session.target_errors) == 1 and "vmc://h:0" in session.target_errors[0]
        got: list[bytes] = []

        def received() -> bool:
            got.extend(drain(udp_receiver))
            return len(got) >= 3

        wait_until(received)
        assert all(g.startswith(b"#bundle") for g in got)
        wait_until(lambda: session.source.take_peak() > 0.01)
        frame = session.latest.take()
        assert frame is not None and frame.blendshapes is not None
    finally:
        session.stop()
    assert session.engine.finished.is_set()
    with pytest.raises(ModelError, match="closed"):
        session.model(np.zeros((1, session.model.card.window_samples), np.float32))


def test_model_swap_closes_the_old_model_once_the_engine_moved_on() -> None:
    session = StreamSession(Registry(), DEMO_DEVICE, DEFAULT_MODEL, None, [])
    try:
        old = session.model
        new = session.swap_model("baseline-energy-landmarks2d")
        wait_until(lambda: session.model is new)
        wait_until(lambda: (f := session.latest.take()) is not None and f.landmarks is not None)
        session.close_retired_models()
        with pytest.raises(ModelError, match="closed"):
            old(np.zeros((1, old.card.window_samples), np.float32))
        assert session.engine.error is None
    finally:
        session.stop()


def test_unknown_or_broken_model_is_one_start_error(tmp_path: Path) -> None:
    (tmp_path / "broken.onnx").write_bytes(b"garbage")
    registry = Registry([SHIPPED_DIR, tmp_path])
    with pytest.raises(StartError, match=r"'broken'.*broken"):
        StreamSession(registry, DEMO_DEVICE, "broken", None, [])
    with pytest.raises(StartError, match="no-such-model"):
        StreamSession(registry, DEMO_DEVICE, "no-such-model", None, [])


def test_missing_device_is_one_start_error() -> None:
    with pytest.raises(StartError, match=r"audio input.*'No Such Microphone'"):
        StreamSession(Registry(), "No Such Microphone", DEFAULT_MODEL, None, [])


def test_check_target(tmp_path: Path) -> None:
    check_target("vmc://127.0.0.1:39539")
    check_target(f"csv:{tmp_path / 'take.csv'}")
    assert not (tmp_path / "take.csv").exists()  # checking a recorder creates no file
    for bad in ("vmc://127.0.0.1:99999", "nope://x", f"csv:{tmp_path / 'missing' / 't.csv'}"):
        with pytest.raises(TargetError):
            check_target(bad)


def test_targets_change_while_streaming_and_the_others_keep_sending(
    receivers: list[socket.socket],
) -> None:
    socks = receivers
    a, b, c = (f"unity://127.0.0.1:{s.getsockname()[1]}" for s in socks)
    session = StreamSession(Registry(), DEMO_DEVICE, DEFAULT_MODEL, None, [a, b])
    try:
        wait_until(lambda: all(len(drain(s)) > 0 for s in socks[:2]))
        kept = session.targets.senders[0]
        engine = session.engine
        assert session.status_text() == f"{DEFAULT_MODEL} on CPU"  # what the status bar shows
        assert session.set_targets([a, c, "vmc://h:0"]) == [
            "target 'vmc://h:0': port 0 is not a destination (use 1-65535)"
        ]
        assert session.engine is engine and not engine.finished.is_set()
        assert [s.spec for s in session.targets.senders] == [a, c]
        assert session.targets.senders[0] is kept  # the unchanged target was not reopened
        drain(socks[1])
        time.sleep(0.2)  # a send to b would have landed by now
        assert drain(socks[1]) == []
        wait_until(lambda: len(drain(socks[2])) > 0)
        sent = kept.state().frames_sent
        wait_until(lambda: kept.state().frames_sent > sent + 2)
        session.set_avatar("hero")
        wait_until(lambda: any(b"hero" in d for d in drain(socks[0])))
    finally:
        session.stop()
    assert session.targets.senders == []


@pytest.fixture
def server() -> Iterator[StreamServer]:
    """A real ``talkrig serve`` on a free loopback port, with a token."""
    with load_model(DEFAULT_MODEL, providers="cpu") as model:
        stream_server = StreamServer(model, ServerConfig(port=0, token="s3cret"))
        stream_server.start()
        try:
            yield stream_server
        finally:
            stream_server.stop()


def test_remote_engine_streams_through_a_server_and_reports_reconnects(
    server: StreamServer, udp_receiver: socket.socket
) -> None:
    url = f"ws://127.0.0.1:{server.port}"
    spec = f"unity://127.0.0.1:{udp_receiver.getsockname()[1]}"
    session = StreamSession(
        Registry(), DEMO_DEVICE, "not-used-remotely", None, [spec], avatar="hero",
        remote=RemoteChoice(url, "s3cret"),
    )  # fmt: skip
    try:
        assert session.model is None
        wait_until(lambda: any(b"hero" in d for d in drain(udp_receiver)))
        state = session.remote_state()
        assert state is not None and state.status == "connected" and state.model == DEFAULT_MODEL
        assert session.status_text() == f"remote {url}: connected, model {DEFAULT_MODEL}"
        session.set_gain_db(6.0)  # the remote client scales what it sends, block by block
        assert session.engine.options.gain_db == 6.0
        with pytest.raises(StartError, match="server's model"):
            session.swap_model(DEFAULT_MODEL)
        server.stop()

        def reconnecting() -> bool:
            now = session.remote_state()
            return now is not None and now.reconnects > 0 and now.status != "connected"

        wait_until(reconnecting)
    finally:
        session.stop()
    assert session.engine.finished.is_set()


def test_remote_engine_bad_address_or_token_is_one_clear_error(server: StreamServer) -> None:
    with pytest.raises(StartError, match="not a ws://HOST:PORT"):
        StreamSession(Registry(), DEMO_DEVICE, DEFAULT_MODEL, None, [],
                      remote=RemoteChoice("http://127.0.0.1:1"))  # fmt: skip
    wrong = RemoteChoice(f"ws://127.0.0.1:{server.port}", "wrong")
    session = StreamSession(Registry(), DEMO_DEVICE, DEFAULT_MODEL, None, [], remote=wrong)
    try:
        assert session.engine.wait(10.0)
        assert session.engine.error is not None and "refused the token" in session.engine.error
    finally:
        session.stop()
