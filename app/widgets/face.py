"""``FacePreview``: the output as a face, so a user sees it without Unity.

Every model is drawn on a real face layout (:mod:`talkrig.models.face_mesh`): a landmark model's
points directly (MediaPipe's 478-point mesh, shaded triangle by triangle from its depth, or
dlib's 68 points as a flat face), a blendshape model's values through the shipped blendshapes →
mesh map (:mod:`talkrig.models.face_map`, the map inside ``talkrig-landmarks3d``, with
hand-made blinks, smiles and brows on top: :mod:`talkrig.models.face_expressions`). Lips are
filled red and the mouth opening dark, so a mouth that opens by a fifth is plain to see.

The geometry (:class:`FaceShape`, in face coordinates: x right, y up) is computed once and drawn
by :func:`paint_face` with a ``QPainter`` on any paint device: the :class:`FacePreview` widget
and ``talkrig render``'s ``QImage`` video frames draw the same picture.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from talkrig.bridge.frame import FaceFrame
from talkrig.models import arkit
from talkrig.models.contract import Representation
from talkrig.models.face_expressions import shipped_rig
from talkrig.models.face_map import FaceMap, shipped_face_map
from talkrig.models.face_mesh import FaceTopology, topology_for

BACKGROUND = "#101418"
SKIN = (236, 200, 172)  # green / red above 0.8 keeps shaded skin out of the lips' red
LIP_COLOR = "#c0303c"
MOUTH_COLOR = "#3a0d12"
EYE_COLOR = "#f2f0ea"
IRIS_COLOR = "#4a3020"
LINE_COLOR = "#5a3a2c"
POINT_COLOR = "#4e9af1"
LIGHT = np.array([-0.35, 0.45, 1.0]) / np.linalg.norm([-0.35, 0.45, 1.0])  # upper left, front
AMBIENT = 0.45  # share of the skin colour a triangle keeps facing away from the light
LANDMARK_MARGIN = 0.12  # of the face box's larger side, on each side


@dataclass(frozen=True)
class FaceShape:
    """What the preview draws, in face coordinates (x right, y up).

    Attributes:
        points: ``(n, 2)`` landmark positions.
        near: ``(n,)`` closeness to the viewer (3D models; larger is nearer), or ``None``.
        topology: how the points join up, or ``None`` for an unknown layout (dots only).
    """

    points: np.ndarray
    near: np.ndarray | None
    topology: FaceTopology | None


def landmark_shape(landmarks: np.ndarray) -> FaceShape:
    """``landmarks``: ``(points, 2 or 3)`` in image coordinates ([0, 1], y down, z negative
    towards the camera); seen from the front, y flipped so the face stands upright."""
    pts = np.asarray(landmarks, dtype=np.float64)
    near = -pts[:, 2] if pts.shape[1] > 2 else None
    return FaceShape(pts[:, :2] * (1.0, -1.0), near, topology_for(len(pts)))


def blendshape_shape(values: np.ndarray, face_map: FaceMap | None = None) -> FaceShape:
    """The face for ``values`` (``(52,)`` canonical ARKit order, [0, 1]) through ``face_map``;
    by default the shipped map plus the blinks, smiles and brows it cannot show
    (:mod:`talkrig.models.face_expressions`)."""
    if face_map is not None:
        return landmark_shape(face_map.landmarks(values))
    return landmark_shape(shipped_rig()(shipped_face_map().landmarks(values), values))


def frame_shape(frame: FaceFrame) -> FaceShape | None:
    """The shape of ``frame``'s values: blendshapes through the face map, or its landmarks;
    ``None`` when a value is NaN or infinite (the caller keeps the face it shows: one bad frame
    never draws a broken face, nor fits the preview's view to nothing)."""
    if not np.isfinite(frame.values).all():
        return None
    if frame.representation is Representation.BLENDSHAPES:
        return blendshape_shape(frame.values)
    return landmark_shape(frame.values)


def rest_shape() -> FaceShape:
    """A blendshape model's face at rest (every value 0)."""
    return blendshape_shape(np.zeros(arkit.COUNT, np.float32))


def skin_outline(shape: FaceShape) -> np.ndarray:
    """``(k, 2)`` face-coordinate outline of the skin; a layout without forehead points (dlib's)
    gets its brows lifted into a rounded forehead."""
    assert shape.topology is not None
    pts = shape.points.copy()
    brows = shape.topology.forehead
    if len(brows):
        height = pts[brows, 1].mean() - pts[:, 1].min()
        u = (pts[brows, 0] - pts[brows, 0].mean()) / (np.ptp(pts[brows, 0]) / 2 + 1e-9)
        pts[brows, 1] += height * (FOREHEAD[0] + FOREHEAD[1] * (1 - u**2))
    return pts[shape.topology.outline]


def shape_view(shape: FaceShape) -> QRectF:
    """Face-coordinate box around ``shape`` with a margin; taken once from a rest pose, it keeps
    a video or the preview from zooming frame by frame."""
    pts = shape.points if shape.topology is None else np.vstack([shape.points, skin_outline(shape)])
    low, high = pts.min(axis=0), pts.max(axis=0)
    pad = LANDMARK_MARGIN * float(max(high - low)) + 1e-3
    return QRectF(
        low[0] - pad, low[1] - pad, high[0] - low[0] + 2 * pad, high[1] - low[1] + 2 * pad
    )


def _to_pixels(points: np.ndarray, target: QRectF, view: QRectF) -> np.ndarray:
    """``(n, 2)`` device pixels: ``view`` fills ``target``, aspect ratio kept, y flipped."""
    scale = min(target.width() / view.width(), target.height() / view.height())
    centre = view.center()  # y up: a QRectF's "top" is the face's bottom edge here
    x = target.center().x() + scale * (points[:, 0] - centre.x())
    y = target.center().y() - scale * (points[:, 1] - centre.y())
    return np.column_stack([x, y])


def _polygon(px: np.ndarray, loop: np.ndarray) -> QPolygonF:
    return QPolygonF([QPointF(x, y) for x, y in px[loop].tolist()])


def _shades(shape: FaceShape, triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Triangle order (far to near) and brightness ``(m,)`` in [AMBIENT, 1] (Lambert)."""
    assert shape.near is not None
    xyz = np.column_stack([shape.points, shape.near])[triangles]  # (m, 3 corners, 3)
    normal = np.cross(xyz[:, 1] - xyz[:, 0], xyz[:, 2] - xyz[:, 0])
    length = np.linalg.norm(normal, axis=1)
    facing = np.abs(normal @ LIGHT) / np.where(length > 0, length, 1.0)
    order = np.argsort(xyz[:, :, 2].mean(axis=1), kind="stable")
    return order, AMBIENT + (1.0 - AMBIENT) * facing


FOLDED_LIMIT = 0.15  # share of mirrored triangles above which points are no real mesh
FOREHEAD = (0.12, 0.16)  # brow lift at the temples, extra at the midline: of brows-to-chin


def is_mesh(px: np.ndarray, triangles: np.ndarray) -> bool:
    """Whether ``triangles`` over ``px`` (``(n, 2)``) look like a surface seen from one side:
    a real face folds a few triangles at most (the nose's flanks), a layout whose points sit
    elsewhere (the schematic placeholder mesh) folds about half of them."""
    if not len(triangles):
        return False
    a, b, c = (px[triangles[:, k]] for k in range(3))
    area = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    return min(np.mean(area > 0), np.mean(area < 0)) < FOLDED_LIMIT


def _paint_skin(painter: QPainter, px: np.ndarray, shape: FaceShape, outline: np.ndarray) -> None:
    """``outline``: the skin's outline in device pixels (a flat face's whole skin)."""
    topology = shape.topology
    assert topology is not None
    if shape.near is None or not is_mesh(px, topology.triangles):
        painter.setPen(QPen(QColor(LINE_COLOR), 1.0))
        painter.setBrush(QColor(*SKIN))
        painter.drawPolygon(_polygon(outline, np.arange(len(outline))))
        return
    order, light = _shades(shape, topology.triangles)
    levels = np.round(light * 32).astype(int)  # few distinct colours: fewer QColor objects
    colours = {v: QColor(*(int(c * v / 32) for c in SKIN)) for v in np.unique(levels).tolist()}
    corners = px[topology.triangles[order]].tolist()  # (m, 3, 2), far to near
    # Aliased fills tile exactly (antialiased ones leave seams) and cost a fifth as much; the
    # antialiased face oval drawn later smooths the silhouette.
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setPen(Qt.PenStyle.NoPen)
    for level, (a, b, c) in zip(levels[order].tolist(), corners, strict=True):
        painter.setBrush(colours[level])
        painter.drawPolygon(QPolygonF([QPointF(*a), QPointF(*b), QPointF(*c)]))
    painter.restore()


def _iris(px: np.ndarray, eye: np.ndarray, iris: int) -> tuple[QPointF, float]:
    """Centre and radius of an eye's iris: MediaPipe's iris points (468-477) when the model
    gives them, else the middle of the eye at a typical size (a fifth of the eye's width)."""
    if len(px) > iris + 4:
        ring = np.linalg.norm(px[iris + 1 : iris + 5] - px[iris], axis=1)
        return QPointF(*px[iris].tolist()), float(ring.mean())
    corners = px[eye]
    width = float(np.ptp(corners[:, 0]))
    return QPointF(*corners.mean(axis=0).tolist()), 0.2 * width


def _paint_eyes(painter: QPainter, px: np.ndarray, topology: FaceTopology, line: float) -> None:
    for eye, iris in zip(topology.eyes, (468, 473), strict=True):
        outline = _polygon(px, eye)
        painter.setPen(QPen(QColor(LINE_COLOR), line))
        painter.setBrush(QColor(EYE_COLOR))
        painter.drawPolygon(outline)
        path = QPainterPath()
        path.addPolygon(outline)
        painter.save()
        painter.setClipPath(path)  # a closing lid hides the iris
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(IRIS_COLOR))
        centre, radius = _iris(px, eye, iris)
        painter.drawEllipse(centre, radius, radius)
        painter.restore()


def _paint_lines(
    painter: QPainter, px: np.ndarray, topology: FaceTopology, line: float, nose: bool
) -> None:
    widths = {"oval": 0.6, "nose": 0.6 if nose else 0.0, "brows": 1.6, "eyes": 0.8}
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for group, edges in topology.lines.items():
        if widths.get(group, 0.0) > 0:
            painter.setPen(QPen(QColor(LINE_COLOR), widths[group] * line))
            ends = px[edges]  # (k, 2 ends, 2)
            painter.drawLines([QPointF(*a) for a in ends.reshape(-1, 2).tolist()])


def _paint_mouth(painter: QPainter, px: np.ndarray, topology: FaceTopology, line: float) -> None:
    painter.setPen(QPen(QColor(LIP_COLOR).darker(130), 0.6 * line))
    painter.setBrush(QColor(LIP_COLOR))
    painter.drawPolygon(_polygon(px, topology.outer_lips))
    painter.setBrush(QColor(MOUTH_COLOR))
    painter.drawPolygon(_polygon(px, topology.inner_lips))


def paint_face(painter: QPainter, target: QRectF, shape: FaceShape, view: QRectF) -> None:
    """Draw ``shape`` into ``target`` (device pixels) so that ``view`` (face coordinates, y up)
    fills it with the aspect ratio kept. Any thread that owns ``painter`` (a QImage painter
    may run off the GUI thread)."""
    px = _to_pixels(shape.points, target, view)
    line = max(1.0, target.height() / 240.0)  # 2 px at 480 lines
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if shape.topology is None:
        dots = QPen(QColor(POINT_COLOR), max(3.0, 1.5 * line))
        dots.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(dots)
        painter.drawPoints(QPolygonF([QPointF(x, y) for x, y in px.tolist()]))
    else:
        topology = shape.topology
        _paint_skin(painter, px, shape, _to_pixels(skin_outline(shape), target, view))
        _paint_eyes(painter, px, topology, line)
        # The placeholder mesh puts only the contours where MediaPipe does: no nose there.
        nose = not len(topology.triangles) or is_mesh(px, topology.triangles)
        _paint_lines(painter, px, topology, line, nose)
        _paint_mouth(painter, px, shape.topology, line)
    painter.restore()


class FacePreview(QWidget):
    """Fed by :meth:`show_frame` once per display tick (GUI thread); paints with
    :func:`paint_face`. ``shape`` is what it shows now."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(160, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("face preview: the model's output on a face mesh")
        self.shape = rest_shape()
        self.view = shape_view(self.shape)
        self._background = QBrush(QColor(BACKGROUND))

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
        """Show ``shape`` at the next paint; the view is refitted only when the layout (point
        count) changes, so the face does not zoom as the mouth moves."""
        if len(shape.points) != len(self.shape.points):
            self.view = shape_view(shape)
        self.shape = shape
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), self._background)
            paint_face(painter, QRectF(self.rect()), self.shape, self.view)
        finally:
            painter.end()
