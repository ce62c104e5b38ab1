"""The input device dropdown: rescans as it opens, and looks for new devices while idle.

GUI thread only. PortAudio sees devices plugged in since its start only after a restart (a
rescan), and a restart must not happen under an open stream: :class:`DeviceBox` only asks
(``opening``), and :class:`DevicePicker` decides whether a rescan is allowed now.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QComboBox

from talkrig.app.choices import Choice, DeviceLister, device_choices
from talkrig.app.settings import DEMO_DEVICE
from talkrig.app.widgets.profile_choice import fill_combo
from talkrig.bridge.audio.base import AudioError

DEVICE_POLL_MS = 10_000  # idle look for plugged devices; opening the dropdown also rescans
# A rescan (PortAudio restart) measured ≈ 10 ms here: every 10 s that is 0.1 % of a core. Where it
# costs more (many ALSA cards), the periodic look stops and opening the dropdown still rescans.
RESCAN_BUDGET_S = 0.05

log = logging.getLogger(__name__)


class DeviceBox(QComboBox):
    """A QComboBox that emits ``opening`` before its popup shows.

    Signals:
        opening: the user is opening the list; a slot connected directly may refill the box
            (it runs before the popup appears, so the popup shows the new list).
    """

    opening = Signal()

    def showPopup(self) -> None:
        self.opening.emit()
        super().showPopup()

    def popup_visible(self) -> bool:
        """Whether the list is open now (a refill would close it under the user's pointer)."""
        return self.view().isVisible()

    def offers(self, choices: list[Choice]) -> bool:
        """Whether the box already shows exactly ``choices`` (labels and values, in order)."""
        shown = [(self.itemText(i), self.itemData(i)) for i in range(self.count())]
        return shown == [(c.label, c.value) for c in choices]


class DevicePicker(QObject):
    """Fills a :class:`DeviceBox` from ``lister``, keeping the selection by device name.

    Args:
        box: the dropdown (also the Qt parent of the idle timer).
        lister: ``list_devices(refresh)``.
        streaming: whether a stream holds a device open now (then PortAudio is never restarted).

    Attributes:
        timer: the idle look (``DEVICE_POLL_MS``); started here, stopped by the owner on close.
        rescan_s: how long the last rescan took.
        no_rescan: why PortAudio must not be restarted any more in this process, or None.

    Signals:
        notice(str): a problem or a fallback, for the log.
        status(str): a passing note for the status bar ("input devices changed").
    """

    notice = Signal(str)
    status = Signal(str)

    def __init__(self, box: DeviceBox, lister: DeviceLister, streaming: Callable[[], bool]):
        super().__init__(box)
        self.box = box
        self.lister = lister
        self.streaming = streaming
        self.rescan_s = 0.0
        self.no_rescan: str | None = None
        self.timer = QTimer(box)
        self.timer.setInterval(DEVICE_POLL_MS)
        self.box.opening.connect(self.rescan)
        self.timer.timeout.connect(self.poll)
        self.timer.start()

    def value(self) -> str:
        """The selected device name (or ``DEMO_DEVICE``)."""
        return str(self.box.currentData())

    def refresh(self, wanted: str, rescan: bool) -> None:
        """List input devices, keeping ``wanted`` selected when it still exists. ``rescan``
        makes PortAudio look again, but only while no stream holds a device open (see
        ``talkrig.bridge.audio.devices.rescan``)."""
        choices, problem = self._choices(rescan)
        if problem:
            self.notice.emit(problem)
        self._fill(choices, wanted)

    def rescan(self) -> None:
        """The Refresh button, or the dropdown opening: look again, keep the selection."""
        self.refresh(self.value(), rescan=True)

    def poll(self) -> None:
        """Idle timer: rescan, and refill the dropdown only when the devices changed. Skipped
        while streaming or while the list is open, under JACK (restarting PortAudio after its
        JACK server died aborts the process; the dropdown still rescans when opened), and for
        good once a rescan costs more than ``RESCAN_BUDGET_S``."""
        if self.streaming() or self.box.popup_visible() or self._jack_loaded():
            return
        choices, _ = self._choices(rescan=True)  # a missing PortAudio was told at start
        if self.rescan_s > RESCAN_BUDGET_S:
            self.timer.stop()
            log.info("a device rescan took %.0f ms: no periodic rescans", 1000 * self.rescan_s)
        if not self.box.offers(choices):
            self._fill(choices, self.value())
            self.status.emit("input devices changed")

    def _choices(self, rescan: bool) -> tuple[list[Choice], str | None]:
        rescan = rescan and not self.streaming() and self.no_rescan is None
        started = time.perf_counter()
        out = device_choices(self.lister, refresh=rescan)
        if rescan:
            self.rescan_s = time.perf_counter() - started
        return out

    def _fill(self, choices: list[Choice], wanted: str) -> None:
        default = next((c.value for c in choices if c.value != DEMO_DEVICE), DEMO_DEVICE)
        problem = fill_combo(self.box, choices, wanted, default, "input device")
        if problem:
            self.notice.emit(problem)

    def _jack_loaded(self) -> bool:
        try:
            return any("JACK" in d.hostapi.upper() for d in self.lister(False))
        except AudioError:
            return False
