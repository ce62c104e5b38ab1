"""A recorder on a full disk: cut back to its last complete row, closed, fatal with one line."""

from __future__ import annotations

import csv
import errno
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from talkrig.bridge.senders.recorders import CsvRecorder, JsonlRecorder
from talkrig.bridge.senders.targets import make_target
from tests.bridge.senders.helpers import blend_frame, landmark_frame

ENOSPC = os.strerror(errno.ENOSPC)  # "No space left on device"


class FullDisk:
    """A raw file whose disk fills after ``room`` bytes: a write takes what still fits (a torn
    row), the next one raises ENOSPC, as ``write(2)`` does."""

    def __init__(self, raw: Any, room: int) -> None:
        self.raw = raw
        self.room = room

    def write(self, data: Any) -> int:
        if self.room <= 0:
            raise OSError(errno.ENOSPC, ENOSPC)
        taken = bytes(data[: self.room])
        self.room -= len(taken)
        return int(self.raw.write(taken))

    def truncate(self, size: int) -> int:
        return int(self.raw.truncate(size))

    def close(self) -> None:
        self.raw.close()


def _fill(rec: CsvRecorder | JsonlRecorder, kind: str = "blend", limit: int = 1000) -> int:
    """Send frames until the recorder turns fatal; the number sent."""
    for n in range(limit):
        rec.send(blend_frame(n) if kind == "blend" else landmark_frame(n, 68, 2))
        if rec.fatal is not None:
            return n + 1
    raise AssertionError("the recorder never noticed the full disk")


@pytest.mark.parametrize(
    ("scheme", "kind"), [("csv", "blend"), ("csv", "land"), ("jsonl", "blend")]
)
def test_injected_enospc_cuts_back_to_the_last_row(tmp_path: Path, scheme: str, kind: str) -> None:
    rec = make_target(f"{scheme}:{tmp_path / 'take'}")
    assert isinstance(rec, CsvRecorder | JsonlRecorder)
    rec._file = FullDisk(rec._file, room=5_000)  # type: ignore[assignment]
    sent = _fill(rec, kind)
    message = f"cannot write {tmp_path / 'take'}: {ENOSPC}"
    assert rec.fatal == message and rec.state().fatal == message
    rec.send(blend_frame(sent))  # after the failure: refused quickly, counted, nothing written
    assert rec.state().errors == 2
    rec.close()
    data = (tmp_path / "take").read_bytes()
    assert 0 < len(data) <= 5_000 and data.endswith(b"\n")  # no torn last row
    lines = data.decode().splitlines()
    if scheme == "csv":
        rows = list(csv.reader(lines))
        assert {len(r) for r in rows} == {len(rows[0])}
    else:
        assert [json.loads(line)["sequence"] for line in lines] == list(range(len(lines)))


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KiB tmpfs (root only, where mounting is permitted)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
        capture_output=True,
        timeout=10,
    )
    if done.returncode != 0:
        pytest.skip(f"mount not permitted here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=10)


def test_a_real_full_tmpfs(tiny_tmpfs: Path) -> None:
    path = tiny_tmpfs / "take.csv"
    with make_target(f"csv:{path}") as rec:
        assert isinstance(rec, CsvRecorder)
        sent = _fill(rec, "land")
        assert rec.fatal == f"cannot write {path}: {ENOSPC}"
    data = path.read_bytes()
    assert data.endswith(b"\n") and len(data) <= 64 * 1024
    rows = list(csv.reader(data.decode().splitlines()))
    assert 1 < len(rows) < sent + 1 and {len(r) for r in rows} == {4 + 136}
