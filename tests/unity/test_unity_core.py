"""The Unity receiver's engine-free core, compiled with Mono: its NUnit tests, and real frames
from the Python engine arriving intact over loopback UDP (docs/osc-address-space.md)."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import socket
import struct
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from talkrig.bridge.frame import FaceFrame, FrameTimes
from talkrig.bridge.senders.targets import make_target
from talkrig.models.contract import Representation
from tests.conftest import FIXTURES, need
from tests.unity.conftest import NUNIT_FRAMEWORK, Build

LINE_TIMEOUT_S = 10.0
PACE_S = 0.005  # loopback receivers drop unpaced bursts
AVATAR = "stage-left"
CAPTURE_T0 = 1_767_225_600.125


def test_nunit_core_tests_pass(mono_build: Build) -> None:
    need(shutil.which("nunit-console") is not None, "nunit-console not installed")
    need(NUNIT_FRAMEWORK.is_file(), f"{NUNIT_FRAMEWORK} missing (libnunit-cil-dev)")
    result_xml = mono_build.folder / "nunit-result.xml"
    env = {**os.environ, "TALKRIG_GOLDEN": str(FIXTURES / "golden_datagrams.json")}
    run = subprocess.run(
        ["nunit-console", "-nologo", str(mono_build.tests), f"-xml={result_xml}"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=mono_build.folder,
    )
    assert result_xml.is_file(), f"nunit-console wrote no result:\n{run.stdout}{run.stderr}"
    root = ET.parse(result_xml).getroot()
    cases = root.findall(".//test-case")
    failed = [c.get("name") for c in cases if c.get("success") != "True"]
    assert not failed, f"C# tests failed: {failed}\n{run.stdout[-4000:]}"
    assert len(cases) >= 40 and int(root.get("total", "0")) == len(cases)
    assert all(c.get("executed") == "True" for c in cases), "a test was ignored (golden fixture?)"
    assert run.returncode == 0
    names = {c.get("name", "").rsplit(".", 1)[-1] for c in cases}
    fuzz = "FuzzedDatagramsRaiseOnlyTheFormatExceptionAndNeverHang"
    assert fuzz in names, "the C# fuzz run is gone"
    figure = re.search(r"fuzz: .*", run.stdout)
    assert figure, "the C# fuzz run printed no figure"
    print(figure.group(0))  # seen with pytest -s


class Harness:
    """The compiled C# console receiver, reading its JSON lines on a helper thread."""

    def __init__(self, build: Build) -> None:
        self._proc = subprocess.Popen(
            ["mono", str(build.harness), "30"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.port = int(self.next_line()["ready"])

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self._lines.put(json.loads(line))

    def next_line(self) -> dict[str, Any]:
        try:
            return self._lines.get(timeout=LINE_TIMEOUT_S)
        except queue.Empty:
            raise AssertionError(f"C# receiver printed nothing in {LINE_TIMEOUT_S} s") from None

    def lines_until(self, key: str) -> list[dict[str, Any]]:
        """Lines up to and including the first one holding ``key``."""
        out = [self.next_line()]
        while key not in out[-1]:
            out.append(self.next_line())
        return out

    def close(self) -> None:
        assert self._proc.stdin is not None
        if not self._proc.stdin.closed:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=LINE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=LINE_TIMEOUT_S)
        self._reader.join(timeout=LINE_TIMEOUT_S)


@pytest.fixture
def harness(mono_build: Build) -> Iterator[Harness]:
    h = Harness(mono_build)
    yield h
    h.close()


def _frame(
    sequence: int,
    *,
    blend: np.ndarray | None = None,
    land: np.ndarray | None = None,
    voiced: bool = True,
) -> FaceFrame:
    now = time.perf_counter()
    rep = Representation.BLENDSHAPES
    if land is not None:
        rep = Representation.LANDMARKS_3D if land.shape[1] == 3 else Representation.LANDMARKS_2D
    return FaceFrame(
        sequence=sequence,
        capture_time=CAPTURE_T0 + 0.04 * sequence,
        stream_time=0.04 * sequence,
        representation=rep,
        times=FrameTimes(now, now, now, now),
        values=blend if land is None else land,  # type: ignore[arg-type]
        avatar=AVATAR,
        voiced=voiced,
    )


def _bits(values: np.ndarray) -> list[int]:
    return [
        int(b) for b in np.ascontiguousarray(values, dtype=np.float32).reshape(-1).view(np.uint32)
    ]


def test_engine_frames_arrive_intact(harness: Harness) -> None:
    rng = np.random.default_rng(5)
    sent: list[FaceFrame] = []
    for seq in range(12):
        blend = rng.uniform(0, 1, 52).astype(np.float32)
        sent.append(_frame(seq, blend=blend, voiced=seq % 3 != 0))
    stale = _frame(4, blend=np.ones(52, np.float32))  # arrives after 11: must be dropped
    sent.append(_frame(12, land=rng.uniform(-1, 1, (478, 3)).astype(np.float32)))
    sent.append(_frame(13, land=rng.uniform(-1, 1, (68, 2)).astype(np.float32)))
    target = make_target(f"unity://127.0.0.1:{harness.port}")
    with target:
        for frame in [*sent[:12], stale, *sent[12:]]:
            target.send(frame)
            time.sleep(PACE_S)
        lines = harness.lines_until("frame")
        while lines[-1].get("frame", {}).get("sequence") != 13:
            lines.append(harness.next_line())
    assert target.state().errors == 0

    hellos = [line["hello"] for line in lines if "hello" in line]
    assert hellos[0] == {
        "version": 1,
        "avatar": AVATAR,
        "representation": "blendshapes",
        "count": 52,
        "dims": 1,
        "fps": 25,
    }
    got = [line["frame"] for line in lines if "frame" in line]
    assert [g["sequence"] for g in got] == [f.sequence for f in sent], "stale frame 4 leaked"
    for g, f in zip(got, sent, strict=True):
        assert g["avatar"] == AVATAR
        assert g["capture_us"] == round(f.capture_time * 1_000_000)
        assert g["voiced"] is f.voiced
        if f.blendshapes is not None:
            assert (g["representation"], g["points"]) == ("Blendshapes", 0)
            assert g["bits"] == _bits(f.blendshapes), f"blendshapes of frame {f.sequence}"
        else:
            assert f.landmarks is not None
            assert (g["points"], g["dims"]) == f.landmarks.shape
            assert g["bits"] == _bits(f.landmarks), f"landmarks of frame {f.sequence}"


def test_garbage_is_counted_not_fatal(harness: Harness) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"\x06garbage", ("127.0.0.1", harness.port))
        sock.sendto(b"/talkrig/blendshapes\0\0\0\0,siiii\0\0", ("127.0.0.1", harness.port))
        time.sleep(0.05)
        target = make_target(f"unity://127.0.0.1:{harness.port}")
        with target:
            target.send(_frame(0, blend=np.full(52, 0.5, np.float32)))
        frame = next(line for line in harness.lines_until("frame") if "frame" in line)["frame"]
    assert frame["bits"] == _bits(np.full(52, 0.5, np.float32))
    harness.close()
    stats = harness.lines_until("stats")[-1]["stats"]
    assert stats["errors"] == 2 and stats["frames"] == 1
    assert "/talkrig/blendshapes ,siiii, argument 0" in stats["last_error"]


