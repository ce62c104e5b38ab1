"""The golden datagram vectors: fixed inputs → the bytes every encoder must produce.

``tests/fixtures/golden_datagrams.json`` holds them for the Python tests and the Unity C# tests.
The bytes were produced by the encoders and then checked, independently, by the struct decoders
in ``decoders.py``, by python-osc's parser, and (OSC) by liblo's ``oscdump``; the §1 vectors of
docs/wire-formats.md are hand-computed. Regenerate only after a deliberate wire-format change::

    .venv/bin/python -m tests.bridge.senders.golden      # rewrites the fixture
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from talkrig.bridge.frame import FaceFrame, FrameTimes
from talkrig.bridge.senders import ifacialmocap, livelink, unity_osc, vmc
from talkrig.models import arkit
from talkrig.models.contract import Representation

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "golden_datagrams.json"
# 2026-01-01T00:00:00.125Z: exactly representable, so seconds ↔ microseconds is exact.
CAPTURE_TIME_US = 1_767_225_600_125_000
DEVICE_ID = "0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9"

ABOUT = """\
Golden datagrams for TalkRig's wire formats, read by the Python tests (tests/bridge/senders) and
the Unity C# tests. Top level: "about" (this text), "format_version" (1), "vectors" (a list, one
per line). Each vector: "name" (unique), "format" ("unity" | "vmc" | "livelink" |
"ifacialmocap"), "kind" ("hello" | "frame" | "liveness"), "input" (what was encoded, flat, no
nulls or nested arrays, so Unity's JsonUtility can read it), "datagrams" (the UDP payloads in
send order, lowercase hex).
"input" by kind:
- hello (unity /talkrig/hello): avatar, representation, count, dims.
- frame: sequence; capture_time_us (microseconds since the UNIX epoch); stream_time (seconds);
  voiced; avatar; representation ("blendshapes" | "landmarks2d" | "landmarks3d"); blendshapes
  (52 floats, canonical ARKit order, [] for landmarks); points, dims (0, 0 for blendshapes);
  landmarks (points*dims floats x0, y0[, z0], x1, ..., [] for blendshapes); avatar_value_names
  and avatar_values (parallel lists, empty = the 52 ARKit names); format options where they
  apply: names (vmc: "pascal" | "camel"), subject and device_id (livelink), version
  (ifacialmocap: "v1" | "v2").
