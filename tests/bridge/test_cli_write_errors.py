"""Disk and write errors in the CLI: one line, exit status 1, the file cut back to its last
complete row; every output path checked before the run; the report kept even on failure."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from talkrig.bridge.audio.base import AudioError
from talkrig.bridge.audio.file_source import FileSource
from talkrig.bridge.senders import recorders
from talkrig.commands.cli import main
from tests.bridge.write_faults import ENOSPC, FullDisk, tiny_tmpfs
from tests.helpers import write_wav

__all__ = ["tiny_tmpfs"]  # a fixture, used by name
LANDMARKS = str(Path(__file__).resolve().parents[2] / "models" / "baseline-energy-landmarks3d.onnx")


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6 s of a loud warble (a 16-bit WAV): enough frames to fill a 64 KiB disk."""
    t = np.arange(6 * 16_000) / 16_000
    audio = 0.3 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t)) / 2
    return write_wav(tmp_path_factory.mktemp("audio") / "speech.wav", audio)


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("talkrig: error")]
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    return lines[0]


def _complete_csv(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    assert data == b"" or data.endswith(b"\n"), "a torn last row"
    rows = list(csv.reader(data.decode().splitlines()))
    assert len({len(r) for r in rows}) <= 1
    return rows


def test_run_on_a_full_disk(
    tiny_tmpfs: Path, speech: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    take, report = tiny_tmpfs / "take.csv", tmp_path / "report.json"
    argv = ["run", "--source", str(speech), "--fast", "-q", "--model", LANDMARKS]
    code = main([*argv, "--target", f"csv:{take}", "--report", str(report)])
    assert code == 1
    assert _one_error_line(capsys) == f"talkrig: error: cannot write {take}: {ENOSPC}"
    rows = _complete_csv(take)
    written = json.loads(report.read_text())
    assert written["error"] == f"cannot write {take}: {ENOSPC}"
    # Ended promptly: far fewer frames than the file's 150.
    assert len(rows) - 1 <= written["metrics"]["frames"] + 1 < 100


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "livelink"])
def test_infer_on_a_full_disk(
    tiny_tmpfs: Path, speech: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tiny_tmpfs / f"take.{fmt}"
    model = ["--model", LANDMARKS] if fmt != "livelink" else []
    code = main(["infer", str(speech), "--out", str(out), "--format", fmt, "-q", *model])
    assert code == 1
    assert _one_error_line(capsys) == f"talkrig: error: cannot write {out}: {ENOSPC}"
    data = out.read_bytes()
    assert data == b"" or data.endswith(b"\n")
    if fmt == "jsonl":
        assert all(json.loads(line) for line in data.decode().splitlines())


def test_infer_injected_enospc(
    speech: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    opened = recorders.open_new_file

    def filling(path: Path) -> tuple[Path, Any]:
        real, raw = opened(path)
        return real, FullDisk(raw, room=20_000)

    monkeypatch.setattr(recorders, "open_new_file", filling)
    out = tmp_path / "take.csv"
    assert main(["infer", str(speech), "--out", str(out), "-q"]) == 1
    assert _one_error_line(capsys) == f"talkrig: error: cannot write {out}: {ENOSPC}"
    rows = _complete_csv(out)
    assert 1 < len(rows) < 150 and out.stat().st_size <= 20_000


@pytest.mark.parametrize("where", ["missing-folder", "a-folder", "read-only"])
def test_bad_report_path_fails_before_the_run(
    where: str, speech: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = {
        "missing-folder": tmp_path / "no" / "r.json",
        "a-folder": tmp_path,
        "read-only": tmp_path / "ro" / "r.json",
    }[where]
    if where == "read-only":
        report.parent.mkdir()
        report.parent.chmod(0o500)
        if os.access(report.parent, os.W_OK):  # root ignores permission bits
            pytest.skip("running as root: permission bits do not stop writes")
    take = tmp_path / "take.csv"
    argv = ["run", "--source", str(speech), "--fast", "-q", "--target", f"csv:{take}"]
    assert main([*argv, "--report", str(report)]) == 2
    assert _one_error_line(capsys).startswith(f"talkrig: error: --report {report}")
    assert not take.exists()  # nothing was started


def test_report_on_a_disk_that_fills_goes_to_a_fallback(
    tiny_tmpfs: Path, speech: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tiny_tmpfs / "ballast").write_bytes(b"\0" * 64 * 1024)  # full, yet a new empty file is fine
    report = tiny_tmpfs / "report.json"
    argv = ["run", "--source", str(speech), "--fast", "-q", "--target", f"csv:{tmp_path / 't.csv'}"]
    assert main([*argv, "--report", str(report)]) == 1
    line = _one_error_line(capsys)
    prefix = f"talkrig: error: cannot write {report}: {ENOSPC}; report written to "
    assert line.startswith(prefix)
    fallback = Path(line[len(prefix) :])
    try:
        assert fallback.parent == Path(tempfile.gettempdir())
        assert json.loads(fallback.read_text())["metrics"]["frames"] > 100
        assert not report.exists()  # no torn report passing for the real one
    finally:
        fallback.unlink(missing_ok=True)


def test_infer_and_render_check_the_output_before_loading(
    speech: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["infer", str(speech), "--out", str(tmp_path), "-q"]) == 2
    assert "is a folder" in _one_error_line(capsys)


def test_report_on_a_read_only_file_system_fails_before_the_run(
    tiny_tmpfs: Path, speech: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Root ignores permission bits, but not a read-only mount: the probe really writes.
    done = subprocess.run(["mount", "-o", "remount,ro", str(tiny_tmpfs)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"remount not permitted: {done.stderr.decode().strip()}")
    report, take = tiny_tmpfs / "r.json", tmp_path / "take.csv"
    argv = ["run", "--source", str(speech), "--fast", "-q", "--target", f"csv:{take}"]
    assert main([*argv, "--report", str(report)]) == 2
    line = _one_error_line(capsys)
    assert line == f"talkrig: error: --report {report}: cannot write (Read-only file system)"
    assert not take.exists()


def test_the_report_is_written_when_the_run_breaks(
    speech: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def vanish(self: FileSource, ring: object) -> None:
        raise AudioError("the device went away")  # as a sound card unplugged at start would

    monkeypatch.setattr(FileSource, "start", vanish)
    report = tmp_path / "report.json"
    argv = ["run", "--source", str(speech), "-q", "--target", f"csv:{tmp_path / 't.csv'}"]
    assert main([*argv, "--report", str(report)]) == 2
    assert _one_error_line(capsys) == "talkrig: error: the device went away"
    assert json.loads(report.read_text())["error"] == "AudioError: the device went away"
