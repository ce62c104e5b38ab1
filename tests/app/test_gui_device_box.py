"""Input devices that come and go, as the window sees them (offscreen Qt).

The device list comes from an injected lister, as in the other window tests: what PortAudio
lists cannot be changed from a test without hardware (the JACK-backed device tests live in
tests/bridge/audio/). The lister records whether it was asked to rescan. The unplugged input
is tests/app/unplug.py's device (why not a JACK restart: see test_input_retry.py).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from talkrig.app.main_window import MainWindow
from talkrig.app.settings import DEMO_DEVICE, SettingsStore, TargetSetting
from talkrig.bridge.audio.base import AudioError
from talkrig.bridge.audio.devices import DeviceInfo
from talkrig.models.registry import Registry
from tests.app.conftest import drain
from tests.app.unplug import NAME, PlugBoard

MIC = DeviceInfo(2, "USB Mic", "ALSA", 48000.0, 1, is_default=True)
CABLE = DeviceInfo(0, "CABLE Output", "ALSA", 44100.0, 2, is_default=False)
WAIT_MS = 10_000
JACK = DeviceInfo(0, "system", "JACK Audio Connection Kit", 16000.0, 2, is_default=False)


class Lister:
    """What PortAudio would list now; ``calls`` keeps each call's ``refresh`` flag."""

    def __init__(self, devices: list[DeviceInfo]) -> None:
        self.devices = devices
        self.calls: list[bool] = []
        self.broken: str | None = None
        self.rescan_s = 0.0  # how long a rescan takes

    def __call__(self, refresh: bool) -> list[DeviceInfo]:
        self.calls.append(refresh)
        if self.broken:
            raise AudioError(self.broken)
        if refresh:
            time.sleep(self.rescan_s)
        return list(self.devices)


@pytest.fixture
def lister() -> Lister:
    return Lister([MIC])


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, lister: Lister) -> Iterator[MainWindow]:
    window = MainWindow(SettingsStore(tmp_path / "config"), Registry(), lister)
    qtbot.addWidget(window)
    window.device_box.setCurrentIndex(window.device_box.findData(MIC.name))
    yield window
    window.close()


def _values(window: MainWindow) -> list[str]:
    box = window.device_box
    return [str(box.itemData(i)) for i in range(box.count())]


def test_opening_the_dropdown_rescans_and_keeps_the_selection_by_name(
    window: MainWindow, lister: Lister
) -> None:
    assert window.device_value() == "USB Mic"
    lister.devices = [CABLE, MIC]  # a cable plugged in: indices shift, the name stays
    lister.calls.clear()
    window.device_box.showPopup()
    try:
        assert lister.calls == [True]
        assert _values(window) == ["USB Mic", "CABLE Output", DEMO_DEVICE]
        assert window.device_value() == "USB Mic"
        assert window.device_box.popup_visible()
    finally:
        window.device_box.hidePopup()


def test_the_idle_check_refills_only_when_devices_changed(
    window: MainWindow, lister: Lister
) -> None:
    assert window.device_picker.timer.isActive()
    changes: list[int] = []  # a refill clears the box, which moves the current index
    window.device_box.currentIndexChanged.connect(changes.append)
    lister.calls.clear()
    window.device_picker.poll()
    assert lister.calls == [False, True]  # a cheap look for JACK, then the rescan
    assert changes == []  # same devices: left alone
    lister.devices = [MIC, CABLE]
    window.device_picker.poll()
    assert _values(window) == ["USB Mic", "CABLE Output", DEMO_DEVICE]
    assert window.statusBar().currentMessage() == "input devices changed"
    lister.devices = [CABLE]  # the selected device was unplugged: a visible fallback
    window.device_picker.poll()
    assert window.device_value() == "CABLE Output"
    assert "'USB Mic' is not available" in window.log_panel.toPlainText()


def test_the_idle_check_stays_away_while_streaming_under_jack_or_when_slow(
    window: MainWindow, lister: Lister
) -> None:
    window.device_box.setCurrentIndex(window.device_box.findData(DEMO_DEVICE))
    assert window.start()
    try:
        lister.calls.clear()
        window.device_picker.poll()
        window.device_box.showPopup()  # lists again, but never restarts PortAudio now
        window.device_box.hidePopup()
        assert lister.calls == [False]
    finally:
        window.stop()
    lister.devices = [JACK]
    lister.calls.clear()
    window.device_picker.poll()
    assert lister.calls == [False]  # JACK loaded: no periodic PortAudio restart
    lister.devices = [MIC]
    lister.rescan_s = 0.1
    window.device_picker.poll()
    assert window.device_picker.rescan_s >= 0.1
    assert not window.device_picker.timer.isActive()  # a rescan that slow is not worth polling


def test_a_broken_portaudio_during_the_idle_check_is_not_an_error(
    window: MainWindow, lister: Lister
) -> None:
    lister.broken = "cannot use audio devices: PortAudio library not found"
    window.device_picker.poll()
    assert _values(window) == [DEMO_DEVICE]
    assert window.device_value() == DEMO_DEVICE


def test_an_unplugged_input_shows_in_the_status_bar_and_the_stream_resumes(
    qtbot: QtBot, tmp_path: Path, udp_receiver: socket.socket
) -> None:
    board = PlugBoard()
    flaky = DeviceInfo(1, NAME, "ALSA", 16000.0, 1, is_default=True)
    window = MainWindow(
        SettingsStore(tmp_path / "config"), Registry(), Lister([flaky]), opener=board.open
    )
    qtbot.addWidget(window)
    port = udp_receiver.getsockname()[1]
    window.targets.set_targets([TargetSetting(f"vmc://127.0.0.1:{port}")])
    try:
        window.device_box.setCurrentIndex(window.device_box.findData(NAME))
        assert window.start()
        qtbot.waitUntil(lambda: len(drain(udp_receiver)) > 0, timeout=WAIT_MS)
        board.plugged = False
        board.devices[0].unplug()
        status = window.statusBar().currentMessage
        qtbot.waitUntil(lambda: status().startswith("input lost:"), timeout=WAIT_MS)
        assert "retrying" in status() and "input lost:" in window.log_panel.toPlainText()
        assert window.session is not None  # still streaming, waiting for the device
        board.plugged = True
        qtbot.waitUntil(lambda: status() == f"input back: {NAME}", timeout=WAIT_MS)
        drain(udp_receiver)
        qtbot.waitUntil(lambda: len(drain(udp_receiver)) > 0, timeout=WAIT_MS)
    finally:
        window.close()
        for device in board.devices:
            device.stop()
