"""CSV / JSONL recorders: contents, never overwriting, and surviving a SIGKILL mid-stream."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from talkrig.bridge.senders.recorders import CsvRecorder, JsonlRecorder
from talkrig.bridge.senders.targets import TargetError, make_target
from talkrig.models import arkit
from tests.bridge.senders.helpers import blend_frame, landmark_frame

REPO = Path(__file__).resolve().parents[3]


def test_csv_blendshapes(tmp_path: Path) -> None:
    frames = [blend_frame(i, voiced=i % 2 == 0) for i in range(3)]
    with make_target(f"csv:{tmp_path / 'take.csv'}") as rec:
        for frame in frames:
            rec.send(frame)
    rows = list(csv.reader((tmp_path / "take.csv").read_text().splitlines()))
    assert rows[0] == ["sequence", "capture_time", "stream_time", "voiced", *arkit.NAMES]
    assert len(rows) == 4
    for frame, row in zip(frames, rows[1:], strict=True):
        assert int(row[0]) == frame.sequence
        assert float(row[1]) == pytest.approx(frame.capture_time, abs=1e-6)
        assert row[3] == ("1" if frame.voiced else "0")
        assert frame.blendshapes is not None
        np.testing.assert_allclose([float(v) for v in row[4:]], frame.blendshapes, atol=1e-6)


def test_csv_landmarks_header_and_refuses_another_kind(tmp_path: Path) -> None:
    with make_target(f"csv:{tmp_path / 'lm.csv'}") as rec:
        rec.send(landmark_frame(0, 68, 2))
        rec.send(blend_frame(1))  # another kind: refused, counted, never written
        state = rec.state()
    rows = list(csv.reader((tmp_path / "lm.csv").read_text().splitlines()))
    assert rows[0][4:8] == ["x0", "y0", "x1", "y1"] and len(rows[0]) == 4 + 136
    assert len(rows) == 2
    assert state.errors == 1 and state.frames_sent == 1


def test_jsonl_fields(tmp_path: Path) -> None:
    with make_target(f"jsonl:{tmp_path / 'take.jsonl'}") as rec:
        rec.send(blend_frame(0, avatar_values=(("A", 0.5),)))
        rec.send(landmark_frame(1, 478, 3))
    first, second = (json.loads(ln) for ln in (tmp_path / "take.jsonl").read_text().splitlines())
    assert first["sequence"] == 0 and first["representation"] == "blendshapes"
    assert list(first["blendshapes"]) == list(arkit.NAMES)
    assert first["avatar_values"] == {"A": 0.5}
    assert first["times"]["inference_ms"] == pytest.approx(1.0, abs=1e-3)
    assert np.shape(second["landmarks"]) == (478, 3) and "blendshapes" not in second


@pytest.mark.parametrize("scheme", ["csv", "jsonl"])
def test_numpy_scalars_in_frames(tmp_path: Path, scheme: str) -> None:
    frame = dataclasses.replace(
        blend_frame(3), capture_time=np.float64(12.5), stream_time=np.float32(0.25)
    )
    with make_target(f"{scheme}:{tmp_path / 'take'}") as rec:
        rec.send(frame)
        assert rec.state().errors == 0
    text = (tmp_path / "take").read_text()
    if scheme == "csv":
        assert text.splitlines()[1].startswith("3,12.500000,0.250000,1,")
    else:
        assert json.loads(text)["stream_time"] == 0.25


def test_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "take.csv"
    path.write_text("precious\n")
    first = make_target(f"csv:{path}")
    second = make_target(f"csv:{path}")
    first.close()
    second.close()
    assert isinstance(first, CsvRecorder) and isinstance(second, CsvRecorder)
    assert (first.path.name, second.path.name) == ("take-1.csv", "take-2.csv")
    assert path.read_text() == "precious\n"


def test_missing_folder_is_a_target_error(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="does not exist"):
        make_target(f"jsonl:{tmp_path / 'no' / 'such' / 'take.jsonl'}")


def test_send_after_close_is_counted_not_raised(tmp_path: Path) -> None:
    rec = JsonlRecorder("jsonl:x", tmp_path / "x.jsonl")
    rec.close()
    rec.send(blend_frame(0))
    assert rec.state().errors == 1


_CHILD = textwrap.dedent(
    """
    import sys, time
    from talkrig.bridge.senders.targets import make_target
    from tests.bridge.senders.helpers import blend_frame, landmark_frame
    rec = make_target(sys.argv[1])
    seq = 0
    while True:  # until the parent kills us
        rec.send(landmark_frame(seq) if sys.argv[2] == "landmarks" else blend_frame(seq))
        seq += 1
        time.sleep(0.002)
    """
)


@pytest.mark.parametrize(("scheme", "kind"), [("csv", "landmarks"), ("jsonl", "blendshapes")])
def test_survives_sigkill_mid_stream(tmp_path: Path, scheme: str, kind: str) -> None:
    path = tmp_path / f"take.{scheme}"
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, f"{scheme}:{path}", kind],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        deadline = time.monotonic() + 30
        while not path.exists() or path.read_bytes().count(b"\n") < 15:
            assert child.poll() is None, "recorder child died on its own"
            assert time.monotonic() < deadline, "recorder child wrote too little"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
    lines = path.read_bytes().split(b"\n")
    complete, last = lines[:-1], lines[-1]  # last: b"" or the row being written at the kill
    assert len(complete) >= 15
    if scheme == "csv":
        rows = list(csv.reader(line.decode() for line in complete))
        assert all(len(row) == len(rows[0]) == 4 + 478 * 3 for row in rows)
        sequences = [int(row[0]) for row in rows[1:]]
        assert all(np.isfinite(float(v)) for row in rows[1:] for v in row[1:])
    else:
        sequences = [json.loads(line)["sequence"] for line in complete]
    assert sequences == list(range(len(sequences)))
    assert len(last) < 20_000  # at most one partial row
