"""``EngineChoice``: run the model here, or on a ``talkrig serve`` server (issue 6).

GUI thread only. The token is never saved with the settings: it is typed in each session or
read from the ``TALKRIG_TOKEN`` environment variable, as ``talkrig run --server`` does.
"""

from __future__ import annotations

import os

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QWidget

from talkrig.app.settings import ENGINE_LOCAL, ENGINE_REMOTE
from talkrig.app.stream import RemoteChoice
from talkrig.bridge.cli import TOKEN_ENV

LABELS = {ENGINE_LOCAL: "local", ENGINE_REMOTE: "remote"}


class EngineChoice(QWidget):
    """A local/remote dropdown, the server address and the token (enabled when remote)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode_box = QComboBox()
        for value, label in LABELS.items():
            self.mode_box.addItem(label, value)
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("ws://127.0.0.1:8765")
        self.url_edit.setToolTip("the address of `talkrig serve` (infer there, send from here)")
        self.token_edit = QLineEdit()
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText(f"token (or ${TOKEN_ENV})")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.mode_box)
        layout.addWidget(self.url_edit, 2)
        layout.addWidget(self.token_edit, 1)
        self.mode_box.currentIndexChanged.connect(self._mode_changed)
        self._mode_changed()

    def set_values(self, mode: str, url: str) -> None:
        """Restore the saved mode (unknown → local) and server address."""
        self.mode_box.setCurrentIndex(max(0, self.mode_box.findData(mode)))
        self.url_edit.setText(url)

    def mode(self) -> str:
        return str(self.mode_box.currentData())

    def url(self) -> str:
        return self.url_edit.text().strip()

    def remote(self) -> RemoteChoice | None:
        """What to start: None for the local engine, else the server and token."""
        if self.mode() != ENGINE_REMOTE:
            return None
        token = self.token_edit.text().strip() or os.environ.get(TOKEN_ENV) or None
        return RemoteChoice(self.url() or self.url_edit.placeholderText(), token)

    def _mode_changed(self) -> None:
        remote = self.mode() == ENGINE_REMOTE
        self.url_edit.setEnabled(remote)
        self.token_edit.setEnabled(remote)
