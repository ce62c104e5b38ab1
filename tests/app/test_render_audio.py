"""Cancelling a render while its source still decodes: a real long WAV, real PyAV decoding on
the file source's thread, the real render worker; the cancel lands part-way through the file."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from tests.app.conftest import HAVE_QT
from tests.conftest import IN_CI
from tests.helpers import write_wav

if not HAVE_QT and not IN_CI:
    pytest.skip("PySide6 / pyqtgraph / pytest-qt are not installed", allow_module_level=True)

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from talkrig.app.main_window import MainWindow
from talkrig.app.render import RenderCancelled, render_video
from talkrig.app.render_audio import RING_S, decode_until, open_audio
from talkrig.app.render_menu import add_render_action
from talkrig.app.settings import SettingsStore
from talkrig.bridge.audio.base import AudioError
from talkrig.bridge.audio.sources import decode_file
from talkrig.models.contract import SAMPLE_RATE
from talkrig.models.registry import DEFAULT_MODEL, SHIPPED_DIR, Registry

LONG_S = 60  # far more than the ring holds, so a cancel at the first read is mid-file
WAIT_MS = 60_000


@pytest.fixture
def speech(shared_data: Path) -> Path:
    return shared_data / "speech" / "p240_00000.mp3"


@pytest.fixture
def long_wav(speech: Path, tmp_path: Path) -> Path:
    """A minute of real speech (the file repeated) as 16-bit 16 kHz mono WAV."""
    voice = decode_file(speech)
    samples = np.resize(voice, LONG_S * SAMPLE_RATE)
    return write_wav(tmp_path / "long.wav", samples, SAMPLE_RATE)


def test_decode_until_gives_what_decode_file_gives(speech: Path) -> None:
    seen: list[float] = []
    audio = decode_until(open_audio(speech), threading.Event(), seen.append)
    assert audio is not None
    np.testing.assert_array_equal(audio, decode_file(speech))
    assert seen == sorted(seen) and seen[-1] == pytest.approx(len(audio) / SAMPLE_RATE)


def test_garbage_is_one_audio_error_naming_the_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF????WAVEjunk" * 64)
    with pytest.raises(AudioError, match=r"junk\.wav"):
        open_audio(junk)


def test_stop_while_decoding_ends_the_decode_and_writes_nothing(
    qapp: object, long_wav: Path, tmp_path: Path
) -> None:
    stop = threading.Event()
    decoded: list[float] = []
    frames: list[int] = []

    def decoding(seconds: float) -> None:
        decoded.append(seconds)
        stop.set()  # the user presses Cancel after the first piece

    with pytest.raises(RenderCancelled, match=r"long\.wav.*cancelled"):
        render_video(
            long_wav, tmp_path / "a.mp4", DEFAULT_MODEL, size=(320, 240),
            progress=lambda done, total: frames.append(done), stop=stop, decoding=decoding,
        )  # fmt: skip
    assert len(decoded) == 1 and decoded[0] <= RING_S < LONG_S  # cut short, not read to the end
    assert frames == []  # not a single video frame
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.wav"]  # no output, no partial


def test_cancel_from_the_window_during_decode_is_a_clean_cancelled_state(
    qtbot: QtBot, long_wav: Path, tmp_path: Path
) -> None:
    window = MainWindow(SettingsStore(tmp_path / "config"), Registry([SHIPPED_DIR]), lambda r: [])
    qtbot.addWidget(window)
    action = add_render_action(window)
    out = tmp_path / "a.mp4"
    with qtbot.waitSignal(action.finished, timeout=WAIT_MS) as finished:
        worker = action.start(long_wav, out)
        assert worker is not None
        # Direct: cancel on the worker thread at a decoded second (the first it emits after
        # this line; the file has 60), so the cancel surely lands inside the decode.
        worker.decoding.connect(worker.cancel, Qt.ConnectionType.DirectConnection)
        progressed: list[int] = []
        worker.progressed.connect(lambda done, total: progressed.append(done))
    assert finished.args[0] == "render of long.wav cancelled"
    assert progressed == []
    assert action.worker is None and action.dialog is None and action.isEnabled()
    assert "render of long.wav cancelled" in window.log_panel.toPlainText()
    assert [p.name for p in tmp_path.iterdir() if "mp4" in p.name] == []  # no output, no partial
    window.close()


def test_ctrl_c_while_decoding_joins_the_decoder_and_writes_nothing(
    qapp: object, long_wav: Path, tmp_path: Path
) -> None:
    # The CLI passes no stop event: Ctrl+C arrives as KeyboardInterrupt on the render thread.
    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render_video(long_wav, tmp_path / "a.mp4", DEFAULT_MODEL, decoding=interrupt)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.wav"]
    # (the autouse fixture then checks that the decode thread was joined)
