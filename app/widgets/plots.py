"""``MetricsPlots``: per-frame processing time (with the 32 ms budget), FPS and delay."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from talkrig.bridge.metrics import Metrics, MetricsSnapshot

BUDGET_MS = 32.0  # the paper's limit: past it, frames queue up (DESIGN.md)
DELAY_RANGE_MS = 300.0  # the paper's queue time was ≈ 283 ms: TalkRig should sit well below
HISTORY = 300  # display ticks kept for the FPS and delay curves (~10 s at 30 Hz)


class _History:
    """A fixed-length series that scrolls left as values are appended (GUI thread)."""

    def __init__(self) -> None:
        self.values = np.full(HISTORY, np.nan)

    def append(self, value: float) -> np.ndarray:
        self.values[:-1] = self.values[1:]
        self.values[-1] = value
        return self.values


class MetricsPlots(QWidget):
    """Three stacked plots, fed by :meth:`show_metrics` once per display tick (GUI thread)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.processing = pg.PlotWidget(title="processing per frame (ms)")
        self.processing.addItem(
            pg.InfiniteLine(BUDGET_MS, angle=0, pen=pg.mkPen("r", style=Qt.PenStyle.DashLine),
                            label=f"{BUDGET_MS:g} ms budget", labelOpts={"position": 0.1})
        )  # fmt: skip
        self.processing.setYRange(0, BUDGET_MS * 1.25)
        self.fps = pg.PlotWidget(title="frames per second")
        self.fps.setYRange(0, 30)
        self.delay = pg.PlotWidget(title="mouth-to-avatar delay (ms)")
        self.delay.setYRange(0, DELAY_RANGE_MS)
        for plot in (self.processing, self.fps, self.delay):
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            layout.addWidget(plot)
        self.processing_curve = self.processing.plot(pen="y")
        self.fps_curve = self.fps.plot(pen="c")
        self.delay_curve = self.delay.plot(pen="m")
        self._fps = _History()
        self._delay = _History()

    def show_metrics(self, snapshot: MetricsSnapshot, processing_ms: np.ndarray) -> None:
        """``processing_ms``: ``(n,)`` the most recent frames' processing times, oldest first."""
        self.processing_curve.setData(processing_ms)
        self.fps_curve.setData(self._fps.append(snapshot.fps))
        self.delay_curve.setData(self._delay.append(snapshot.mouth_to_avatar_ms))
        if processing_ms.size:
            self.processing.setTitle(f"processing per frame: {processing_ms[-1]:.1f} ms")
        self.fps.setTitle(f"frames per second: {snapshot.fps:.1f}")
        self.delay.setTitle(f"mouth-to-avatar delay: {snapshot.mouth_to_avatar_ms:.0f} ms")

    def clear(self) -> None:
        for curve in (self.processing_curve, self.fps_curve, self.delay_curve):
            curve.setData([])
        self._fps = _History()
        self._delay = _History()


def recent_processing(metrics: Metrics) -> np.ndarray:
    """``(n,)`` processing ms of the last ``n ≤ Metrics.RECENT`` frames, oldest first (GUI
    thread)."""
    return metrics.history()[:, 1]
