"""VTube Studio plugin API target (docs/wire-formats.md §5): ARKit values → its tracking inputs.

``send`` (engine thread) only stores the newest frame; a client thread (``talkrig-vts``) owns the
WebSocket: it connects, authenticates (asking VTube Studio for a token once: the user clicks
Allow, and the token is kept in the config folder), reads the input parameter list, then injects
the mapped values for every new frame and re-sends the last ones at least twice a second, since
VTube Studio lets go of a parameter not refreshed for a second. A lost connection is retried
with backoff; frames that arrive meanwhile replace each other (never a queue).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, parse_qsl

import numpy as np
import platformdirs
from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect

from talkrig.bridge.frame import FaceFrame
from talkrig.bridge.senders.base import Sender, SenderState
from talkrig.bridge.senders.finite import wire_floats
from talkrig.bridge.senders.ports import url_port
from talkrig.models import arkit

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
PLUGIN_NAME = "TalkRig"
PLUGIN_DEVELOPER = "TalkRig"
API_NAME = "VTubeStudioPublicAPI"
API_VERSION = "1.0"
RESEND_S = 0.5  # VTube Studio drops a parameter after 1 s without data
REPLY_TIMEOUT_S = 60.0  # a token request waits for the user to click Allow
TIMEOUT_S = 3.0
BACKOFF_MIN_S = 0.5
BACKOFF_MAX_S = 10.0
DISCOVERY_PORT = 47779  # VTube Studio broadcasts its API state here every 2 s
DISCOVERY_TIMEOUT_S = 2.5
CUSTOM_PREFIX = "TR"  # custom parameter = prefix + PascalCase ARKit name (VTube Studio: ≤ 32)

_I = arkit.INDEX


class VTubeStudioError(RuntimeError):
    """VTube Studio answered with an APIError or something unexpected (text says which)."""


def default_token_path() -> Path:
    return Path(platformdirs.user_config_dir("talkrig")) / "vtubestudio_token"


def map_arkit(values: np.ndarray) -> dict[str, float]:
    """``(52,)`` ARKit values → VTube Studio default inputs (ranges as VTube Studio expects).

    MouthSmile and Brows are centred on 0.5 (neutral), as VTube Studio's own face tracking is.
    A non-finite value counts as 0, so every mapped value is finite (JSON has no NaN).
    """
    v = wire_floats(values).astype(np.float64)

    def clip(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
        return float(min(hi, max(lo, x)))

    smile = (v[_I["mouthSmileLeft"]] + v[_I["mouthSmileRight"]]) / 2
    frown = (v[_I["mouthFrownLeft"]] + v[_I["mouthFrownRight"]]) / 2
    brows_up = (v[_I["browInnerUp"]] + v[_I["browOuterUpLeft"]] + v[_I["browOuterUpRight"]]) / 3
    brows_down = (v[_I["browDownLeft"]] + v[_I["browDownRight"]]) / 2
    return {
        "MouthOpen": clip(v[_I["jawOpen"]] - v[_I["mouthClose"]]),
        "MouthSmile": clip(0.5 + 0.5 * (smile - frown)),
        "MouthX": clip(v[_I["mouthRight"]] - v[_I["mouthLeft"]], -1.0, 1.0),
        "Brows": clip(0.5 + 0.5 * (brows_up - brows_down)),
        "EyeOpenLeft": clip(1.0 - v[_I["eyeBlinkLeft"]]),
        "EyeOpenRight": clip(1.0 - v[_I["eyeBlinkRight"]]),
        "CheekPuff": clip(v[_I["cheekPuff"]]),
        "TongueOut": clip(v[_I["tongueOut"]]),
    }


def discover(
    timeout_s: float = DISCOVERY_TIMEOUT_S, listen_port: int = DISCOVERY_PORT
) -> tuple[str, int] | None:
    """Wait for VTube Studio's UDP ``VTubeStudioAPIStateBroadcast``; ``(host, API port)`` of the
    first active one, or None after ``timeout_s``. Datagrams that are not one are ignored."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("", listen_port))
        deadline = time.monotonic() + timeout_s
        while (remaining := deadline - time.monotonic()) > 0:
            sock.settimeout(remaining)
            try:
                data, (host, _) = sock.recvfrom(65536)
            except TimeoutError:
                return None
            try:
                msg = json.loads(data)
                body = msg["data"]
                if (
                    msg.get("apiName") == API_NAME
                    and msg.get("messageType") == "VTubeStudioAPIStateBroadcast"
                    and body.get("active", True)
                ):
                    return host, int(body["port"])
            except (ValueError, KeyError, TypeError, AttributeError):
                continue
    return None


