"""A recorder on a full disk: cut back to its last complete row, closed, fatal with one line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from talkrig.bridge.senders.recorders import CsvRecorder, JsonlRecorder
from talkrig.bridge.senders.targets import make_target
from tests.bridge.senders.helpers import blend_frame, landmark_frame
from tests.bridge.write_faults import ENOSPC, FullDisk, tiny_tmpfs

__all__ = ["tiny_tmpfs"]  # a fixture, used by name


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
    rec._rows._raw = FullDisk(rec._rows._raw, room=5_000)  # type: ignore[assignment]
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
