"""``talkrig.app.main.main``: the real entry point opens the window and returns on close."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from talkrig.app.main import main
from talkrig.app.main_window import MainWindow
from talkrig.app.settings import SETTINGS_FILE


def test_main_opens_the_window_and_returns_when_it_closes(
    qapp: QApplication, tmp_path: Path
) -> None:
    opened: list[int] = []

    def close_it() -> None:
        for window in qapp.topLevelWidgets():
            if isinstance(window, MainWindow) and window.isVisible():
                opened.append(window.model_box.count())
                window.close()

    QTimer.singleShot(500, close_it)
    assert main(["--config-dir", str(tmp_path)]) == 0
    assert len(opened) == 1
    assert opened[0] >= 4  # the shipped models were listed
    assert (tmp_path / SETTINGS_FILE).is_file()  # closing saved the settings