def _golden(name: str) -> list[bytes]:
    data = json.loads((FIXTURES / "golden_datagrams.json").read_text(encoding="utf-8"))
    vector = next(v for v in data["vectors"] if v["name"] == name)
    return [bytes.fromhex(h) for h in vector["datagrams"]]


def _pad(size: int) -> int:
    return (size + 3) & ~3


def _with_word(message: bytes, index: int, word: int) -> bytes:
    """``message`` (s, i and f arguments only) with 32-bit argument ``index`` set to ``word``."""
    pos = _pad(message.index(b"\0") + 1)
    tags_end = message.index(b"\0", pos)
    tags = message[pos + 1 : tags_end].decode("ascii")
    pos = _pad(tags_end + 1)
    for tag in tags[:index]:
        pos = _pad(message.index(b"\0", pos) + 1) if tag == "s" else pos + 4
    return message[:pos] + struct.pack(">I", word) + message[pos + 4 :]


# Issue 13's datagrams that each killed the receive thread (a size wrapping signed 32 bits),
# built here independently of the C# tests.
HUGE_BLOB = b"/b\0\0,bs\0" + struct.pack(">I", 0x7FFFFFFC) + b"\0" * 4
HUGE_BUNDLE_ELEMENT = b"#bundle\0" + struct.pack(">QI", 1, 0x7FFFFFFC) + b"/a\0\0,\0\0\0"


def test_hostile_datagrams_do_not_stop_the_receiver(harness: Harness) -> None:
    # Landmark arguments: avatar, sequence, time hi, time lo, flags, points, dims, index, count,
    # first point.
    huge_first_point = _with_word(_golden("unity-landmarks2d")[0], 9, 0x7FFFFFFF)
    nan_frame = _with_word(_golden("unity-blendshapes")[0], 5, 0x7FC00000)  # eyeBlinkLeft = NaN
    hostile = [HUGE_BLOB, HUGE_BUNDLE_ELEMENT, huge_first_point, nan_frame]
    rounds = 3
    target = make_target(f"unity://127.0.0.1:{harness.port}")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, target:
        for seq in range(rounds):
            for datagram in hostile:
                sock.sendto(datagram, ("127.0.0.1", harness.port))
                time.sleep(PACE_S)
            target.send(_frame(seq, blend=np.full(52, 0.25, np.float32)))
            lines = harness.lines_until("frame")
            assert lines[-1]["frame"]["sequence"] == seq, "a good frame after hostile ones was lost"
    harness.close()
    stats = harness.lines_until("stats")[-1]["stats"]
    assert stats["frames"] == rounds
    assert stats["errors"] == 3 * rounds, stats["last_error"]
    assert stats["non_finite"] == rounds
    assert stats["faults"] == 0, stats["last_error"]
