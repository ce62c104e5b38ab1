"""``talkrig.app.main.main``: the real entry point opens the window and returns on close."""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from talkrig.app import main as app_main
from talkrig.app.main import main
from talkrig.app.main_window import MainWindow
from talkrig.app.settings import SETTINGS_FILE
from talkrig.bridge.announce import ANNOUNCE_PORT


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[MainWindow]:
    """The windows ``main`` builds. (Not found through ``topLevelWidgets()``: that list may
    still hold widgets other tests' Qt objects left half-destroyed, and wrapping one crashes.)"""
    windows: list[MainWindow] = []
    real = app_main.build_window

    def recording(*args: object, **kwargs: object) -> MainWindow:
        windows.append(real(*args, **kwargs))
        return windows[-1]

    monkeypatch.setattr(app_main, "build_window", recording)
    return windows


def test_main_opens_the_window_and_returns_when_it_closes(
    qapp: QApplication, tmp_path: Path, built: list[MainWindow]
) -> None:
    opened: list[int] = []

    def close_it() -> None:
        for window in built:
            if window.isVisible():
                opened.append(window.model_box.count())
                window.close()

    QTimer.singleShot(500, close_it)
    assert main(["--config-dir", str(tmp_path)]) == 0
    assert len(opened) == 1
    assert opened[0] >= 4  # the shipped models were listed
    assert (tmp_path / SETTINGS_FILE).is_file()  # closing saved the settings


def test_a_busy_announce_port_is_a_notice_not_a_crash(
    qapp: QApplication, tmp_path: Path, built: list[MainWindow]
) -> None:
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with contextlib.suppress(OSError):  # something else holds it already: the same case
        holder.bind(("127.0.0.1", ANNOUNCE_PORT))
    logs: list[str] = []

    def close_it() -> None:
        for window in built:
            if window.isVisible():
                logs.append(window.log_panel.toPlainText())
                window.close()

    try:
        QTimer.singleShot(500, close_it)
        assert main(["--config-dir", str(tmp_path)]) == 0
    finally:
        holder.close()
    assert len(logs) == 1
    assert f"udp 127.0.0.1:{ANNOUNCE_PORT}" in logs[0] and "not listed" in logs[0]
