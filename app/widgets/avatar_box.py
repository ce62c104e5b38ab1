"""``AvatarBox``: the avatar id frames carry: "default", or one a Unity receiver announced.

GUI thread only. The window polls the announce listener (``bridge/announce.py``) about once a
second and hands the list to :meth:`AvatarBox.show_announced`; the box rebuilds itself only when
that list changed, so an open dropdown does not flicker.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget

from talkrig.app.choices import avatar_choices, split_avatar
from talkrig.bridge.announce import Announced


class AvatarBox(QComboBox):
    """Dropdown of avatar ids; ``avatar`` is the chosen id.

    Signals:
        chosen(str, object): the user picked an avatar id, and the port of the Unity receiver
            that announced it (int) or None.
    """

    chosen = Signal(str, object)

    def __init__(self, avatar: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.avatar = avatar
        self.show_announced([])
        self.activated.connect(self._activated)

    def show_announced(self, announced: list[Announced]) -> None:
        """Offer ``announced`` (plus "default" and the current id), keeping the selection."""
        choices = avatar_choices(announced, self.avatar)
        offered = [(self.itemText(i), self.itemData(i)) for i in range(self.count())]
        if offered == [(c.label, c.value) for c in choices]:
            return
        current = str(self.currentData()) if self.count() else self.avatar
        self.clear()
        for choice in choices:
            self.addItem(choice.label, choice.value)
        index = self.findData(current)
        if index < 0:  # that receiver went away: keep the id, now "not announced"
            ids = [split_avatar(c.value)[0] for c in choices]
            index = ids.index(self.avatar) if self.avatar in ids else 0
        self.setCurrentIndex(index)

    def _activated(self) -> None:
        avatar, port = split_avatar(str(self.currentData()))
        self.avatar = avatar
        self.chosen.emit(avatar, port)
