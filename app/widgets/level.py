"""``LevelMeter``: the input peak in dBFS as a bar, so a user sees the microphone is alive;
``GainBox``: the input gain next to it."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QDoubleSpinBox, QProgressBar, QWidget

from talkrig.bridge.audio.gain import GAIN_DB_MAX, GAIN_DB_MIN, db_to_gain

FLOOR_DB = -60.0  # quieter than this shows as an empty bar
DECAY_DB = 1.5  # per display tick: the bar falls smoothly instead of flickering


class LevelMeter(QProgressBar):
    """Peak meter from ``FLOOR_DB`` to 0 dBFS (GUI thread)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(0, int(-FLOOR_DB * 10))
        self.setTextVisible(True)
        self.setFormat("input: silent")
        self.db = FLOOR_DB

    def set_peak(self, peak: float) -> None:
        """``peak``: largest absolute sample since the last tick, 1.0 = full scale."""
        db = 20.0 * math.log10(peak) if peak > 0 else FLOOR_DB
        self.db = max(FLOOR_DB, min(0.0, max(db, self.db - DECAY_DB)))
        self.setValue(round((self.db - FLOOR_DB) * 10))
        self.setFormat("input: silent" if self.db <= FLOOR_DB else f"input: {self.db:.0f} dBFS")


class GainBox(QDoubleSpinBox):
    """Input gain in dB, ``GAIN_DB_MIN``..``GAIN_DB_MAX`` (GUI thread)."""

    def __init__(self, db: float = 0.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(GAIN_DB_MIN, GAIN_DB_MAX)
        self.setDecimals(1)
        self.setSingleStep(1.0)
        self.setSuffix(" dB")
        self.setToolTip("input gain before the model (the meter shows the result)")
        self.setValue(min(GAIN_DB_MAX, max(GAIN_DB_MIN, db)))

    def factor(self) -> float:
        """The gain as an amplitude factor, for scaling a peak."""
        return db_to_gain(self.value())
