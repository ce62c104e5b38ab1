"""No target puts a non-finite number on the wire or in a file, whatever the frame holds.

Every network target is driven over real loopback sockets and its datagrams are read back with
the independent decoders (decoders.py); the recorders' files are read back as CSV and strict JSON.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import socket
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

from talkrig.bridge.senders.finite import wire_float, wire_floats
from talkrig.bridge.senders.ifacialmocap import IFacialMocapPushSender, to_percent
from talkrig.bridge.senders.livelink import LiveLinkSender
from talkrig.bridge.senders.targets import make_target
from talkrig.bridge.senders.unity_osc import UnityOscSender
from talkrig.bridge.senders.vmc import VmcSender
from talkrig.bridge.senders.vtubestudio import from_url, map_arkit
from talkrig.models import arkit
from tests.bridge.senders.decoders import decode_ifacialmocap, decode_livelink, decode_osc
from tests.bridge.senders.helpers import blend_frame, drain, landmark_frame
from tests.bridge.senders.test_vtubestudio import FakeVTubeStudio
from tests.helpers import wait_until

JAW = arkit.INDEX["jawOpen"]


def _poisoned() -> np.ndarray:
    """(52,) float32 values with NaN, +inf and -inf among finite ones."""
    values = np.linspace(0.0, 1.0, 52, dtype=np.float32)
    values[[0, 5, 9]] = [np.nan, np.inf, -np.inf]
    return values


def _strict_json(text: str) -> object:
    def refuse(token: str) -> object:
        raise ValueError(f"non-finite JSON token {token}")

    return json.loads(text, parse_constant=refuse)


def test_wire_floats_is_finite_float32_and_free_when_clean() -> None:
    clean = np.linspace(0, 1, 52, dtype=np.float32)
    assert wire_floats(clean) is clean
    wide = _poisoned().astype(np.float64)
    wide[JAW] = 1e300  # finite, but infinite once cast to float32
    out = wire_floats(wide)
    assert out.dtype == np.float32 and np.isfinite(out).all()
    assert out[0] == out[5] == out[9] == 0.0 and out[JAW] == np.finfo(np.float32).max
    assert wire_float(math.nan) == 0.0


def _osc_floats(datagrams: list[bytes]) -> list[float]:
    return [
        a for d in datagrams for _, args in decode_osc(d)[1] for a in args if isinstance(a, float)
    ]


def test_unity_osc_blendshapes_and_landmarks(receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    with UnityOscSender("unity", "127.0.0.1", port) as sender:
        sender.send(blend_frame(0, _poisoned()))
        lm = landmark_frame(1, 68, 2)
        assert lm.landmarks is not None
        lm.landmarks[3] = (np.nan, np.inf)
        sender.send(lm)
        assert sender.state().errors == 0
    floats = _osc_floats(drain(receiver))
    assert len(floats) == 52 + 136
    assert all(math.isfinite(f) for f in floats)
    assert floats[0] == 0.0  # NaN went out as 0


def test_vmc_arkit_and_avatar_values(receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    with VmcSender("vmc", "127.0.0.1", port) as sender:
        sender.send(blend_frame(0, _poisoned()))
        sender.send(blend_frame(1, avatar_values=(("A", math.nan), ("I", math.inf))))
        assert sender.state().errors == 0
    floats = _osc_floats(drain(receiver))
    assert len(floats) >= 52 + 2 and all(math.isfinite(f) for f in floats)


def test_livelink(receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    with LiveLinkSender("ll", "127.0.0.1", port) as sender:
        sender.send(blend_frame(0, _poisoned()))
    (packet,) = (decode_livelink(d) for d in drain(receiver))
    assert all(math.isfinite(v) for v in packet.values) and packet.values[0] == 0.0


def test_ifacialmocap(receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    with IFacialMocapPushSender("ifm", "127.0.0.1", port) as sender:
        sender.send(blend_frame(0, _poisoned()))
    (frame,) = (decode_ifacialmocap(d) for d in drain(receiver))
    assert all(0 <= v <= 100 for v in frame.values.values())
    assert to_percent(_poisoned())[5] == 0  # +inf is "unknown" too, not a full 100


def test_vtubestudio_injects_only_finite_json(tmp_path: Path) -> None:
    mapped = map_arkit(_poisoned())
    assert all(math.isfinite(v) for v in mapped.values())
    fake = FakeVTubeStudio()
    url = urlsplit(f"vtubestudio://127.0.0.1:{fake.port}?custom=1&token_file={tmp_path}/t")
    sender = from_url("vts", url, "default")
    try:
        sender.send(blend_frame(0, _poisoned()))
        wait_until(lambda: len(fake.of("InjectParameterDataRequest")) >= 1, "an inject")
    finally:
        sender.close()
        fake.close()
    values = [p["value"] for p in fake.of("InjectParameterDataRequest")[0]["parameterValues"]]
    assert len(values) == 8 + 52 and all(math.isfinite(v) for v in values)


@pytest.mark.parametrize("kind", ["blendshapes", "landmarks"])
def test_recorders_write_no_nan_and_valid_json(tmp_path: Path, kind: str) -> None:
    if kind == "blendshapes":
        frame = blend_frame(0, _poisoned(), avatar_values=(("A", math.nan),))
    else:
        frame = landmark_frame(0, 68, 3)
        assert frame.landmarks is not None
        frame.landmarks[0] = (np.nan, np.inf, -np.inf)
    with make_target(f"csv:{tmp_path / 't.csv'}") as rec_csv:
        rec_csv.send(frame)
    with make_target(f"jsonl:{tmp_path / 't.jsonl'}") as rec_json:
        rec_json.send(frame)
    assert rec_csv.state().errors == 0 and rec_json.state().errors == 0
    text = (tmp_path / "t.csv").read_text()
    assert "nan" not in text.lower() and "inf" not in text.lower()
    _header, row = list(csv.reader(text.splitlines()))
    assert all(math.isfinite(float(cell)) for cell in row)
    record = _strict_json((tmp_path / "t.jsonl").read_text())
    assert isinstance(record, dict)


def test_jsonl_refuses_a_nan_time_rather_than_write_invalid_json(tmp_path: Path) -> None:
    frame = dataclasses.replace(blend_frame(0), stream_time=math.nan)
    with make_target(f"jsonl:{tmp_path / 't.jsonl'}") as rec:
        rec.send(frame)
        rec.send(blend_frame(1))
        state = rec.state()
    lines = (tmp_path / "t.jsonl").read_text().splitlines()
    assert state.errors == 1 and len(lines) == 1
    assert _strict_json(lines[0])["sequence"] == 1  # type: ignore[index]
