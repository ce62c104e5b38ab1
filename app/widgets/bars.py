"""``BlendshapeBars``: the 52 ARKit values as bars, grouped and coloured by face region."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from talkrig.bridge.frame import FaceFrame
from talkrig.models import arkit

MIN_LABELLED = 5  # narrower groups are named only in the colour legend (labels would overlap)
_COLOURS = {
    "eyes": "#4e9af1", "eyebrows": "#a77bf3", "cheeks": "#f39c4e", "jaw": "#f1c40f",
    "mouth": "#e74c3c", "other": "#95a5a6",
}  # fmt: skip


def region_order() -> list[tuple[str, tuple[int, ...]]]:
    """(region, canonical indices) in display order; shapes in no region go to "other"."""
    groups = [(name, arkit.REGIONS[name]) for name in ("eyes", "eyebrows", "cheeks", "jaw")]
    groups.append(("mouth", arkit.REGIONS["mouth"]))
    placed = {i for _, indices in groups for i in indices}
    groups.append(("other", tuple(i for i in range(arkit.COUNT) if i not in placed)))
    return groups


class BlendshapeBars(pg.PlotWidget):
    """Fed by :meth:`show_values` once per display tick (GUI thread)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        groups = region_order()
        legend = " ".join(
            f'<span style="color:{_COLOURS[name]}">{name}</span>' for name, _ in groups
        )
        super().__init__(parent, title=f"blendshapes: {legend}")
        self.order = np.array([i for _, indices in groups for i in indices])  # (52,) canonical
        brushes = [pg.mkBrush(_COLOURS[name]) for name, indices in groups for _ in indices]
        self.heights = np.zeros(arkit.COUNT, dtype=np.float32)  # (52,) in display order
        self._bars = pg.BarGraphItem(
            x=np.arange(arkit.COUNT), height=self.heights, width=0.8, brushes=brushes
        )
        self.addItem(self._bars)
        ticks, start = [], 0
        for name, indices in groups:
            if len(indices) >= MIN_LABELLED:
                ticks.append(((start + len(indices) / 2 - 0.5), name))
            start += len(indices)
        self.getAxis("bottom").setTicks([ticks])
        self.setYRange(0, 1)
        self.setXRange(-1, arkit.COUNT)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()

    def show_frame(self, frame: FaceFrame) -> None:
        """A landmark model's frame has no blendshapes: the bars drop to zero."""
        if frame.blendshapes is not None:
            self.show_values(frame.blendshapes)
        else:
            self.show_values(np.zeros(arkit.COUNT, dtype=np.float32))

    def show_values(self, blendshapes: np.ndarray) -> None:
        """``blendshapes``: ``(52,)`` in canonical ARKit order, [0, 1]."""
        self.heights = np.asarray(blendshapes, dtype=np.float32)[self.order]
        self._bars.setOpts(height=self.heights)

    def name_at(self, position: int) -> str:
        """The ARKit name of the bar at ``position`` (tooltips, tests)."""
        return arkit.NAMES[int(self.order[position])]
