"""The window's menus: File (render, quit), Quick setup (one entry per receiving app) and
Help → About. Built once by :class:`MainWindow`; GUI thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMenu,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from talkrig.app.about import about_text
from talkrig.app.quick_setup import PRESETS, Preset

if TYPE_CHECKING:
    from talkrig.app.main_window import MainWindow

ABOUT_SIZE = (720, 560)


class AboutDialog(QDialog):
    """Help → About: the text of :func:`about_text`, selectable, for the current model."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About TalkRig")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setFont(QFont("monospace", 9))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(*ABOUT_SIZE)

    def show_text(self, text: str) -> None:
        self.text.setPlainText(text)
        self.show()
        self.raise_()


def _menu(window: MainWindow, title: str) -> QMenu:
    """The menu called ``title`` (another module may have made it), else a new one."""
    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and menu.title().replace("&", "") == title.replace("&", ""):
            return menu
    return window.menuBar().addMenu(title)


def add_menus(window: MainWindow) -> dict[str, QAction]:
    """File → Quit, the Quick setup menu and Help → About on ``window``; the actions by name
    (``quit``, ``about`` and each preset's label)."""
    actions: dict[str, QAction] = {}
    file_menu = _menu(window, "&File")
    file_menu.addSeparator()
    quit_action = file_menu.addAction("&Quit")
    quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
    quit_action.setMenuRole(QAction.MenuRole.QuitRole)
    quit_action.triggered.connect(window.close)
    actions["quit"] = quit_action
    setup = _menu(window, "&Quick setup")
    for preset in PRESETS:
        action = setup.addAction(preset.label)
        action.setToolTip(preset.advice)
        action.setStatusTip(preset.advice)
        action.triggered.connect(lambda _=False, p=preset: quick_setup(window, p))
        actions[preset.label] = action
    setup.setToolTipsVisible(True)
    help_menu = _menu(window, "&Help")
    about = help_menu.addAction("&About TalkRig")
    about.setMenuRole(QAction.MenuRole.AboutRole)
    about.triggered.connect(lambda: show_about(window))
    actions["about"] = about
    return actions


def quick_setup(window: MainWindow, preset: Preset) -> None:
    """Tick (or add) ``preset``'s target and say what to switch on in that app; a running
    stream starts sending to it at once."""
    added = window.targets.ensure(preset.spec)
    if added is not None:
        window.log(quick_setup_message(preset, added))


def show_about(window: MainWindow) -> None:
    """Help → About for the model chosen now."""
    window.about.show_text(about_text(window.registry, window.model_value()))


def quick_setup_message(preset: Preset, added: bool) -> str:
    """What the log says after a Quick setup entry: the target, then the one sentence."""
    state = "added and ticked" if added else "ticked"
    return f"{preset.label}: target {preset.spec} {state}. {preset.advice}"
