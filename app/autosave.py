"""``Autosave``: settings are written shortly after each change, not only when the window closes.

A stage machine is often switched off rather than closed; a change made during the show must
already be on disk by then. Changes arrive in bursts (a slider dragged, a spec typed), so the
save waits ``DEBOUNCE_MS`` after the last one, and writes only when something differs from
what is on disk. GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from talkrig.app.settings import AppSettings, SettingsStore

DEBOUNCE_MS = 500  # long enough to fold a slider drag into one write, short against a power cut


class Autosave(QObject):
    """Writes ``current()`` to ``store`` ``delay_ms`` after the last :meth:`changed`.

    Signals:
        problem(str): a save failed; the message names the file and the reason.
    """

    problem = Signal(str)

    def __init__(
        self,
        store: SettingsStore,
        current: Callable[[], AppSettings],
        delay_ms: int = DEBOUNCE_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.current = current
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(self.save_if_changed)
        self._saved: AppSettings | None = None
        self.saves = 0  # files written (tests, and the log of a long session)

    def mark_saved(self, settings: AppSettings) -> None:
        """Take ``settings`` as what the file holds (after the window restored them)."""
        self._saved = settings

    def changed(self, *_: object) -> None:
        """A setting changed (connect any signal here): save after the debounce delay."""
        self.timer.start()

    @property
    def pending(self) -> bool:
        """A change is waiting for its debounced save."""
        return self.timer.isActive()

    def save_if_changed(self) -> bool:
        """Save now when the settings differ from the last save; True when a file was written."""
        self.timer.stop()
        settings = self.current()
        if settings == self._saved:
            return False
        return self._write(settings)

    def save_now(self) -> bool:
        """Save now whatever changed (closing, a signal, the session ending)."""
        self.timer.stop()
        return self._write(self.current())

    def _write(self, settings: AppSettings) -> bool:
        problem = self.store.save(settings)
        if problem is not None:
            self.problem.emit(problem)
            return False
        self._saved = settings
        self.saves += 1
        return True
