"""`talkrig render` on hostile input: a float WAV with NaN renders; a full disk is one line."""

from __future__ import annotations

import math
from pathlib import Path

import av
import numpy as np
import pytest

from talkrig.bridge.audio.sources import decode_file
from talkrig.commands.cli import main
from tests.bridge.test_hostile_input import write_float_wav
from tests.bridge.write_faults import ENOSPC, tiny_tmpfs

__all__ = ["tiny_tmpfs"]  # a fixture, used by name


@pytest.fixture
def nan_wav(shared_data: Path, tmp_path: Path) -> Path:
    """A real GRID clip with 0.25 s of NaN in the middle, as a float WAV."""
    audio = decode_file(shared_data / "grid" / "bbaf2n.mpg")
    audio[20_000:24_000] = math.nan
    return write_float_wav(tmp_path / "nan.wav", audio)


def test_a_nan_burst_renders(nan_wav: Path, tmp_path: Path) -> None:
    out = tmp_path / "v.mp4"
    assert main(["render", str(nan_wav), "--out", str(out), "-q", "--size", "160x120"]) == 0
    with av.open(str(out)) as container:
        sound = np.concatenate([f.to_ndarray().ravel() for f in container.decode(audio=0)])
    assert np.isfinite(sound).all()  # the encoder refused NaN before the audio was sanitised


def test_a_full_disk_is_one_line_and_no_file(
    nan_wav: Path, tiny_tmpfs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tiny_tmpfs / "ballast").write_bytes(b"\0" * 60 * 1024)  # 4 KiB left: not one second
    out = tiny_tmpfs / "v.mp4"
    assert main(["render", str(nan_wav), "--out", str(out), "-q", "--size", "160x120"]) == 1
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("talkrig: error")]
    assert err == [f"talkrig: error: cannot write {out}: {ENOSPC}"]
    assert [p.name for p in tiny_tmpfs.iterdir()] == ["ballast"]  # no partial video left
