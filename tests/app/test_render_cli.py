"""``talkrig render FILE --out preview.mp4``: a real run, and one clear error per bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import av
import pytest

from tests.app.conftest import HAVE_QT
from tests.conftest import IN_CI
from tests.helpers import write_wav

if not HAVE_QT and not IN_CI:
    pytest.skip("PySide6 / pyqtgraph / pytest-qt are not installed", allow_module_level=True)

from talkrig.commands.cli import main
from talkrig.commands.render import video_size


@pytest.fixture
def speech(shared_data: Path) -> Path:
    return shared_data / "speech" / "3575_00000.mp3"


def _error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if "error" in line]


def test_render_writes_a_video_without_a_display(speech: Path, tmp_path: Path) -> None:
    # A fresh process with neither a display nor QT_QPA_PLATFORM: render must go offscreen.
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}  # fmt: skip
    out = tmp_path / "preview.mp4"
    done = subprocess.run(
        [sys.executable, "-m", "talkrig.commands", "render", str(speech), "--out", str(out),
         "--size", "320x240", "--seed", "1", "-q"],
        env=env, capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"to {out}" in done.stderr
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (320, 240)
        assert video.frames > 100
        assert len(container.streams.audio) == 1


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda d, s: [str(d / "missing.mp3"), "--out", str(d / "a.mp4")], "does not exist"),
        (lambda d, s: [str(d / "junk.wav"), "--out", str(d / "a.mp4")], "junk.wav"),
        (lambda d, s: [str(s), "--out", str(d / "no" / "a.mp4")], "does not exist"),
        (lambda d, s: [str(s), "--out", str(d / "a.mp4"), "--size", "642x481"], "642x481"),
        (lambda d, s: [str(s), "--out", str(d / "a.mp4"), "--model", "nope"], "nope"),
    ],
    ids=["missing file", "undecodable file", "missing folder", "odd size", "unknown model"],
)
def test_bad_input_is_one_error_line_and_status_2(
    qapp: object, speech: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    make_args: object, message: str,
) -> None:  # fmt: skip
    (tmp_path / "junk.wav").write_bytes(b"RIFF????WAVEjunk" * 20)
    assert callable(make_args)
    assert main(["render", *make_args(tmp_path, speech)]) == 2
    err = capsys.readouterr().err
    lines = _error_lines(err)
    assert len(lines) == 1 and lines[0].startswith("talkrig: error: "), err
    assert message in lines[0]
    assert not (tmp_path / "a.mp4").exists()


@pytest.mark.parametrize("text", ["big", "640x", "x480", "640*480", "640x480x2"])
def test_size_that_is_not_width_x_height_is_a_usage_error(
    text: str, speech: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["render", str(speech), "--out", str(tmp_path / "a.mp4"), "--size", text])
    assert exit_info.value.code == 2
    assert f"size {text!r} is not WIDTHxHEIGHT" in capsys.readouterr().err


def test_size_parses_width_by_height() -> None:
    assert video_size("1280x720") == (1280, 720)
    assert video_size("320X240") == (320, 240)


def test_ctrl_c_stops_the_render_with_one_line_and_no_file(speech: Path, tmp_path: Path) -> None:
    import signal
    import threading
    import time

    import numpy as np

    from talkrig.bridge.audio.sources import decode_file

    # two minutes: the render is surely still running
    long_wav = write_wav(tmp_path / "long.wav", np.resize(decode_file(speech), 120 * 16_000))
    out = tmp_path / "preview.mp4"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "talkrig.commands", "render", str(long_wav), "--out", str(out),
         "--size", "320x240"],
        env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    err: list[str] = []
    stream = proc.stderr
    assert stream is not None
    reader = threading.Thread(target=lambda: err.extend(iter(lambda: stream.read(1), "")))
    reader.start()
    deadline = time.monotonic() + 60
    while "frame" not in "".join(err) and time.monotonic() < deadline:  # the progress bar is up
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=30)
    reader.join(timeout=5)
    text = "".join(err)
    assert code == 130, text
    assert "render cancelled; nothing written" in text and "Traceback" not in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.wav"]
