"""``ProfileChoice``: the avatar profile dropdown, its "Edit…" button and the editor dialog.

GUI thread only. The profile in use is the editor's latest edit, until the user picks another
entry; the window applies whatever :meth:`ProfileChoice.profile` returns on ``chosen``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QWidget

from talkrig.app.choices import Choice, pick, profile_choices
from talkrig.app.settings import NO_PROFILE
from talkrig.app.widgets.avatar_editor import AvatarEditor
from talkrig.bridge.post.profile import AvatarProfile, ProfileError, load_profile


def fill_combo(
    box: QComboBox, choices: list[Choice], wanted: str, fallback: str, what: str
) -> str | None:
    """Offer ``choices`` in ``box`` and select ``wanted`` (else ``fallback``); the notice
    :func:`~talkrig.app.choices.pick` gives when ``wanted`` is missing, else None."""
    box.clear()
    for choice in choices:
        box.addItem(choice.label, choice.value)
        tip = f"{choice.tooltip}\n{choice.problem}" if choice.problem else choice.tooltip
        box.setItemData(box.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
    value, notice = pick(choices, wanted, fallback, what)
    box.setCurrentIndex(max(0, box.findData(value)))
    return notice


class ProfileChoice(QWidget):
    """Dropdown of profiles (none, shipped presets, the user's files) plus the editor.

    Args:
        profiles_dir: the user's profile folder (listed, and where the editor saves).

    Signals:
        chosen: another profile was picked or the edited one changed; read :meth:`profile`.
        notice(str): a problem or a saved file, for the log.
    """

    chosen = Signal()
    notice = Signal(str)

    def __init__(self, profiles_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profiles_dir = profiles_dir
        self.box = QComboBox()
        self.edit_button = QPushButton("Edit…")
        self.editor = AvatarEditor(profiles_dir, self)
        self.edited: AvatarProfile | None = None  # the editor's, until another pick
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box, 1)
        layout.addWidget(self.edit_button)
        self.box.activated.connect(self._picked)
        self.edit_button.clicked.connect(self.edit)
        self.editor.profile_changed.connect(self._edited)
        self.editor.saved.connect(self._saved)
        self.editor.problem.connect(self.notice)

    def fill(self, wanted: str) -> None:
        """List the profiles again, selecting ``wanted`` (a preset name or a file path)."""
        choices = profile_choices(self.profiles_dir)
        problem = fill_combo(self.box, choices, wanted, NO_PROFILE, "avatar profile")
        if problem:
            self.notice.emit(problem)

    def value(self) -> str:
        """What settings keep: a shipped preset name, a file path, or NO_PROFILE."""
        return str(self.box.currentData())

    def profile(self) -> AvatarProfile | None:
        """The profile to use now; raises ProfileError for a broken file."""
        if self.edited is not None:
            return self.edited
        value = self.value()
        return None if value == NO_PROFILE else load_profile(value)

    def edit(self) -> bool:
        """Open the editor on the profile in use; False (and ``notice``) when it is broken."""
        try:
            self.editor.load(self.profile())
        except ProfileError as exc:
            self.notice.emit(f"{exc}; pick another profile to edit")
            return False
        self.editor.show()
        self.editor.raise_()
        return True

    def _picked(self) -> None:
        self.edited = None
        if self.editor.isVisible():
            self.edit()
        self.chosen.emit()

    def _edited(self, profile: AvatarProfile) -> None:
        self.edited = profile
        self.chosen.emit()

    def _saved(self, path: str) -> None:
        self.fill(path)
        self.notice.emit(f"saved avatar profile {path}")
