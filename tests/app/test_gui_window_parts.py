"""The window's parts as a user meets them, offscreen: Quick setup, File → Quit, Help → About,
plots on one 10 s axis with units, named blendshape bars, readable dropdowns, and a first
Start with no settings that streams to VMC on 127.0.0.1:39539."""

from __future__ import annotations

import errno
import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from talkrig.app.main_window import MainWindow
from talkrig.app.quick_setup import PRESETS
from talkrig.app.settings import DEMO_DEVICE, SETTINGS_FILE, SettingsStore
from talkrig.app.widgets.combo_fit import elided_text, popup_width
from talkrig.app.widgets.plots import WINDOW_S
from talkrig.models import arkit
from talkrig.models.registry import SHIPPED_DIR, Registry
from tests.app.conftest import drain

WAIT_MS = 15_000


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    win = MainWindow(SettingsStore(tmp_path), Registry(), lambda refresh: [])
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def _preset(label_start: str) -> str:
    return next(p.label for p in PRESETS if p.label.startswith(label_start))


def test_quick_setup_adds_the_target_and_says_what_to_switch_on(window: MainWindow) -> None:
    window.menu_actions[_preset("Unreal")].trigger()
    specs = window.targets.enabled_specs()
    assert "livelink://127.0.0.1:11111" in specs
    log = window.log_panel.toPlainText()
    assert "Live Link" in log and "added and ticked" in log
    window.targets.set_enabled(specs.index("vmc://127.0.0.1:39539"), False)
    window.menu_actions[_preset("VSeeFace")].trigger()  # ticks the row that is there
    assert [t.spec for t in window.targets.targets()].count("vmc://127.0.0.1:39539") == 1
    assert "vmc://127.0.0.1:39539" in window.targets.enabled_specs()
    assert "OSC/VMC receiver" in window.log_panel.toPlainText()


def test_file_quit_closes_and_saves(window: MainWindow, tmp_path: Path) -> None:
    window.gain_box.setValue(-2.5)
    window.menu_actions["quit"].trigger()
    assert not window.isVisible()
    assert json.loads((tmp_path / SETTINGS_FILE).read_text())["gain_db"] == -2.5


def test_help_about_shows_version_card_and_licences(window: MainWindow, qtbot: QtBot) -> None:
    window.menu_actions["about"].trigger()
    qtbot.waitExposed(window.about)
    text = window.about.text.toPlainText()
    card = window.registry.find(window.model_value()).card
    assert card is not None
    assert text.startswith("TalkRig ") and card.license in text and "Figures:" in text
    assert "Third-party software" in text and "PySide6-Essentials" in text
    window.about.close()


def _move_mouse(widget: QWidget, point: QPoint) -> None:
    """A real mouse-move event, as the window system delivers it when hovering."""
    local = QPointF(point)
    event = QMouseEvent(
        QEvent.Type.MouseMove, local, QPointF(widget.mapToGlobal(point)),
        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(widget, event)


def test_bars_are_grouped_and_named_on_hover(window: MainWindow, qtbot: QtBot) -> None:
    bars = window.bars
    assert [name for name, _ in bars.groups] == [
        "eyes", "brows", "jaw", "mouth", "cheeks", "nose", "tongue"
    ]  # fmt: skip
    assert sorted(bars.order.tolist()) == list(range(arkit.COUNT))
    values = np.zeros(arkit.COUNT, dtype=np.float32)
    values[arkit.NAMES.index("jawOpen")] = 0.37
    bars.show_values(values)
    position = int(np.flatnonzero(bars.order == arkit.NAMES.index("jawOpen"))[0])
    view = bars.getPlotItem().vb
    scene_point = view.mapViewToScene(QPointF(position, 0.2))
    assert bars.hover_text(scene_point) == "jaw: jawOpen = 0.37"
    _move_mouse(bars.viewport(), bars.mapFromScene(scene_point))
    qtbot.waitUntil(lambda: "jawOpen" in bars.toolTip(), timeout=2_000)
    assert bars.toolTip() == "jaw: jawOpen = 0.37"
    qtbot.wait(100)  # pyqtgraph passes on at most one move per display frame
    _move_mouse(bars.viewport(), QPoint(2, 2))  # off the bars: the hint again
    qtbot.waitUntil(lambda: "hover" in bars.toolTip(), timeout=2_000)


def test_dropdowns_elide_with_the_full_entry_in_tooltip_and_list(window: MainWindow) -> None:
    box = window.model_box
    full = box.currentText()
    shown = elided_text(box)
    assert shown != full and shown.endswith("…")  # the form column is narrower than the label
    assert box.toolTip().startswith(full)
    assert box.view().minimumWidth() >= popup_width(box) > box.width()


def test_a_first_start_streams_the_demo_to_vmc_39539_on_one_time_axis(
    window: MainWindow, qtbot: QtBot
) -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        receiver.bind(("127.0.0.1", 39539))
    except OSError as exc:
        receiver.close()
        if exc.errno == errno.EADDRINUSE:
            pytest.skip("127.0.0.1:39539 is held by another program here (VSeeFace?)")
        raise
    receiver.setblocking(False)
    try:
        assert window.device_value() == DEMO_DEVICE  # nothing was set up
        assert window.start()
        datagrams: list[bytes] = []

        def streamed() -> bool:
            datagrams.extend(drain(receiver))
            x, _ = window.plots.fps_curve.getData()
            return len(datagrams) >= 10 and x is not None and len(x) >= 3

        qtbot.waitUntil(streamed, timeout=WAIT_MS)
        assert b"/VMC/Ext/Blend/Apply" in b"".join(datagrams)
    finally:
        window.stop()
        receiver.close()
    plots = window.plots
    for plot, curve in (
        (plots.processing, plots.processing_curve), (plots.fps, plots.fps_curve),
        (plots.delay, plots.delay_curve),
    ):  # fmt: skip
        x, _ = curve.getData()
        assert x is not None and x.min() >= -WINDOW_S and x.max() <= 0
        (left, right), _ = plot.getPlotItem().vb.viewRange()
        assert left == pytest.approx(-WINDOW_S, abs=0.3) and right == pytest.approx(0, abs=0.3)
        assert plot.getAxis("left").labelText in ("ms", "frames/s")
    assert "set your audio delay in OBS to" in plots.obs_label.text()


def test_a_failing_start_is_said_without_exception_names(qtbot: QtBot, tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / "broken.onnx").write_bytes(b"\x08\x07garbage, not a protobuf")
    win = MainWindow(
        SettingsStore(tmp_path / "cfg"), Registry([SHIPPED_DIR, models]), lambda refresh: []
    )
    qtbot.addWidget(win)
    win.model_box.setCurrentIndex(win.model_box.findData("broken"))
    assert not win.start()
    log = win.log_panel.toPlainText()
    assert "broken" in log
    assert "not a loadable ONNX model" in log
    assert not re.search(r"[A-Z]\w*(Error|Exception)\b|Errno|Traceback|: \d+ :", log), log
    win.close()
