"""The window, offscreen, driving the real engine: dropdowns, streaming, errors, settings.

Each test builds its own window on a temporary config folder; pytest-qt closes it afterwards,
which runs the real close path (stop the engine, save settings).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from talkrig.app.choices import DEMO_LABEL
from talkrig.app.main_window import MainWindow
from talkrig.app.settings import DEMO_DEVICE, SETTINGS_FILE, SettingsStore
from talkrig.bridge.audio.devices import DeviceInfo
from talkrig.bridge.post.profile import shipped_profiles
from talkrig.models.registry import DEFAULT_MODEL, SHIPPED_DIR, Registry
from tests.app.conftest import drain

MIC = DeviceInfo(2, "USB Mic", "ALSA", 48000.0, 1, is_default=True)
WAIT_MS = 10_000

MakeWindow = Callable[..., MainWindow]


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return tmp_path / "config"


@pytest.fixture
def make_window(qtbot: QtBot, config_dir: Path, tmp_path: Path) -> Iterator[MakeWindow]:
    """A window on ``config_dir``; the registry also reads ``tmp_path/models`` (a broken file).
    Every window is closed at the end, through the real close path (stop, save)."""
    models = tmp_path / "models"
    models.mkdir()
    (models / "broken.onnx").write_bytes(b"this is not an ONNX file")
    made: list[MainWindow] = []

    def make(devices: list[DeviceInfo] | None = None) -> MainWindow:
        listed = [MIC] if devices is None else devices
        window = MainWindow(
            SettingsStore(config_dir), Registry([SHIPPED_DIR, models]), lambda refresh: listed
        )
        qtbot.addWidget(window)
        made.append(window)
        return window

    yield make
    for window in made:
        window.close()
        assert window.session is None  # closing stopped the stream


def _select(window: MainWindow, box_name: str, value: str) -> None:
    box = getattr(window, box_name)
    index = box.findData(value)
    assert index >= 0, f"{value!r} not in {box_name}"
    box.setCurrentIndex(index)
    box.activated.emit(index)


def _log(window: MainWindow) -> str:
    return window.log_panel.toPlainText()


def test_dropdowns_offer_devices_demo_registry_and_profiles(
    make_window: MakeWindow, config_dir: Path
) -> None:
    (config_dir / "profiles").mkdir(parents=True)
    (config_dir / "profiles" / "mine.json").write_text('{"mouth_only": true}')
    window = make_window()
    devices = [window.device_box.itemData(i) for i in range(window.device_box.count())]
    assert devices == ["USB Mic", DEMO_DEVICE]
    assert window.device_box.itemText(1) == DEMO_LABEL
    models = [window.model_box.itemData(i) for i in range(window.model_box.count())]
    assert models == [e.name for e in window.registry.entries()]
    assert {"baseline-energy-landmarks3d", "broken", DEFAULT_MODEL} <= set(models)
    assert window.model_value() == DEFAULT_MODEL
    profiles = [window.profile_box.itemData(i) for i in range(window.profile_box.count())]
    assert set(shipped_profiles()) <= set(profiles)
    assert str(config_dir / "profiles" / "mine.json") in profiles


def test_demo_stream_updates_plots_bars_face_and_a_vmc_receiver(
    make_window: MakeWindow, qtbot: QtBot, udp_receiver: socket.socket, tmp_path: Path
) -> None:
    window = make_window()
    window.targets.set_targets(())  # not the default VMC port, which others may use
    port = udp_receiver.getsockname()[1]
    window.targets.entry.setText(f"vmc://127.0.0.1:{port}")
    qtbot.mouseClick(window.targets.add_button, Qt.MouseButton.LeftButton)
    assert window.targets.enabled_specs() == [f"vmc://127.0.0.1:{port}"]
    _select(window, "device_box", DEMO_DEVICE)
    rest_face = window.face.shape.points.copy()
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    assert window.session is not None, _log(window)
    datagrams: list[bytes] = []

    def streamed() -> bool:
        datagrams.extend(drain(udp_receiver))
        x, _ = window.plots.processing_curve.getData()
        return (
            len(datagrams) >= 5
            and window.bars.heights.max() > 0.05
            and x is not None
            and len(x) >= 5
            and window.level.db > -40
        )

    qtbot.waitUntil(streamed, timeout=WAIT_MS)
    assert datagrams[0].startswith(b"#bundle")
    assert not np.allclose(window.face.shape.points, rest_face)
    assert "CPU" in window.provider_label.text() or "CUDA" in window.provider_label.text()
    row = [t.spec for t in window.targets.targets()].index(f"vmc://127.0.0.1:{port}")
    qtbot.waitUntil(lambda: " frames/s, " in window.targets.state_text(row), timeout=WAIT_MS)
    assert int(window.targets.state_text(row).split()[0]) > 0  # e.g. "25 frames/s, 60 sent"
    shot = tmp_path / "window.png"
    assert window.grab().save(str(shot))
    image = QImage(str(shot))
    assert image.width() > 600
    pixels = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(pixels) > 20  # not a blank or single-colour picture


def test_switching_model_while_streaming_shows_landmarks(
    make_window: MakeWindow, qtbot: QtBot
) -> None:
    window = make_window()
    _select(window, "device_box", DEMO_DEVICE)
    assert window.start()
    qtbot.waitUntil(lambda: window.bars.heights.max() > 0.0, timeout=WAIT_MS)
    _select(window, "model_box", "baseline-energy-landmarks2d")

    def points_shown() -> bool:
        return len(window.face.shape.points) == 68

    qtbot.waitUntil(points_shown, timeout=WAIT_MS)
    assert "landmarks2d" in window.provider_label.text()
    assert window.session is not None and window.session.engine.error is None


def test_bad_targets_are_refused_with_a_message(make_window: MakeWindow, qtbot: QtBot) -> None:
    window = make_window()
    before = window.targets.targets()
    for spec in ("vmc://127.0.0.1:99999", "carrier-pigeon://roof"):
        window.targets.entry.setText(spec)
        qtbot.mouseClick(window.targets.add_button, Qt.MouseButton.LeftButton)
        assert spec in _log(window)
        assert window.targets.entry.text() == spec  # kept for the user to fix
    busy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    busy.bind(("0.0.0.0", 0))
    try:
        window.targets.add(f"ifacialmocap://?listen={busy.getsockname()[1]}")
        assert "in use" in _log(window)
    finally:
        busy.close()
    assert window.targets.targets() == before


def test_broken_model_shows_an_error_instead_of_starting(make_window: MakeWindow) -> None:
    window = make_window()
    _select(window, "device_box", DEMO_DEVICE)
    _select(window, "model_box", "broken")
    assert not window.start()
    assert window.session is None
    assert "'broken'" in _log(window) and "broken" in window.statusBar().currentMessage()
    _select(window, "device_box", "USB Mic")  # listed, but no such PortAudio device here
    _select(window, "model_box", DEFAULT_MODEL)
    assert not window.start()
    assert "USB Mic" in _log(window)


def test_settings_round_trip_and_fallbacks(
    make_window: MakeWindow, config_dir: Path, qtbot: QtBot
) -> None:
    first = make_window()
    _select(first, "device_box", DEMO_DEVICE)
    _select(first, "model_box", "baseline-energy-lowlatency")
    _select(first, "profile_box", "perfect_sync")
    assert first.targets.add("unity://127.0.0.1:39541")
    first.resize(700, 500)  # fits the offscreen screen (800 × 600)
    size = (first.width(), first.height())
    first.close()
    saved = json.loads((config_dir / SETTINGS_FILE).read_text())
    assert saved["model"] == "baseline-energy-lowlatency"

    second = make_window()
    assert second.device_value() == DEMO_DEVICE
    assert second.model_value() == "baseline-energy-lowlatency"
    assert second.profile_value() == "perfect_sync"
    assert "unity://127.0.0.1:39541" in second.targets.enabled_specs()
    assert (second.width(), second.height()) == size
    second.close()

    saved.update(model="gone-model", device="Gone Mic")
    (config_dir / SETTINGS_FILE).write_text(json.dumps(saved))
    third = make_window()
    assert third.model_value() == DEFAULT_MODEL
    assert third.device_value() == "USB Mic"
    assert "'gone-model'" in _log(third) and "'Gone Mic'" in _log(third)
    third.close()

    (config_dir / SETTINGS_FILE).write_text("{{{ garbage")
    fourth = make_window(devices=[])
    assert fourth.model_value() == DEFAULT_MODEL
    assert fourth.device_value() == DEMO_DEVICE
    assert "not valid JSON" in _log(fourth) and f"{SETTINGS_FILE}.bad-" in _log(fourth)


def test_shortcut_starts_and_closing_stops_the_engine(
    make_window: MakeWindow, qtbot: QtBot
) -> None:
    window = make_window()
    _select(window, "device_box", DEMO_DEVICE)
    with qtbot.waitActive(window):  # window shortcuts only fire in the active window
        window.show()
        window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    session = window.session
    assert session is not None, _log(window)
    qtbot.waitUntil(lambda: session.engine.metrics.frames > 2, timeout=WAIT_MS)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.session is None
    assert session.engine.finished.is_set()
    window.toggle_action.trigger()
    session = window.session
    assert session is not None
    window.close()
    assert window.session is None
    assert session.engine.finished.is_set()
    assert session.engine.error is None
    assert (window.store.path).is_file()


def test_broken_profile_is_reported_and_the_stream_keeps_running(
    make_window: MakeWindow, qtbot: QtBot, config_dir: Path
) -> None:
    (config_dir / "profiles").mkdir(parents=True)
    bad = config_dir / "profiles" / "bad.toml"
    bad.write_text("[gain]\nnotAShape = 2.0\n")
    window = make_window()
    _select(window, "device_box", DEMO_DEVICE)
    _select(window, "profile_box", str(bad))
    assert not window.start()
    assert "notAShape" in _log(window)
    _select(window, "profile_box", "perfect_sync")
    assert window.start()
    _select(window, "profile_box", str(bad))  # a live switch to a broken profile
    assert "previous profile stays in use" in _log(window)
    session = window.session
    assert session is not None
    frames = session.engine.metrics.frames
    qtbot.waitUntil(lambda: session.engine.metrics.frames > frames + 2, timeout=WAIT_MS)
    assert session.engine.error is None
