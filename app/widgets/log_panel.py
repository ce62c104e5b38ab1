"""``LogPanel``: the app's problems and the engine's warnings, with the time they happened."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import Signal, SignalInstance
from PySide6.QtWidgets import QPlainTextEdit, QWidget

MAX_LINES = 1000  # older lines scroll away: an hour-long session must not grow without bound


class _Handler(logging.Handler):
    """Runs on whichever thread logs (the engine's too): only emits a queued Qt signal."""

    def __init__(self, signal: SignalInstance) -> None:
        super().__init__(logging.WARNING)
        self.signal = signal

    def emit(self, record: logging.LogRecord) -> None:
        self.signal.emit(f"{record.levelname.lower()}: {record.getMessage()}")


class LogPanel(QPlainTextEdit):
    """Read-only log. :meth:`add` on the GUI thread; :meth:`attach` forwards a logger's
    warnings from any thread through the ``record`` signal (delivered on the GUI thread)."""

    record = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self._handler = _Handler(self.record)
        self._logger: logging.Logger | None = None
        self.record.connect(self.add)

    def add(self, message: str) -> None:
        self.appendPlainText(f"{time.strftime('%H:%M:%S')}  {message}")

    def attach(self, logger: logging.Logger) -> None:
        self.detach()
        self._logger = logger
        logger.addHandler(self._handler)

    def detach(self) -> None:
        if self._logger is not None:
            self._logger.removeHandler(self._handler)
            self._logger = None
