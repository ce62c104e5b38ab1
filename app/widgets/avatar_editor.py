"""``AvatarEditor``: per-shape gain / offset / clamp of the selected avatar profile, grouped
by face region, the mouth-only toggle, and "save as" into the user's profile folder.

GUI thread only. Every edit emits ``profile_changed`` with a whole new (immutable) profile,
which the window hands to ``Engine.set_profile`` so the change shows on the avatar at once.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from talkrig.app.profile_edit import ShapeRow, build_profile, regions, rows_of, user_profile_path
from talkrig.bridge.post.profile import AvatarProfile, ProfileError, save_profile
from talkrig.models import arkit

COLUMNS = ("shape", "gain", "offset", "min", "max")
_FIELDS = ("gain", "offset", "lo", "hi")
_RANGES = {"gain": (0.0, 10.0), "offset": (-1.0, 1.0), "lo": (0.0, 1.0), "hi": (0.0, 1.0)}


class AvatarEditor(QDialog):
    """Edits a copy of one profile (``None`` = the 52 values as they are).

    Args:
        profiles_dir: the user's profile folder, where "Save" writes ``<name>.toml``.

    Signals:
        profile_changed(AvatarProfile): after every valid edit.
        saved(str): the path of a profile file just written.
        problem(str): an edit or a save was refused; the message says why.
    """

    profile_changed = Signal(object)
    saved = Signal(str)
    problem = Signal(str)

    def __init__(self, profiles_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Avatar profile editor")
        self.profiles_dir = profiles_dir
        self.base: AvatarProfile | None = None
        self.spins: dict[tuple[int, str], QDoubleSpinBox] = {}
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.mouth_only = QCheckBox("mouth only (leave eyes, brows and blinks to another tracker)")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("profile name")
        self.save_button = QPushButton("Save as user profile")
        self.reset_button = QPushButton("Reset")
        row = QHBoxLayout()
        row.addWidget(QLabel("name"))
        row.addWidget(self.name_edit, 1)
        row.addWidget(self.reset_button)
        row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.mouth_only)
        layout.addWidget(self.tree, 1)
        layout.addLayout(row)
        self._build_tree()
        self.mouth_only.toggled.connect(self._edited)
        self.save_button.clicked.connect(self.save)
        self.reset_button.clicked.connect(lambda: self.load(self.base))
        self.resize(520, 640)

    def _build_tree(self) -> None:
        for region, indices in regions():
            group = QTreeWidgetItem(self.tree, [region])
            for index in indices:
                item = QTreeWidgetItem(group, [arkit.NAMES[index]])
                for column, field in enumerate(_FIELDS, start=1):
                    spin = QDoubleSpinBox()
                    spin.setRange(*_RANGES[field])
                    spin.setDecimals(2)
                    spin.setSingleStep(0.05)
                    spin.setKeyboardTracking(False)  # one profile per finished entry
                    spin.valueChanged.connect(self._edited)
                    self.tree.setItemWidget(item, column, spin)
                    self.spins[(index, field)] = spin
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)

    def load(self, profile: AvatarProfile | None) -> None:
        """Show ``profile``'s values (no ``profile_changed``: nothing was edited yet)."""
        self.base = profile
        for spin in self.spins.values():
            spin.blockSignals(True)
        self.mouth_only.blockSignals(True)
        for row in rows_of(profile):
            for field in _FIELDS:
                self.spins[(row.index, field)].setValue(getattr(row, field))
        self.mouth_only.setChecked(profile.mouth_only if profile is not None else False)
        for spin in self.spins.values():
            spin.blockSignals(False)
        self.mouth_only.blockSignals(False)
        self.name_edit.setText(profile.name if profile is not None else "")

    def rows(self) -> list[ShapeRow]:
        """The 52 rows as shown, in canonical order."""
        return [
            ShapeRow(i, name, *(self.spins[(i, f)].value() for f in _FIELDS))
            for i, name in enumerate(arkit.NAMES)
        ]

    def profile(self) -> AvatarProfile:
        """The edited profile; raises ProfileError when the values do not make one."""
        return build_profile(
            self.base, self.rows(), self.mouth_only.isChecked(), self.name_edit.text().strip()
        )

    def save(self) -> Path | None:
        """Write the edited profile to the user folder; the path, or None (and ``problem``)."""
        try:
            profile = self.profile()
            path = save_profile(profile, user_profile_path(self.profiles_dir, profile.name))
        except ProfileError as exc:
            self.problem.emit(str(exc))
            return None
        self.saved.emit(str(path))
        return path

    def _edited(self) -> None:
        try:
            profile = self.profile()
        except ProfileError as exc:
            self.problem.emit(f"{exc}; the previous values stay in use")
            return
        self.profile_changed.emit(profile)
