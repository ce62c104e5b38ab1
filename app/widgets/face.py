"""``FacePreview``: the output as a face, so a user sees it without Unity.

A landmark model's points are drawn as they are; a blendshape model drives a schematic face
(eyes that blink and widen, brows that rise and fall, a mouth that opens, smiles and puckers).
The face is mirrored like a webcam view: the subject's left is on the viewer's right.

The geometry (:class:`FaceShape`, in face coordinates: x right, y up) is computed once and drawn
two ways: by the :class:`FacePreview` widget's plot items, and by :func:`paint_face` with a
``QPainter`` on any paint device (``talkrig render`` paints ``QImage`` video frames with it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from talkrig.bridge.frame import FaceFrame
from talkrig.models import arkit

_I = arkit.INDEX
_T = np.linspace(-1.0, 1.0, 25)  # (25,) parameter along an eye, brow or lip curve
_RING = np.linspace(0.0, 2.0 * np.pi, 60)  # (60,) angles of the head outline
HEAD_COLOR = "#888888"
LINE_COLOR = "#ffffff"
MOUTH_COLOR = "#e74c3c"
POINT_COLOR = "#4e9af1"
# Face coordinates a blendshape face needs (x, y of the lower left corner, width, height): the
# head outline of radius 1 × 1.25 with a margin.
BLENDSHAPE_VIEW = (-1.1, -1.35, 2.2, 2.7)
LANDMARK_MARGIN = 0.25  # of the landmark box's larger side, on each side

Curve = tuple[np.ndarray, np.ndarray]  # (x, y), each (n,)


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


@dataclass(frozen=True)
class FaceShape:
    """What the preview draws, in face coordinates (x right, y up).

    Attributes:
        head: draw the head outline (blendshape faces; landmarks bring their own outline).
        eyes, brows: ``(x, y)`` curves, Left then Right; empty for landmarks.
        mouth: closed ``(x, y)`` lip outline, or ``None``.
        points: ``(n, 2)`` landmark points; ``(0, 2)`` for a blendshape face.
    """

    head: bool
    eyes: tuple[Curve, ...]
    brows: tuple[Curve, ...]
    mouth: Curve | None
    points: np.ndarray


def blendshape_shape(values: np.ndarray) -> FaceShape:
    """The schematic face for ``values``: ``(52,)`` canonical ARKit order, [0, 1]."""
    v = np.asarray(values, dtype=np.float64)
    return FaceShape(
        head=True,
        eyes=tuple(eye_curve(v, side) for side in ("Left", "Right")),
        brows=tuple(brow_curve(v, side) for side in ("Left", "Right")),
        mouth=mouth_curve(v),
        points=np.zeros((0, 2)),
    )


def landmark_shape(landmarks: np.ndarray) -> FaceShape:
    """``landmarks``: ``(points, 2 or 3)`` in image coordinates ([0, 1], y down); depth is
    dropped (an orthographic view from the front) and y flipped so the face stands upright."""
    xy = np.asarray(landmarks, dtype=np.float64)[:, :2] * (1.0, -1.0)
    return FaceShape(head=False, eyes=(), brows=(), mouth=None, points=xy)


def frame_shape(frame: FaceFrame) -> FaceShape | None:
    """The shape for whichever output ``frame`` carries, or ``None`` when it carries none."""
    if frame.blendshapes is not None:
        return blendshape_shape(frame.blendshapes)
    if frame.landmarks is not None:
        return landmark_shape(frame.landmarks)
    return None


def landmark_view(landmarks: np.ndarray) -> QRectF:
    """Face-coordinate box around ``landmarks`` (``(points, 2 or 3)``, image coordinates) with
    a margin; a fixed box from the rest pose keeps a video from zooming frame by frame."""
    xy = landmark_shape(landmarks).points
    low, high = xy.min(axis=0), xy.max(axis=0)
    pad = LANDMARK_MARGIN * float(max(high - low)) + 1e-3
    return QRectF(
        low[0] - pad, low[1] - pad, high[0] - low[0] + 2 * pad, high[1] - low[1] + 2 * pad
    )


def _polygon(curve: Curve, to_px: np.ndarray) -> QPolygonF:
    x = to_px[0] + to_px[2] * curve[0]
    y = to_px[1] - to_px[2] * curve[1]
    return QPolygonF([QPointF(a, b) for a, b in zip(x.tolist(), y.tolist(), strict=True)])


def paint_face(painter: QPainter, target: QRectF, shape: FaceShape, view: QRectF) -> None:
    """Draw ``shape`` into ``target`` (device pixels) so that ``view`` (face coordinates, y up)
    fills it with the aspect ratio kept. Any thread that owns ``painter`` (a QImage painter
    may run off the GUI thread)."""
    scale = min(target.width() / view.width(), target.height() / view.height())
    centre = view.center()  # y up: a QRectF's "top" is the face's bottom edge here
    to_px = np.array(
        [
            target.center().x() - scale * centre.x(),
            target.center().y() + scale * centre.y(),
            scale,
        ]
    )  # px = a + s·x, py = b − s·y
    line = max(1.0, target.height() / 240.0)  # 2 px at 480 lines, like the widget
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if shape.head:
        painter.setPen(QPen(QColor(HEAD_COLOR), line / 2))
        painter.drawPolygon(_polygon(_ellipse(0.0, 0.0, 1.0, 1.25), to_px))
    painter.setPen(QPen(QColor(LINE_COLOR), line))
    for curve in (*shape.eyes, *shape.brows):
        painter.drawPolyline(_polygon(curve, to_px))
    if shape.mouth is not None:
        painter.setPen(QPen(QColor(MOUTH_COLOR), 1.5 * line))
        painter.drawPolygon(_polygon(shape.mouth, to_px))
    if len(shape.points):
        dots = QPen(QColor(POINT_COLOR), max(3.0, 1.5 * line))  # the widget's 3 px or more
        dots.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(dots)
        painter.drawPoints(_polygon((shape.points[:, 0], shape.points[:, 1]), to_px))
    painter.restore()


class FacePreview(pg.PlotWidget):
    """Fed by :meth:`show_frame` once per display tick (GUI thread)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, title="face preview")
        self.setAspectLocked(True)
        self.hideAxis("left")
        self.hideAxis("bottom")
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        pen = pg.mkPen(LINE_COLOR, width=2)
        self.head = self.plot(*_ellipse(0.0, 0.0, 1.0, 1.25), pen=pg.mkPen(HEAD_COLOR, width=1))
        self.eyes = [self.plot(pen=pen) for _ in range(2)]
        self.brows = [self.plot(pen=pen) for _ in range(2)]
        self.mouth = self.plot(pen=pg.mkPen(MOUTH_COLOR, width=3))
        self.points = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(POINT_COLOR))
        self.addItem(self.points)
        self.show_blendshapes(np.zeros(arkit.COUNT, dtype=np.float32))

    def show_frame(self, frame: FaceFrame) -> None:
        shape = frame_shape(frame)
        if shape is not None:
            self.show_shape(shape)

    def show_blendshapes(self, values: np.ndarray) -> None:
        """``values``: ``(52,)`` canonical ARKit order, [0, 1]."""
        self.show_shape(blendshape_shape(values))

    def show_landmarks(self, landmarks: np.ndarray) -> None:
        """``landmarks``: ``(points, 2 or 3)`` in image coordinates ([0, 1], y down)."""
        self.show_shape(landmark_shape(landmarks))

    def show_shape(self, shape: FaceShape) -> None:
        """Move the plot items to ``shape``; items the shape lacks are emptied."""
        for items, curves in ((self.eyes, shape.eyes), (self.brows, shape.brows)):
            for i, item in enumerate(items):
                item.setData(*(curves[i] if i < len(curves) else ([], [])))
        self.mouth.setData(*(shape.mouth if shape.mouth is not None else ([], [])))
        if len(shape.points):
            self.points.setData(x=shape.points[:, 0], y=shape.points[:, 1])
        else:
            self.points.setData([])
        self.head.setVisible(shape.head)