def custom_name(name: str) -> str:
    return CUSTOM_PREFIX + arkit.pascal(name)


class VTubeStudioSender(Sender):
    """Drives VTube Studio's default inputs (and, with ``custom``, 52 ``TR*`` parameters).

    Args:
        spec: the target spec, for reports.
        host, port: VTube Studio's API server (``localhost:8001``).
        token_path: where the authentication token is kept (default: the config folder).
        custom: also create and drive one custom parameter per ARKit blendshape.
        discovery_port: listen for VTube Studio's UDP broadcast here before each connection
            attempt and use the host and port it announces; ``None`` connects to host:port.
    """

    def __init__(
        self,
        spec: str,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        token_path: Path | None = None,
        custom: bool = False,
        discovery_port: int | None = None,
    ) -> None:
        super().__init__(spec)
        self.url = f"ws://{host}:{port}"
        self.token_path = token_path or default_token_path()
        self.custom = custom
        self.discovery_port = discovery_port
        self._latest: np.ndarray | None = None
        self._fresh = threading.Condition()
        self._stop = threading.Event()
        self._connected = False
        self._ws: ClientConnection | None = None  # the live connection, for close()
        self.injected = 0  # inject requests answered (client thread writes)
        self._thread = threading.Thread(target=self._run, name="talkrig-vts", daemon=True)
        self._thread.start()

    # -- engine thread --------------------------------------------------------------------------
    def _send(self, frame: FaceFrame) -> None:
        if frame.blendshapes is None:
            raise ValueError("VTube Studio needs a blendshape model")
        with self._fresh:
            # The frame's array is never written again; non-finite values would make the
            # custom parameters' JSON invalid, so they go out as 0.
            self._latest = wire_floats(frame.blendshapes)
            self._fresh.notify()

    def state(self) -> SenderState:
        base = super().state()
        with self._lock:
            connected = self._connected
        return SenderState(
            base.spec, base.frames_sent, base.errors, base.last_error, base.last_error_time,
            connected,
        )  # fmt: skip

    def close(self) -> None:
        """Stop the client thread (any thread); a pending token request is cut short."""
        self._stop.set()
        with self._fresh:
            self._fresh.notify()
        with self._lock:
            ws = self._ws
        if ws is not None:
            ws.close()
        self._thread.join(TIMEOUT_S + 1.0)

    # -- client thread --------------------------------------------------------------------------
    def _run(self) -> None:
        backoff = BACKOFF_MIN_S
        while not self._stop.is_set():
            try:
                if self.discovery_port is not None:
                    found = discover(listen_port=self.discovery_port)
                    if found is None:
                        raise TimeoutError("no VTube Studio broadcast heard (is its API on?)")
                    self.url = f"ws://{found[0]}:{found[1]}"
                with connect(self.url, open_timeout=TIMEOUT_S, close_timeout=1.0) as ws:
                    with self._lock:
                        self._ws = ws
                    if self._stop.is_set():  # close() came before the connection existed
                        return
                    self._authenticate(ws)
                    names = self._parameters(ws)
                    with self._lock:
                        self._connected = True
                    backoff = BACKOFF_MIN_S
                    self._drive(ws, names)
            except (OSError, TimeoutError, WebSocketException, VTubeStudioError) as exc:
                self._record_error(exc)
            with self._lock:
                self._connected = False
                self._ws = None
            self._stop.wait(backoff)
            backoff = min(2 * backoff, BACKOFF_MAX_S)

    def _request(
        self, ws: ClientConnection, kind: str, data: dict[str, Any], timeout: float = TIMEOUT_S
    ) -> dict[str, Any]:
        """One request → its response's ``data``; APIError raises VTubeStudioError."""
        request_id = uuid.uuid4().hex[:16]
        ws.send(
            json.dumps(
                {
                    "apiName": API_NAME, "apiVersion": API_VERSION, "requestID": request_id,
                    "messageType": kind, "data": data,
                }
            )
        )  # fmt: skip
        while True:
            try:
                reply = json.loads(ws.recv(timeout))
            except json.JSONDecodeError as exc:
                raise VTubeStudioError(f"{self.url}: reply is not JSON ({exc})") from None
            if not isinstance(reply, dict):
                raise VTubeStudioError(f"{self.url}: reply is not a JSON object")
            if reply.get("requestID") not in (request_id, None):
                continue  # an event or a late reply to an earlier request
            payload = reply.get("data")
            body: dict[str, Any] = payload if isinstance(payload, dict) else {}
            if reply.get("messageType") == "APIError":
                raise VTubeStudioError(
                    f"{self.url}: {kind} failed: {body.get('message', 'APIError')} "
                    f"(error {body.get('errorID')})"
                )
            return body

    def _authenticate(self, ws: ClientConnection) -> None:
        plugin = {"pluginName": PLUGIN_NAME, "pluginDeveloper": PLUGIN_DEVELOPER}
        token = self._stored_token()
        if token is None:
            reply = self._request(ws, "AuthenticationTokenRequest", plugin, REPLY_TIMEOUT_S)
            token = str(reply.get("authenticationToken") or "")
            if not token:
                raise VTubeStudioError(f"{self.url}: no token in the reply")
            self._store_token(token)
        reply = self._request(ws, "AuthenticationRequest", {**plugin, "authenticationToken": token})
        if reply.get("authenticated") is not True:
            self.token_path.unlink(missing_ok=True)  # revoked: ask again on the next attempt
            raise VTubeStudioError(
                f"{self.url}: token not accepted ({reply.get('reason', 'no reason given')})"
            )

    def _parameters(self, ws: ClientConnection) -> list[str]:
        """Default inputs this VTube Studio has that we drive (+ our custom ones)."""
        reply = self._request(ws, "InputParameterListRequest", {})
        present = {
            p.get("name")
            for key in ("defaultParameters", "customParameters")
            for p in reply.get(key) or []
            if isinstance(p, dict)
        }
        names = [n for n in map_arkit(np.zeros(arkit.COUNT)) if n in present]
        if self.custom:
            for name in arkit.NAMES:
                if custom_name(name) not in present:
                    self._request(
                        ws, "ParameterCreationRequest",
                        {"parameterName": custom_name(name), "explanation": f"ARKit {name}",
                         "min": 0, "max": 1, "defaultValue": 0},
                    )  # fmt: skip
        return names

    def _drive(self, ws: ClientConnection, names: list[str]) -> None:
        last: np.ndarray | None = None
        while not self._stop.is_set():
            with self._fresh:
                if self._latest is None or self._latest is last:
                    self._fresh.wait(RESEND_S)
                values = self._latest
            if values is None or self._stop.is_set():
                continue
            last = values
            mapped = map_arkit(values)
            params = [{"id": n, "value": mapped[n]} for n in names]
            if self.custom:
                params += [
                    {"id": custom_name(n), "value": float(values[i])}
                    for i, n in enumerate(arkit.NAMES)
                ]
            self._request(
                ws, "InjectParameterDataRequest",
                {"faceFound": True, "mode": "set", "parameterValues": params},
            )  # fmt: skip
            self.injected += 1

    def _stored_token(self) -> str | None:
        try:
            token = self.token_path.read_text().strip()
        except FileNotFoundError:
            return None
        return token or None

    def _store_token(self, token: str) -> None:
        self.token_path.parent.mkdir(parents=True, exist_ok=True)
        self.token_path.write_text(token + "\n")
        self.token_path.chmod(0o600)


def from_url(spec: str, url: SplitResult, avatar: str) -> VTubeStudioSender:
    """``vtubestudio://[host][:port][?custom=1&token_file=PATH&discover=1]`` (targets table).

    ``discover=1`` finds VTube Studio by its UDP broadcast (host and port are then ignored).

    Raises ValueError naming the bad part (``make_target`` turns it into a TargetError).
    """
    options: dict[str, str] = {}
    for key, value in parse_qsl(url.query, keep_blank_values=True, strict_parsing=bool(url.query)):
        if key not in ("custom", "token_file", "discover"):
            raise ValueError(f"unknown option {key!r}; allowed: custom, token_file, discover")
        options[key] = value
    for flag in ("custom", "discover"):
        if options.get(flag, "0") not in ("0", "1"):
            raise ValueError(f"{flag} must be 0 or 1")
    port = url_port(url)  # ValueError: the one port message
    token = options.get("token_file")
    return VTubeStudioSender(
        spec,
        url.hostname or DEFAULT_HOST,
        port or DEFAULT_PORT,
        token_path=Path(token).expanduser() if token else None,
        custom=options.get("custom") == "1",
        discovery_port=DISCOVERY_PORT if options.get("discover") == "1" else None,
    )
