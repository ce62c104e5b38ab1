"""liblo's ``oscdump`` (Debian liblo-tools), a third, C implementation, decodes our datagrams.

liblo validates every message (padding, type tags, sizes) and silently drops a bad one, like the
receivers in the wild: a missing line here is a malformed datagram.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from talkrig.bridge.senders.targets import make_target
from tests.bridge.senders import golden
from tests.bridge.senders.decoders import decode_osc
from tests.bridge.senders.helpers import PACE_S, blend_frame, landmark_frame
from tests.conftest import need


@pytest.fixture
def oscdump(tmp_path: Path, closed_port: int) -> Iterator[tuple[int, Path]]:
    """A running ``oscdump -L PORT`` writing to a file; yields (port, output path)."""
    exe = shutil.which("oscdump")
    need(exe is not None, "oscdump not installed (apt-get install liblo-tools)")
    assert exe is not None
    out = tmp_path / "oscdump.txt"
    with out.open("wb") as sink:
        proc = subprocess.Popen(
            [exe, "-L", str(closed_port)], stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_listening(closed_port, out)
        yield closed_port, out
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def _wait_until_listening(port: int, out: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        deadline = time.monotonic() + 10
        while b"/probe" not in out.read_bytes():
            assert time.monotonic() < deadline, "oscdump did not start"
            probe.sendto(b"/probe\0\0,\0\0\0", ("127.0.0.1", port))
            time.sleep(0.05)


def _lines(out: Path, count: int) -> list[list[str]]:
    """The first ``count`` non-probe lines as fields (timetag, address, types, args...)."""
    deadline = time.monotonic() + 5
    while True:
        lines = [ln.split() for ln in out.read_text().splitlines() if "/probe" not in ln]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.02)


def test_oscdump_decodes_vmc_bundles(oscdump: tuple[int, Path]) -> None:
    port, out = oscdump
    frame = blend_frame(0)
    with make_target(f"vmc://127.0.0.1:{port}") as sender:
        sender.send(frame)
    lines = _lines(out, 2 + 53)
    assert [ln[1] for ln in lines[:2]] == ["/VMC/Ext/OK", "/VMC/Ext/T"]
    vals = lines[2:54]
    assert all(ln[1:3] == ["/VMC/Ext/Blend/Val", "sf"] for ln in vals)
    assert vals[17][3] == '"JawOpen"'
    assert frame.blendshapes is not None
    np.testing.assert_allclose([float(ln[4]) for ln in vals], frame.blendshapes, atol=1e-6)
    assert lines[54][1] == "/VMC/Ext/Blend/Apply" and len(lines) == 55


def test_oscdump_decodes_unity_messages(oscdump: tuple[int, Path]) -> None:
    port, out = oscdump
    with make_target(f"unity://127.0.0.1:{port}?avatar=stage") as sender:
        sender.send(blend_frame(42, voiced=False))
        time.sleep(PACE_S)
        sender.send(landmark_frame(43))
    lines = _lines(out, 1 + 1 + 6)
    hello, blend, *chunks = lines
    assert hello[1:] == ["/talkrig/hello", "sissiii", '"talkrig"', "1", '"stage"',
                         '"blendshapes"', "52", "1", "25"]  # fmt: skip
    assert blend[1:3] == ["/talkrig/blendshapes", "siiii" + "f" * 52]
    assert blend[3] == '"stage"' and blend[4] == "42" and blend[7] == "0"
    assert len(chunks) == 6
    for index, chunk in enumerate(chunks):
        assert chunk[1] == "/talkrig/landmarks" and chunk[2].startswith("siiiiiiiii")
        assert chunk[4] == "43" and chunk[8:12] == ["478", "3", str(index), "6"]


def test_oscdump_accepts_every_golden_osc_datagram(oscdump: tuple[int, Path]) -> None:
    port, out = oscdump
    expected: list[tuple[str, str]] = []  # (address, type tags) per message, in order
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for vector in golden.inputs():
            if vector["format"] not in ("unity", "vmc"):
                continue
            for datagram in golden.encode(vector):
                sock.sendto(datagram, ("127.0.0.1", port))
                time.sleep(PACE_S)
                for address, args in decode_osc(datagram)[1]:
                    expected.append((address, "".join(_tag(a) for a in args)))
    lines = _lines(out, len(expected))
    assert [(ln[1], ln[2] if len(ln) > 2 else "") for ln in lines] == expected


def _tag(arg: object) -> str:
    return {str: "s", int: "i", float: "f"}[type(arg)]
