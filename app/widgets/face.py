"""``FacePreview``: the output as a face, so a user sees it without Unity.

A landmark model's points are drawn as they are; a blendshape model drives a schematic face
(eyes that blink and widen, brows that rise and fall, a mouth that opens, smiles and puckers).
The face is mirrored like a webcam view: the subject's left is on the viewer's right.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from talkrig.bridge.frame import FaceFrame
from talkrig.models import arkit

_I = arkit.INDEX
_T = np.linspace(-1.0, 1.0, 25)  # (25,) parameter along an eye, brow or lip curve
_RING = np.linspace(0.0, 2.0 * np.pi, 60)  # (60,) angles of the head outline


def _ellipse(cx: float, cy: float, rx: float, ry: float) -> tuple[np.ndarray, np.ndarray]:
    return cx + rx * np.cos(_RING), cy + ry * np.sin(_RING)


def eye_curve(v: np.ndarray, side: str) -> tuple[np.ndarray, np.ndarray]:
    """Closed outline ``(x, y)`` of one eye from the ``(52,)`` values; ``side`` Left/Right."""
    cx = 0.4 if side == "Left" else -0.4
    open_ = 1.0 - v[_I[f"eyeBlink{side}"]]
    h = 0.1 * open_ + 0.05 * v[_I[f"eyeWide{side}"]] - 0.03 * v[_I[f"eyeSquint{side}"]]
    h = max(h, 0.004)
    top = 0.3 + h * (1 - _T**2)
    bottom = 0.3 - h * (1 - _T**2)
    return np.r_[cx + 0.18 * _T, cx - 0.18 * _T], np.r_[top, bottom[::-1]]


def brow_curve(v: np.ndarray, side: str) -> tuple[np.ndarray, np.ndarray]:
    """Brow line ``(x, y)``: inner end up with browInnerUp, outer with browOuterUp."""
    sign = 1.0 if side == "Left" else -1.0
    down = 0.08 * v[_I[f"browDown{side}"]]
    inner = 0.55 + 0.12 * v[_I["browInnerUp"]] - down
    outer = 0.55 + 0.12 * v[_I[f"browOuterUp{side}"]] - down
    s = (_T + 1) / 2  # 0 at the inner end, 1 at the outer end
    return sign * (0.2 + 0.4 * s), inner + (outer - inner) * s + 0.03 * np.sin(np.pi * s)


def mouth_curve(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Closed lip outline ``(x, y)``: width from smile/stretch/pucker, opening from jawOpen."""
    smile = (v[_I["mouthSmileLeft"]], v[_I["mouthSmileRight"]])
    frown = (v[_I["mouthFrownLeft"]], v[_I["mouthFrownRight"]])
    stretch = (v[_I["mouthStretchLeft"]] + v[_I["mouthStretchRight"]]) / 2
    narrow = 0.12 * v[_I["mouthPucker"]] + 0.08 * v[_I["mouthFunnel"]]
    half_width = 0.3 + 0.06 * (smile[0] + smile[1]) / 2 + 0.06 * stretch - narrow
    opening = 0.4 * v[_I["jawOpen"]] * (1 - v[_I["mouthClose"]]) + 0.06 * v[_I["mouthFunnel"]]
    opening += 0.05 * (v[_I["mouthLowerDownLeft"]] + v[_I["mouthLowerDownRight"]]) / 2
    corner = np.where(_T > 0, 0.1 * (smile[0] - frown[0]), 0.1 * (smile[1] - frown[1]))
    x = half_width * _T
    edge = corner * _T**2
    upper = -0.5 + edge + (0.015 + 0.25 * opening) * (1 - _T**2)
    lower = -0.5 + edge - (0.015 + 0.75 * opening) * (1 - _T**2)
    return np.r_[x, x[::-1]], np.r_[upper, lower[::-1]]


class FacePreview(pg.PlotWidget):
    """Fed by :meth:`show_frame` once per display tick (GUI thread)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, title="face preview")
        self.setAspectLocked(True)
        self.hideAxis("left")
        self.hideAxis("bottom")
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        pen = pg.mkPen("w", width=2)
        self.head = self.plot(*_ellipse(0.0, 0.0, 1.0, 1.25), pen=pg.mkPen("#888", width=1))
        self.eyes = [self.plot(pen=pen) for _ in range(2)]
        self.brows = [self.plot(pen=pen) for _ in range(2)]
        self.mouth = self.plot(pen=pg.mkPen("#e74c3c", width=3))
        self.points = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush("#4e9af1"))
        self.addItem(self.points)
        self.show_blendshapes(np.zeros(arkit.COUNT, dtype=np.float32))

    def show_frame(self, frame: FaceFrame) -> None:
        if frame.blendshapes is not None:
            self.show_blendshapes(frame.blendshapes)
        elif frame.landmarks is not None:
            self.show_landmarks(frame.landmarks)

    def show_blendshapes(self, values: np.ndarray) -> None:
        """``values``: ``(52,)`` canonical ARKit order, [0, 1]."""
        v = np.asarray(values, dtype=np.float64)
        for curve, side in zip(self.eyes, ("Left", "Right"), strict=True):
            curve.setData(*eye_curve(v, side))
        for curve, side in zip(self.brows, ("Left", "Right"), strict=True):
            curve.setData(*brow_curve(v, side))
        self.mouth.setData(*mouth_curve(v))
        self.points.setData([])
        self.head.setVisible(True)

    def show_landmarks(self, landmarks: np.ndarray) -> None:
        """``landmarks``: ``(points, 2 or 3)`` in image coordinates ([0, 1], y down); depth is
        dropped and y flipped so the face stands upright."""
        xy = np.asarray(landmarks, dtype=np.float64)[:, :2]
        self.points.setData(x=xy[:, 0], y=-xy[:, 1])
        for curve in (*self.eyes, *self.brows, self.mouth):
            curve.setData([], [])
        self.head.setVisible(False)
