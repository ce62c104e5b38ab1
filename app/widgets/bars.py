"""``BlendshapeBars``: the 52 ARKit values as bars, grouped and coloured by face part, each
bar named on hover (name and value in the tooltip)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QToolTip, QWidget

from talkrig.bridge.frame import FaceFrame
from talkrig.models import arkit

MIN_LABELLED = 5  # narrower groups are named in the colour legend (axis labels would overlap)
# Display order: the parts a viewer watches first, left to right; every ARKit prefix has one.
GROUPS = (
    ("eyes", "eye"), ("brows", "brow"), ("jaw", "jaw"), ("mouth", "mouth"),
    ("cheeks", "cheek"), ("nose", "nose"), ("tongue", "tongue"),
)  # fmt: skip
COLOURS = {
    "eyes": "#4e9af1", "brows": "#a77bf3", "jaw": "#f1c40f", "mouth": "#e74c3c",
    "cheeks": "#f39c4e", "nose": "#2ecc71", "tongue": "#ff6fb5",
}  # fmt: skip


def region_order() -> list[tuple[str, tuple[int, ...]]]:
    """(group, canonical indices) in display order; every one of the 52 shapes in one group."""
    groups = [
        (name, tuple(i for i, shape in enumerate(arkit.NAMES) if shape.startswith(prefix)))
        for name, prefix in GROUPS
    ]
    placed = sorted(i for _, indices in groups for i in indices)
    if placed != list(range(arkit.COUNT)):  # a new ARKit prefix must get its own group
        raise RuntimeError("blendshape groups do not cover the 52 ARKit names exactly once")
    return groups


class BlendshapeBars(pg.PlotWidget):
    """Fed by :meth:`show_values` once per display tick (GUI thread)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        groups = region_order()
        legend = " ".join(
            f'<span style="color:{COLOURS[name]}">{name}</span>' for name, _ in groups
        )
        super().__init__(parent, title=legend)
        self.groups = groups
        self.order = np.array([i for _, indices in groups for i in indices])  # (52,) canonical
        brushes = [pg.mkBrush(COLOURS[name]) for name, indices in groups for _ in indices]
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
        self.setLabel("left", "weight (0–1)")
        self.setYRange(0, 1)
        self.setXRange(-1, arkit.COUNT)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setToolTip("hover a bar for its ARKit name")
        self.scene().sigMouseMoved.connect(self._hovered)

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

    def group_at(self, position: int) -> str:
        """The face part the bar at ``position`` belongs to."""
        canonical = int(self.order[position])
        return next(name for name, indices in self.groups if canonical in indices)

    def hover_text(self, scene_pos: QPointF) -> str | None:
        """The tooltip for the mouse at ``scene_pos``: the bar's part, name and value."""
        x = self.getPlotItem().vb.mapSceneToView(scene_pos).x()
        position = round(x)
        if not 0 <= position < arkit.COUNT or abs(x - position) > 0.45:
            return None
        value = float(self.heights[position])
        return f"{self.group_at(position)}: {self.name_at(position)} = {value:.2f}"

    def _hovered(self, scene_pos: QPointF) -> None:
        text = self.hover_text(scene_pos)
        self.setToolTip(text or "hover a bar for its ARKit name")
        if text:
            QToolTip.showText(QCursor.pos(), text, self)
