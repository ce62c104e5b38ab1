"""``MetricsPlots``: processing time per frame (with the 32 ms budget), frames per second and the
mouth-to-avatar delay, on one time axis (the last ``WINDOW_S`` seconds, now at 0), and the
audio delay to set in OBS so that voice and face line up."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from talkrig.bridge.metrics import Metrics, MetricsSnapshot
from talkrig.models.contract import FRAME_RATE

BUDGET_MS = 32.0  # the paper's limit: past it, frames queue up (docs/architecture.md)
DELAY_RANGE_MS = 300.0  # the paper's queue time was ≈ 283 ms: TalkRig should sit well below
WINDOW_S = 10.0  # every plot shows the same last 10 s
HISTORY = 512  # display ticks kept (≥ WINDOW_S at the 30 Hz display rate)
AXIS_WIDTH = 52  # pixels for the value axis and its unit, the same on every plot
OBS_STEP_MS = 10  # the advice moves in 10 ms steps, so it does not flicker with every frame
IDLE_DELAY_TEXT = "Start to measure the mouth-to-avatar delay (and the audio delay for OBS)."


class _History:
    """A fixed-length series of (time, value) that scrolls as values are appended (GUI
    thread). Times are ``time.monotonic()`` seconds."""

    def __init__(self) -> None:
        self.times = np.full(HISTORY, np.nan)
        self.values = np.full(HISTORY, np.nan)

    def append(self, now: float, value: float) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)``: seconds before ``now`` (≤ 0) and values, oldest first."""
        self.times[:-1], self.values[:-1] = self.times[1:], self.values[1:]
        self.times[-1], self.values[-1] = now, value
        keep = self.times > now - WINDOW_S
        return self.times[keep] - now, self.values[keep]


def frame_times(n: int) -> np.ndarray:
    """``(n,)`` seconds before the newest of ``n`` consecutive frames, oldest first."""
    return (np.arange(n) - (n - 1)) / FRAME_RATE


def obs_advice(delay_ms: float) -> str:
    """What to tell the user about lining up voice and face, for a measured delay."""
    if not math.isfinite(delay_ms):
        return IDLE_DELAY_TEXT
    offset = int(round(delay_ms / OBS_STEP_MS) * OBS_STEP_MS)
    return (
        f"Mouth-to-avatar delay {delay_ms:.0f} ms: set your audio delay in OBS to {offset} ms "
        f"(Audio Mixer → ⚙ → Advanced Audio Properties → Sync Offset) to line voice and face up."
    )


def _plot(title: str, unit: str, pen: str, y_max: float) -> tuple[pg.PlotWidget, pg.PlotDataItem]:
    plot = pg.PlotWidget(title=title)
    plot.setLabel("left", unit)
    plot.getAxis("left").setWidth(AXIS_WIDTH)  # equal widths keep the time axes aligned
    plot.setXRange(-WINDOW_S, 0, padding=0.02)
    plot.setYRange(0, y_max)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    plot.showGrid(x=True, y=True, alpha=0.2)
    return plot, plot.plot(pen=pen)


class MetricsPlots(QWidget):
    """Three stacked plots and the OBS advice, fed by :meth:`show_metrics` once per display
    tick (GUI thread). Every plot shows the same fixed seconds (not linked views: pyqtgraph
    links by pixels, which shifts plots whose axes differ)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.processing, self.processing_curve = _plot(
            "processing per frame", "ms", "y", BUDGET_MS * 1.25
        )
        self.processing.addItem(
            pg.InfiniteLine(BUDGET_MS, angle=0, pen=pg.mkPen("r", style=Qt.PenStyle.DashLine),
                            label=f"{BUDGET_MS:g} ms budget", labelOpts={"position": 0.2})
        )  # fmt: skip
        self.fps, self.fps_curve = _plot("frames per second", "frames/s", "c", 30)
        self.delay, self.delay_curve = _plot("mouth-to-avatar delay", "ms", "m", DELAY_RANGE_MS)
        for plot in (self.processing, self.fps, self.delay):
            layout.addWidget(plot, 1)
        self.delay.setLabel("bottom", "time before now (s)")
        self.obs_label = QLabel(IDLE_DELAY_TEXT)
        self.obs_label.setWordWrap(True)
        layout.addWidget(self.obs_label)
        self._fps = _History()
        self._delay = _History()

    def show_metrics(
        self, snapshot: MetricsSnapshot, processing_ms: np.ndarray, now: float
    ) -> None:
        """``processing_ms``: ``(n,)`` the most recent frames' processing times, oldest first
        (one per 40 ms frame); ``now``: ``time.monotonic()`` of this tick."""
        recent = frame_times(processing_ms.size) > -WINDOW_S
        self.processing_curve.setData(
            frame_times(processing_ms.size)[recent], processing_ms[recent]
        )
        self.fps_curve.setData(*self._fps.append(now, snapshot.fps))
        self.delay_curve.setData(*self._delay.append(now, snapshot.mouth_to_avatar_ms))
        if processing_ms.size:
            self.processing.setTitle(f"processing per frame: {processing_ms[-1]:.1f} ms")
        self.fps.setTitle(f"frames per second: {snapshot.fps:.1f}")
        self.delay.setTitle(f"mouth-to-avatar delay: {snapshot.mouth_to_avatar_ms:.0f} ms")
        self.obs_label.setText(obs_advice(snapshot.mouth_to_avatar_ms))

    def clear(self) -> None:
        for curve in (self.processing_curve, self.fps_curve, self.delay_curve):
            curve.setData([])
        self._fps = _History()
        self._delay = _History()
        self.obs_label.setText(IDLE_DELAY_TEXT)


def recent_processing(metrics: Metrics) -> np.ndarray:
    """``(n,)`` processing ms of the last ``n ≤ Metrics.RECENT`` frames, oldest first (GUI
    thread)."""
    return metrics.history()[:, 1]