- liveness (vmc /VMC/Ext/OK + /VMC/Ext/T): seconds.
Every float is exactly representable as float32, so decoders may compare with ==.
Wire formats: docs/osc-address-space.md (unity) and docs/wire-formats.md (vmc, livelink,
ifacialmocap).
Regenerate (deliberate format changes only): .venv/bin/python -m tests.bridge.senders.golden"""


def ramp() -> np.ndarray:
    """``(52,)`` float32 in sixteenths: 0, 1/16, ... 1, 0, ... (0.125 pins the half-even rule)."""
    return (np.arange(arkit.COUNT) % 17 / 16).astype(np.float32)


def grid_landmarks(points: int, dims: int) -> np.ndarray:
    """``(points, dims)`` float32, dyadic: x = (i % 32)/32, y = (i // 32)/16, z = -(i % 8)/8."""
    i = np.arange(points)
    cols = [(i % 32) / 32, (i // 32) / 16, -(i % 8) / 8][:dims]
    return np.stack(cols, axis=1).astype(np.float32)


def frame_input(
    sequence: int,
    *,
    blendshapes: np.ndarray | None = None,
    landmarks: np.ndarray | None = None,
    avatar: str = "default",
    voiced: bool = True,
    avatar_values: tuple[tuple[str, float], ...] = (),
    **options: str,
) -> dict[str, Any]:
    if blendshapes is not None:
        representation = Representation.BLENDSHAPES
    else:
        assert landmarks is not None
        three = landmarks.shape[1] == 3
        representation = Representation.LANDMARKS_3D if three else Representation.LANDMARKS_2D
    points, dims = (0, 0) if landmarks is None else landmarks.shape
    return {
        "sequence": sequence,
        "capture_time_us": CAPTURE_TIME_US,
        "stream_time": 2.5,
        "voiced": voiced,
        "avatar": avatar,
        "representation": representation.value,
        "blendshapes": [] if blendshapes is None else blendshapes.tolist(),
        "points": points,
        "dims": dims,
        "landmarks": [] if landmarks is None else landmarks.reshape(-1).tolist(),
        "avatar_value_names": [n for n, _ in avatar_values],
        "avatar_values": [v for _, v in avatar_values],
        **options,
    }


def to_frame(data: dict[str, Any]) -> FaceFrame:
    """A ``FaceFrame`` from a vector's ``input`` (kind ``frame``)."""
    bs, lm = data["blendshapes"], data["landmarks"]
    return FaceFrame(
        sequence=data["sequence"],
        capture_time=data["capture_time_us"] / 1_000_000,
        stream_time=data["stream_time"],
        representation=Representation(data["representation"]),
        times=FrameTimes(1.0, 1.001, 1.003, 1.004),
        values=(
            np.asarray(bs, dtype=np.float32)
            if bs
            else np.asarray(lm, dtype=np.float32).reshape(data["points"], data["dims"])
        ),
        avatar_values=tuple(
            zip(data["avatar_value_names"], map(float, data["avatar_values"]), strict=True)
        ),
        avatar=data["avatar"],
        voiced=data["voiced"],
    )


def encode(vector: dict[str, Any]) -> list[bytes]:
    """What TalkRig's encoders produce for a vector's ``format``/``kind``/``input``."""
    fmt, kind, data = vector["format"], vector["kind"], vector["input"]
    if kind == "hello":
        rep = Representation(data["representation"])
        return [unity_osc.hello_message(data["avatar"], rep, data["count"], data["dims"])]
    if kind == "liveness":
        return [vmc.liveness_bundle(data["seconds"])]
    frame = to_frame(data)
    if fmt == "unity":
        return [bytes(d) for d in unity_osc.UnityOscEncoder().encode(frame, frame.avatar)]
    if fmt == "vmc":
        if frame.avatar_values:
            template = vmc.VmcFrameTemplate([n for n, _ in frame.avatar_values])
            values = np.array([v for _, v in frame.avatar_values], dtype=np.float32)
        else:
            template = vmc.VmcFrameTemplate(vmc.NAME_STYLES[data["names"]])
            values = frame.blendshapes
        return [bytes(d) for d in template.encode(values)]
    assert frame.blendshapes is not None
    if fmt == "livelink":
        encoder = livelink.LiveLinkEncoder(data["device_id"], data["subject"])
        return [bytes(encoder.encode(frame.sequence, frame.blendshapes))]
    if fmt == "ifacialmocap":
        return [ifacialmocap.encode_frame(frame.blendshapes, data["version"])]
    raise ValueError(f"unknown format {fmt!r}")


def inputs() -> list[dict[str, Any]]:
    """Every vector without its datagrams."""
    vowels = (("A", 0.75), ("I", 0.0), ("U", 0.25), ("E", 0.0), ("O", 0.5), ("Blink", 1.0))
    out = [
        ("unity-hello-blendshapes", "unity", "hello",
         {"avatar": "default", "representation": "blendshapes", "count": 52, "dims": 1}),
        ("unity-hello-landmarks3d", "unity", "hello",
         {"avatar": "stage-left", "representation": "landmarks3d", "count": 478, "dims": 3}),
        ("unity-blendshapes", "unity", "frame", frame_input(7, blendshapes=ramp())),
        ("unity-blendshapes-unvoiced-utf8-avatar", "unity", "frame",
         frame_input(123_456, blendshapes=ramp()[::-1].copy(), avatar="Mika ミカ", voiced=False)),
        ("unity-landmarks2d", "unity", "frame", frame_input(8, landmarks=grid_landmarks(68, 2))),
        ("unity-landmarks3d", "unity", "frame",
         frame_input(9, landmarks=grid_landmarks(478, 3), avatar="stage-left")),
        ("vmc-pascal", "vmc", "frame", frame_input(7, blendshapes=ramp(), names="pascal")),
        ("vmc-camel", "vmc", "frame", frame_input(7, blendshapes=ramp(), names="camel")),
        ("vmc-avatar-values", "vmc", "frame",
         frame_input(7, blendshapes=ramp(), avatar_values=vowels, names="pascal")),
        ("vmc-liveness", "vmc", "liveness", {"seconds": 1.5}),
        ("livelink", "livelink", "frame",
         frame_input(7, blendshapes=ramp(), subject="TalkRig", device_id=DEVICE_ID)),
        ("ifacialmocap-v1", "ifacialmocap", "frame",
         frame_input(7, blendshapes=ramp(), version="v1")),
        ("ifacialmocap-v2", "ifacialmocap", "frame",
         frame_input(7, blendshapes=ramp(), version="v2")),
    ]  # fmt: skip
    return [{"name": n, "format": f, "kind": k, "input": i} for n, f, k, i in out]


def build() -> dict[str, Any]:
    vectors = []
    for vector in inputs():
        vector["datagrams"] = [d.hex() for d in encode(vector)]
        vectors.append(vector)
    return {"about": ABOUT, "format_version": 1, "vectors": vectors}


def dumps(document: dict[str, Any]) -> str:
    """The fixture text: one vector per line, so a diff shows which vector changed."""
    vectors = ",\n".join("  " + json.dumps(v, ensure_ascii=False) for v in document["vectors"])
    return (
        f'{{\n "about": {json.dumps(document["about"], ensure_ascii=False)},\n'
        f' "format_version": {document["format_version"]},\n "vectors": [\n{vectors}\n ]\n}}\n'
    )


def main() -> None:
    FIXTURE.write_text(dumps(build()), encoding="utf-8")
    print(f"wrote {FIXTURE}")


if __name__ == "__main__":
    main()
