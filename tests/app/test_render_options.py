"""``talkrig render --compare MODEL_A MODEL_B`` and ``--force``: real renders, read back."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from tests.app.conftest import HAVE_QT
from tests.conftest import IN_CI

if not HAVE_QT and not IN_CI:
    pytest.skip("PySide6 / pyqtgraph / pytest-qt are not installed", allow_module_level=True)

from talkrig.commands.cli import main


@pytest.fixture
def speech(shared_data: Path) -> Path:
    return shared_data / "speech" / "3575_00000.mp3"


def _size(path: Path) -> tuple[int, int]:
    with av.open(str(path)) as container:
        video = container.streams.video[0].codec_context
        return video.width, video.height


def _errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("talkrig: error: ")]


def test_an_existing_out_is_kept_unless_force(
    qapp: object, speech: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "preview.mp4"
    out.write_bytes(b"last week's take")
    args = ["render", str(speech), "--out", str(out), "--size", "160x120", "-q"]
    assert main(args) == 2
    errors = _errors(capsys.readouterr().err)
    assert len(errors) == 1 and "already exists; add --force" in errors[0], errors
    assert out.read_bytes() == b"last week's take"
    assert main([*args, "--force"]) == 0
    assert _size(out) == (160, 120)  # replaced by a real video


def test_compare_renders_two_models_side_by_side(
    qapp: object, speech: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "both.mp4"
    args = ["render", str(speech), "--out", str(out), "--size", "320x240", "-q",
            "--compare", "talkrig-neutral", "talkrig-landmarks2d"]  # fmt: skip
    assert main(args) == 0, capsys.readouterr().err
    assert _size(out) == (640, 240)  # twice --size wide


def test_compare_with_an_unknown_model_is_one_error(
    qapp: object, speech: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "both.mp4"
    args = ["render", str(speech), "--out", str(out), "--compare", "talkrig-neutral", "nope"]
    assert main(args) == 2
    errors = _errors(capsys.readouterr().err)
    assert len(errors) == 1 and "nope" in errors[0], errors
    assert not out.exists()


def test_compare_needs_two_models(speech: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["render", str(speech), "--out", str(tmp_path / "a.mp4"), "--compare", "x"])
    assert exit_info.value.code == 2
