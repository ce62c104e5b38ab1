"""``EngineChoice``: run the model here, or on a ``talkrig serve`` server (issue 6).

GUI thread only. The token is never saved with the settings: it is typed in each session or
read from the ``TALKRIG_TOKEN`` environment variable, as ``talkrig run --server`` does.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QWidget

from talkrig.app.stream import RemoteChoice
from talkrig.bridge.engine_base import EngineKind
from talkrig.bridge.server_auth import TOKEN_ENV, token_or_env

LABELS = {EngineKind.LOCAL: "local", EngineKind.REMOTE: "remote"}


class EngineChoice(QWidget):
    """A local/remote dropdown, the server address and the token (enabled when remote)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode_box = QComboBox()
        for kind, label in LABELS.items():
            self.mode_box.addItem(label, kind.value)
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
        """Restore the saved mode (an EngineKind value; unknown → local) and server address."""
        try:
            kind = EngineKind(mode)
        except ValueError:
            kind = EngineKind.LOCAL
        self.mode_box.setCurrentIndex(self.mode_box.findData(kind.value))
        self.url_edit.setText(url)

    def mode(self) -> EngineKind:
        return EngineKind(self.mode_box.currentData())

    def url(self) -> str:
        return self.url_edit.text().strip()

    def remote(self) -> RemoteChoice | None:
        """What to start: None for the local engine, else the server and token."""
        if self.mode() is not EngineKind.REMOTE:
            return None
        token = token_or_env(self.token_edit.text().strip()) or None
        return RemoteChoice(self.url() or self.url_edit.placeholderText(), token)

    def _mode_changed(self) -> None:
        remote = self.mode() is EngineKind.REMOTE
        self.url_edit.setEnabled(remote)
        self.token_edit.setEnabled(remote)
