"""The hint for a voice too quiet to open the silence gate: its rules on made-up ticks, then
the real window streaming the demo voice with the gain turned far down and back up."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from talkrig.app.main_window import MainWindow
from talkrig.app.quiet_voice import QuietVoiceHint
from talkrig.app.settings import DEMO_DEVICE, SettingsStore
from talkrig.bridge.audio.file_source import FileSource
from talkrig.bridge.audio.retry import open_device
from talkrig.bridge.audio.sources import decode_file
from talkrig.models.registry import SHIPPED_DIR, Registry
from tests.app.test_gui_window import MIC, WAIT_MS, _log, _select

TICK = 1 / 30


def _feed(hint: QuietVoiceHint, start: float, seconds: float, peak_db, voiced) -> list[str]:
    """Ticks from ``start`` for ``seconds``; ``peak_db`` and ``voiced`` are functions of the
    tick's index. The hints given."""
    said = []
    for i in range(round(seconds / TICK)):
        text = hint.update(start + i * TICK, peak_db(i), voiced(i))
        if text:
            said.append(text)
    return said


def test_a_voice_heard_but_never_voiced_gets_the_hint_once() -> None:
    hint = QuietVoiceHint(open_db=-42.0)
    said = _feed(hint, 0.0, 10.0, lambda i: -38.0 if i % 3 else -70.0, lambda i: False)
    assert said == [
        "the input is heard but too quiet to move the mouth: raise the gain until speech peaks "
        "around -10 dBFS on the meter (below about -30 dBFS the mouth stays shut)"
    ]
    early = QuietVoiceHint(open_db=-42.0)
    assert _feed(early, 0.0, 3.0, lambda i: -38.0, lambda i: False) == []  # not yet 4 s


@pytest.mark.parametrize(
    ("peak_db", "voiced"),
    [
        (lambda i: -38.0, lambda i: i % 20 == 0),  # the gate opens now and then: it works
        (lambda i: -65.0, lambda i: False),  # a quiet room
        (lambda i: -20.0 if i % 40 == 0 else -70.0, lambda i: False),  # a knock now and then
        (lambda i: -38.0, lambda i: None),  # no frames at all (nothing to judge by)
    ],
)
def test_no_hint_when_the_mouth_moves_the_room_is_quiet_or_no_frame_comes(peak_db, voiced) -> None:
    hint = QuietVoiceHint(open_db=-42.0)
    assert _feed(hint, 0.0, 12.0, peak_db, voiced) == []


def test_after_the_voice_opened_the_mouth_a_new_quiet_spell_is_told_again() -> None:
    hint = QuietVoiceHint(open_db=-42.0)
    assert len(_feed(hint, 0.0, 6.0, lambda i: -38.0, lambda i: False)) == 1
    assert _feed(hint, 6.0, 2.0, lambda i: -20.0, lambda i: True) == []
    assert len(_feed(hint, 8.0, 6.0, lambda i: -38.0, lambda i: False)) == 1
    hint.reset()
    assert len(_feed(hint, 14.0, 6.0, lambda i: -38.0, lambda i: False)) == 1


def _quiet_speech(shared_data: Path, path: Path) -> Path:
    """Real read speech, its peaks at -42 dBFS: a quiet microphone (16-bit WAV)."""
    audio = decode_file(shared_data / "speech" / "1320_00000.mp3")
    samples = np.round(audio / np.abs(audio).max() * 10 ** (-42 / 20) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(samples.tobytes())
    return path


def _window(qtbot: QtBot, config: Path, device: str, opener=open_device) -> MainWindow:
    win = MainWindow(SettingsStore(config), Registry([SHIPPED_DIR]), lambda r: [MIC], opener=opener)
    qtbot.addWidget(win)
    win.targets.set_targets(())
    _select(win, "device_box", device)
    return win


def test_the_window_tells_a_too_quiet_microphone_to_raise_the_gain(
    qtbot: QtBot, tmp_path: Path, shared_data: Path
) -> None:
    # The microphone is this file played in real time through FFmpeg: only the device lookup
    # is replaced, so the quiet voice takes the path a microphone's samples take.
    quiet = _quiet_speech(shared_data, tmp_path / "quiet.wav")
    window = _window(qtbot, tmp_path / "config", MIC.name, lambda name, rescan: FileSource(
        quiet, loop=True
    ))  # fmt: skip
    try:
        assert window.start()
        qtbot.waitUntil(lambda: "too quiet to move the mouth" in _log(window), timeout=WAIT_MS)
        assert window.level.db < -35  # the meter showed it quiet, not silent
        voiced: list[bool] = []
        window.frame_shown.connect(lambda frame: voiced.append(frame.voiced))
        window.gain_box.setValue(30.0)  # the remedy the hint names: now the mouth moves
        qtbot.waitUntil(lambda: any(voiced), timeout=WAIT_MS)
        qtbot.wait(5_000)
        assert _log(window).count("too quiet") == 1
    finally:
        window.close()


def test_a_voice_at_a_normal_level_gets_no_hint(qtbot: QtBot, tmp_path: Path) -> None:
    window = _window(qtbot, tmp_path / "config", DEMO_DEVICE)
    try:
        assert window.start()
        qtbot.wait(6_000)  # longer than the hint's 4 s
        assert "too quiet" not in _log(window)
        assert window.level.db > -40  # the voice was heard
    finally:
        window.close()
