"""File → Render preview video… on the real window (offscreen), rendering on a worker thread.

The two file dialogs are the only stand-ins (a test cannot click in a native dialog): they
return the paths a user would pick. The render, the model and the video file are real.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from tests.app.conftest import HAVE_QT
from tests.conftest import IN_CI

if not HAVE_QT and not IN_CI:
    pytest.skip("PySide6 / pyqtgraph / pytest-qt are not installed", allow_module_level=True)

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMenu, QPushButton
from pytestqt.qtbot import QtBot

from talkrig.app.main_window import MainWindow
from talkrig.app.render import RenderResult
from talkrig.app.render_menu import ACTION_TEXT, RenderAction, add_render_action
from talkrig.app.settings import SettingsStore
from talkrig.models.registry import SHIPPED_DIR, Registry

WAIT_MS = 60_000


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    made = MainWindow(SettingsStore(tmp_path / "config"), Registry([SHIPPED_DIR]), lambda r: [])
    qtbot.addWidget(made)
    yield made
    made.close()


@pytest.fixture
def speech(shared_data: Path) -> Path:
    return shared_data / "speech" / "p240_00000.mp3"


def _choose(monkeypatch: pytest.MonkeyPatch, source: Path | str, out: Path | str) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(source), ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))


def test_file_menu_holds_the_action(window: MainWindow) -> None:
    action = add_render_action(window)
    menus = [a.menu() for a in window.menuBar().actions()]
    files = [m for m in menus if isinstance(m, QMenu) and m.title().replace("&", "") == "File"]
    assert len(files) == 1
    assert action in files[0].actions()
    assert action.text() == ACTION_TEXT == "Render preview video…"
    assert add_render_action(window) in files[0].actions()  # a second entry joins the same menu
    titles = [m.text().replace("&", "") for m in window.menuBar().actions() if m.menu()]
    assert titles == ["File", "Quick setup", "Help"]  # no second File menu


def test_render_from_the_menu_writes_the_video(
    window: MainWindow, qtbot: QtBot, speech: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    action = add_render_action(window)
    _choose(monkeypatch, speech, tmp_path / "review")  # no suffix: .mp4 is added
    with qtbot.waitSignal(action.finished, timeout=WAIT_MS) as finished:
        action.trigger()
        assert not action.isEnabled()  # one render at a time
        assert action.dialog is not None and action.dialog.isVisible()
    result = finished.args[0]
    assert isinstance(result, RenderResult), result
    assert result.path == tmp_path / "review.mp4"
    with av.open(str(result.path)) as container:
        assert container.streams.video[0].frames == result.frames > 100
        assert len(container.streams.audio) == 1
    assert action.isEnabled() and action.worker is None
    assert "rendered" in window.log_panel.toPlainText()


def test_cancel_stops_the_render_and_writes_nothing(
    window: MainWindow, qtbot: QtBot, speech: Path, tmp_path: Path
) -> None:
    action = add_render_action(window)
    with qtbot.waitSignal(action.finished, timeout=WAIT_MS) as finished:
        worker = action.start(speech, tmp_path / "a.mp4")
        assert worker is not None
        assert action.start(speech, tmp_path / "b.mp4") is None  # busy: refused, logged
        assert action.dialog is not None
        cancel = action.dialog.findChild(QPushButton)
        assert cancel is not None and cancel.text() == "Cancel"
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert finished.args[0] == f"render of {speech.name} cancelled"
    assert not (tmp_path / "a.mp4").exists() and not (tmp_path / "b.mp4").exists()
    assert "already running" in window.log_panel.toPlainText()


def test_a_bad_file_is_reported_in_the_log(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"not audio at all" * 64)
    action: RenderAction = add_render_action(window)
    _choose(monkeypatch, junk, tmp_path / "a.mp4")
    with qtbot.waitSignal(action.finished, timeout=WAIT_MS) as finished:
        action.trigger()
    assert str(finished.args[0]).startswith("render failed: ")
    assert "junk.mp3" in window.log_panel.toPlainText()
    assert not (tmp_path / "a.mp4").exists()


def test_closing_the_window_cancels_a_running_render(
    window: MainWindow, speech: Path, tmp_path: Path
) -> None:
    action = add_render_action(window)
    worker = action.start(speech, tmp_path / "a.mp4")
    assert worker is not None
    window.close()
    assert worker.isFinished()
    assert not (tmp_path / "a.mp4").exists()


def test_dismissed_dialogs_start_nothing(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    action = add_render_action(window)
    _choose(monkeypatch, "", tmp_path / "a.mp4")
    action.trigger()
    assert action.worker is None and action.isEnabled()
