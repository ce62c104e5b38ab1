"""Settings reach the disk shortly after a change, while the window stays open."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot

from talkrig.app.autosave import DEBOUNCE_MS
from talkrig.app.main_window import MainWindow
from talkrig.app.settings import SETTINGS_FILE, SettingsStore
from talkrig.models.registry import Registry


def _window(qtbot: QtBot, folder: Path) -> MainWindow:
    window = MainWindow(SettingsStore(folder), Registry(), lambda refresh: [])
    qtbot.addWidget(window)
    return window


def _saved(folder: Path) -> dict[str, object]:
    path = folder / SETTINGS_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def test_a_change_is_saved_after_the_debounce_without_closing(qtbot: QtBot, tmp_path: Path) -> None:
    window = _window(qtbot, tmp_path)
    for db in (-1.0, -2.0, -3.0):  # a burst of changes: one write
        window.gain_box.setValue(db)
    assert window.autosave.pending and _saved(tmp_path) == {}
    qtbot.waitUntil(lambda: _saved(tmp_path).get("gain_db") == -3.0, timeout=DEBOUNCE_MS * 6)
    assert window.autosave.saves == 1
    window.targets.set_enabled(0, False)  # the default VMC target unticked
    qtbot.waitUntil(lambda: window.autosave.saves == 2, timeout=DEBOUNCE_MS * 6)
    assert _saved(tmp_path)["targets"] == [{"spec": "vmc://127.0.0.1:39539", "enabled": False}]
    window.close()


def test_nothing_changed_nothing_written(qtbot: QtBot, tmp_path: Path) -> None:
    window = _window(qtbot, tmp_path)
    window.autosave.changed()  # a signal that changed no value
    qtbot.waitUntil(lambda: not window.autosave.pending, timeout=DEBOUNCE_MS * 6)
    assert window.autosave.saves == 0 and not (tmp_path / SETTINGS_FILE).exists()
    window.close()


def test_a_failing_save_is_said_in_the_log(qtbot: QtBot, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    window = _window(qtbot, blocker / "cfg")
    window.gain_box.setValue(-4.0)
    qtbot.waitUntil(
        lambda: "cannot save settings" in window.log_panel.toPlainText(), timeout=DEBOUNCE_MS * 6
    )
    window.close()
