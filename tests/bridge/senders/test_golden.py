"""tests/fixtures/golden_datagrams.json: the encoders reproduce it byte for byte, and the
independent struct decoders read back exactly the inputs it lists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from talkrig.models import arkit
from tests.bridge.senders import golden
from tests.bridge.senders.decoders import decode_ifacialmocap, decode_livelink, decode_osc

FIXTURE = json.loads(golden.FIXTURE.read_text(encoding="utf-8"))
VECTORS = {v["name"]: v for v in FIXTURE["vectors"]}


def test_fixture_is_documented_and_current(fixtures_dir: Path) -> None:
    assert golden.FIXTURE.parent == fixtures_dir
    assert FIXTURE["about"] == golden.ABOUT and FIXTURE["format_version"] == 1
    assert len(VECTORS) == len(FIXTURE["vectors"])  # unique names
    assert [{k: v[k] for k in ("name", "format", "kind", "input")} for v in FIXTURE["vectors"]] == (
        golden.inputs()
    )
    assert {v["format"] for v in VECTORS.values()} == {"unity", "vmc", "livelink", "ifacialmocap"}


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_encoder_reproduces_golden_bytes(name: str) -> None:
    vector = VECTORS[name]
    assert [d.hex() for d in golden.encode(vector)] == vector["datagrams"]


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_independent_decoder_reads_the_inputs(name: str) -> None:
    vector = VECTORS[name]
    data, datagrams = vector["input"], [bytes.fromhex(h) for h in vector["datagrams"]]
    check = {
        "unity": _check_unity,
        "vmc": _check_vmc,
        "livelink": _check_livelink,
        "ifacialmocap": _check_ifacialmocap,
    }[vector["format"]]
    check(vector["kind"], data, datagrams)


def _check_unity(kind: str, data: dict[str, Any], datagrams: list[bytes]) -> None:
    messages = [decode_osc(d) for d in datagrams]
    assert all(timetag is None and len(msgs) == 1 for timetag, msgs in messages)
    decoded = [msgs[0] for _, msgs in messages]
    if kind == "hello":
        ((address, args),) = decoded
        assert address == "/talkrig/hello"
        assert args == ["talkrig", 1, data["avatar"], data["representation"], data["count"],
                        data["dims"], 25]  # fmt: skip
        return
    coords: list[float] = []
    for chunk, (address, args) in enumerate(decoded):
        avatar, sequence, hi, lo, flags = args[:5]
        assert (avatar, sequence, flags) == (data["avatar"], data["sequence"], int(data["voiced"]))
        assert ((hi & 0xFFFFFFFF) << 32 | (lo & 0xFFFFFFFF)) == data["capture_time_us"]
        if data["representation"] == "blendshapes":
            assert address == "/talkrig/blendshapes" and args[5:] == data["blendshapes"]
        else:
            points, dims, index, count, first = args[5:10]
            assert address == "/talkrig/landmarks"
            assert (points, dims, count) == (data["points"], data["dims"], len(datagrams))
            assert index == chunk and first * dims == len(coords)
            coords += args[10:]
    if data["representation"] != "blendshapes":
        assert coords == data["landmarks"]


def _check_vmc(kind: str, data: dict[str, Any], datagrams: list[bytes]) -> None:
    decoded = [decode_osc(d) for d in datagrams]
    assert all(
        timetag == 1 and len(d) <= 1472 for (timetag, _), d in zip(decoded, datagrams, strict=True)
    )
    messages = [m for _, msgs in decoded for m in msgs]
    if kind == "liveness":
        assert messages == [("/VMC/Ext/OK", [1]), ("/VMC/Ext/T", [data["seconds"]])]
        return
    if data["avatar_value_names"]:
        names, values = data["avatar_value_names"], data["avatar_values"]
    else:
        names = arkit.PASCAL_NAMES if data["names"] == "pascal" else arkit.NAMES
        values = data["blendshapes"]
    expected = [("/VMC/Ext/Blend/Val", [n, v]) for n, v in zip(names, values, strict=True)]
    assert messages == [*expected, ("/VMC/Ext/Blend/Apply", [])]


def _check_livelink(kind: str, data: dict[str, Any], datagrams: list[bytes]) -> None:
    (packet,) = datagrams
    decoded = decode_livelink(packet)
    assert (decoded.device_id, decoded.subject) == (data["device_id"], data["subject"])
    assert (decoded.frame_number, decoded.subframe, decoded.rate) == (
        data["sequence"],
        0.0,
        (25, 1),
    )
    assert list(decoded.values) == data["blendshapes"] + [0.0] * 9


def _check_ifacialmocap(kind: str, data: dict[str, Any], datagrams: list[bytes]) -> None:
    (datagram,) = datagrams
    decoded = decode_ifacialmocap(datagram)
    assert decoded.version == data["version"]
    expected = np.rint(np.array(data["blendshapes"]) * 100).astype(int).tolist()
    assert decoded.values == dict(zip(arkit.IFACIALMOCAP_KEYS, expected, strict=True))
    assert decoded.values["eyeLookDown_L"] == 6 and decoded.values["eyeLookIn_L"] == 12  # ½ → even
