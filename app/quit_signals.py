"""SIGTERM, SIGINT and SIGHUP end the app the way closing its window does (settings saved, stream
stopped), and so does the desktop session ending.

Python runs a signal handler only between bytecodes, and none run while Qt waits in its event
loop; so the C-level handler writes the signal number to a socket (``signal.set_wakeup_fd``)
that a ``QSocketNotifier`` watches, and the quit runs as an ordinary slot on the GUI thread.
"""

from __future__ import annotations

import signal
import socket
import sys
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QSocketNotifier

QUIT_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT)
if sys.platform != "win32":  # SIGHUP: the terminal that started the app was closed
    QUIT_SIGNALS = (*QUIT_SIGNALS, signal.SIGHUP)


class QuitOnSignals(QObject):
    """Calls ``on_quit`` on the GUI thread once one of ``signals`` arrives; :meth:`close`
    restores the previous handlers. Construct on the main thread (Python's rule for signals)."""

    def __init__(
        self,
        on_quit: Callable[[int], None],
        signals: Sequence[signal.Signals] = QUIT_SIGNALS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.on_quit = on_quit
        self._reader, self._writer = socket.socketpair()
        for sock in (self._reader, self._writer):
            sock.setblocking(False)
        self._old_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        # The Python-level handler only has to exist (the default would kill the process);
        # the wakeup byte carries the signal to the notifier.
        self._old = {sig: signal.signal(sig, lambda *_: None) for sig in signals}
        self.notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self.notifier.activated.connect(self._woken)
        self.received: list[int] = []

    def _woken(self) -> None:
        try:
            data = self._reader.recv(64)
        except BlockingIOError:
            return
        wanted = [n for n in data if n in {int(s) for s in self._old}]
        if wanted and not self.received:
            self.received.extend(wanted)
            self.on_quit(wanted[0])

    def close(self) -> None:
        """Give the signals back to whoever handled them before (idempotent)."""
        if self.notifier.isEnabled():
            self.notifier.setEnabled(False)
            for sig, old in self._old.items():
                signal.signal(sig, old)
            signal.set_wakeup_fd(self._old_fd)
            self._reader.close()
            self._writer.close()
