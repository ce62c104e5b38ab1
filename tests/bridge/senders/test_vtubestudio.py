"""VTube Studio target against a local server written from the plugin API documentation."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from talkrig.bridge.senders.vtubestudio import (
    VTubeStudioSender,
    custom_name,
    from_url,
    map_arkit,
)
from talkrig.models import arkit
from tests.bridge.senders.helpers import blend_frame, landmark_frame
from tests.helpers import wait_until

WAIT_S = 10.0
TOKEN = "tok-0123456789"
DEFAULTS = ["MouthOpen", "MouthSmile", "MouthX", "Brows", "EyeOpenLeft", "EyeOpenRight",
            "CheekPuff", "TongueOut", "VoiceVolume", "FacePositionX"]  # fmt: skip


class FakeVTubeStudio:
    """The documented request/response pairs; ``allow`` is the user's click on Allow/Deny."""

    def __init__(self, allow: bool = True) -> None:
        self.allow = allow
        self.requests: list[dict[str, Any]] = []
        self.connections: list[ServerConnection] = []
        self._lock = threading.Lock()
        self.server: Server = serve(self._handle, "127.0.0.1", 0)
        self.port = self.server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _handle(self, ws: ServerConnection) -> None:
        with self._lock:
            self.connections.append(ws)
        try:
            for raw in ws:
                msg = json.loads(raw)
                with self._lock:
                    self.requests.append(msg)
                kind, data = self._answer(msg["messageType"], msg["data"])
                ws.send(json.dumps({
                    "apiName": "VTubeStudioPublicAPI", "apiVersion": "1.0",
                    "timestamp": int(time.time() * 1000), "requestID": msg["requestID"],
                    "messageType": kind, "data": data,
                }))  # fmt: skip
        except ConnectionClosed:
            pass

    def _answer(self, kind: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if kind == "AuthenticationTokenRequest":
            if not self.allow:
                return "APIError", {"errorID": 50, "message": "User has denied API access."}
            return "AuthenticationTokenResponse", {"authenticationToken": TOKEN}
        if kind == "AuthenticationRequest":
            ok = data.get("authenticationToken") == TOKEN
            return "AuthenticationResponse", {"authenticated": ok, "reason": "" if ok else "bad"}
        if kind == "InputParameterListRequest":
            return "InputParameterListResponse", {
                "modelLoaded": True,
                "customParameters": [],
                "defaultParameters": [
                    {"name": n, "value": 0, "min": 0, "max": 1} for n in DEFAULTS
                ],
            }
        if kind == "ParameterCreationRequest":
            return "ParameterCreationResponse", {"parameterName": data["parameterName"]}
        if kind == "InjectParameterDataRequest":
            return "InjectParameterDataResponse", {}
        return "APIError", {"errorID": 1, "message": f"unknown {kind}"}

    def of(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r["data"] for r in self.requests if r["messageType"] == kind]

    def drop(self) -> None:
        """The network goes away: close every TCP connection without a closing handshake."""
        with self._lock:
            conns, self.connections = self.connections, []
        for ws in conns:
            ws.socket.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.server.shutdown()
        self._thread.join(WAIT_S)


@pytest.fixture
def vts() -> Iterator[Callable[..., FakeVTubeStudio]]:
    made: list[FakeVTubeStudio] = []

    def make(allow: bool = True) -> FakeVTubeStudio:
        made.append(FakeVTubeStudio(allow))
        return made[-1]

    yield make
    for fake in made:
        fake.close()


def values_with(**named: float) -> np.ndarray:
    values = np.zeros(52, np.float32)
    for name, value in named.items():
        values[arkit.INDEX[name]] = value
    return values


def test_mapping_follows_the_documented_formulas() -> None:
    mapped = map_arkit(values_with(jawOpen=0.7, mouthClose=0.2, mouthLeft=0.3, eyeBlinkLeft=1.0,
                                   mouthSmileLeft=1.0, mouthSmileRight=1.0))  # fmt: skip
    assert mapped["MouthOpen"] == pytest.approx(0.5)
    assert mapped["MouthX"] == pytest.approx(-0.3)
    assert mapped["EyeOpenLeft"] == 0.0 and mapped["EyeOpenRight"] == 1.0
    assert mapped["MouthSmile"] == pytest.approx(1.0)
    assert map_arkit(np.zeros(52))["Brows"] == 0.5


def test_authorises_once_and_drives_the_inputs(
    vts: Callable[..., FakeVTubeStudio], tmp_path: Path
) -> None:
    fake = vts()
    token_file = tmp_path / "cfg" / "vts_token"
    sender = VTubeStudioSender("vts", "127.0.0.1", fake.port, token_path=token_file)
    try:
        wait_until(lambda: sender.state().ok, "authentication")
        assert token_file.read_text().strip() == TOKEN
        sender.send(blend_frame(values=values_with(jawOpen=0.6, mouthClose=0.1)))
        wait_until(lambda: len(fake.of("InjectParameterDataRequest")) >= 1, "an inject")
        inject = fake.of("InjectParameterDataRequest")[0]
        params = {p["id"]: p["value"] for p in inject["parameterValues"]}
        assert params["MouthOpen"] == pytest.approx(0.5, abs=1e-6)
        assert "VoiceVolume" not in params and set(params) <= set(DEFAULTS)
        assert inject["mode"] == "set" and inject["faceFound"] is True
        # No new frame: the last values are still re-sent (VTube Studio drops them after 1 s).
        wait_until(lambda: len(fake.of("InjectParameterDataRequest")) >= 3, "re-sends")
    finally:
        sender.close()
    assert len(fake.of("AuthenticationTokenRequest")) == 1


def test_denied_authentication_is_reported(
    vts: Callable[..., FakeVTubeStudio], tmp_path: Path
) -> None:
    fake = vts(allow=False)
    token_file = tmp_path / "vts_token"
    sender = VTubeStudioSender("vts", "127.0.0.1", fake.port, token_path=token_file)
    try:
        wait_until(lambda: sender.state().errors >= 1, "the refusal")
        state = sender.state()
        assert not state.ok
        assert state.last_error is not None and "denied" in state.last_error
        assert not token_file.exists()
        sender.send(blend_frame())  # never blocks, never raises
    finally:
        sender.close()
    assert fake.of("InjectParameterDataRequest") == []


def test_dropped_connection_reconnects_with_the_stored_token(
    vts: Callable[..., FakeVTubeStudio], tmp_path: Path
) -> None:
    fake = vts()
    sender = VTubeStudioSender("vts", "127.0.0.1", fake.port, token_path=tmp_path / "t")
    try:
        sender.send(blend_frame())
        wait_until(lambda: len(fake.of("InjectParameterDataRequest")) >= 1, "first inject")
        fake.drop()
        wait_until(lambda: len(fake.of("AuthenticationRequest")) >= 2, "re-authentication")
        for i in range(200):  # a burst while reconnecting: only the newest matters
            sender.send(blend_frame(i, values_with(jawOpen=i / 200)))
        before = len(fake.of("InjectParameterDataRequest"))
        wait_until(lambda: len(fake.of("InjectParameterDataRequest")) > before, "injects again")
        last = fake.of("InjectParameterDataRequest")[-1]["parameterValues"]
        assert {p["id"]: p["value"] for p in last}["MouthOpen"] == pytest.approx(199 / 200)
    finally:
        sender.close()
    assert len(fake.of("AuthenticationTokenRequest")) == 1
    assert sender.state().errors >= 1


def test_custom_parameters_carry_all_52(
    vts: Callable[..., FakeVTubeStudio], tmp_path: Path
) -> None:
    fake = vts()
    sender = from_url(
        "vts", urlsplit(f"vtubestudio://127.0.0.1:{fake.port}?custom=1&token_file={tmp_path}/t"),
        "default",
    )  # fmt: skip
    try:
        sender.send(blend_frame())
        wait_until(lambda: len(fake.of("InjectParameterDataRequest")) >= 1, "an inject")
    finally:
        sender.close()
    created = [d["parameterName"] for d in fake.of("ParameterCreationRequest")]
    assert created == [custom_name(n) for n in arkit.NAMES]
    assert all(4 <= len(n) <= 32 and n.isalnum() for n in created)
    ids = {p["id"] for p in fake.of("InjectParameterDataRequest")[0]["parameterValues"]}
    assert set(created) <= ids


def test_landmark_frames_are_an_error_not_a_crash(
    vts: Callable[..., FakeVTubeStudio], tmp_path: Path
) -> None:
    fake = vts()
    sender = VTubeStudioSender("vts", "127.0.0.1", fake.port, token_path=tmp_path / "t")
    try:
        wait_until(lambda: sender.state().ok, "authentication")
        sender.send(landmark_frame())
        assert "blendshape model" in (sender.state().last_error or "")
    finally:
        sender.close()
    assert fake.of("InjectParameterDataRequest") == []


@pytest.mark.parametrize(
    "spec", ["vtubestudio://localhost:8001?bogus=1", "vtubestudio://localhost:x",
             "vtubestudio://?custom=yes"],
)  # fmt: skip
def test_bad_specs_raise_value_error(spec: str) -> None:
    with pytest.raises(ValueError):
        from_url(spec, urlsplit(spec), "default")


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_discovery_finds_the_broadcast_port(
    vts: Callable[..., FakeVTubeStudio], tmp_path: Path
) -> None:
    fake = vts()
    listen = free_udp_port()
    stop = threading.Event()
    state = {
        "apiName": "VTubeStudioPublicAPI",
        "apiVersion": "1.0",
        "messageType": "VTubeStudioAPIStateBroadcast",
        "data": {"active": True, "port": fake.port, "instanceID": "x", "windowTitle": "VTS"},
    }

    def broadcast() -> None:  # as VTube Studio does every 2 s, faster here; garbage in between
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            while not stop.wait(0.05):
                sock.sendto(b"\xff garbage", ("127.0.0.1", listen))
                sock.sendto(json.dumps(state).encode(), ("127.0.0.1", listen))

    thread = threading.Thread(target=broadcast, daemon=True)
    thread.start()
    sender = VTubeStudioSender(
        "vts", "127.0.0.1", 9, token_path=tmp_path / "t", discovery_port=listen
    )
    try:
        wait_until(lambda: sender.state().ok, "discovery and authentication")
        assert sender.url == f"ws://127.0.0.1:{fake.port}"
    finally:
        sender.close()
        stop.set()
        thread.join(WAIT_S)
