"""``FramePainter``: one video frame of a render, painted with the face preview's painter.

The render thread paints each frame onto one reused ``QImage`` with
:func:`talkrig.app.widgets.face.paint_face` (the same drawing as the window's face preview),
adds the model's name and the time, and hands the pixels to the encoder as a numpy array.
"""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter

from talkrig.app.widgets.face import FaceShape, paint_face

BACKGROUND = "#000000"
TEXT_COLOR = "#dddddd"


class FramePainter:
    """Paints one video frame at a time onto a reused ``QImage`` (the rendering thread).

    Args:
        size: ``(width, height)`` in pixels.
        view: face coordinates the face fills (fixed for the whole video).
        title: overlay text at the top left (the model's name).
    """

    def __init__(self, size: tuple[int, int], view: QRectF, title: str) -> None:
        self.image = QImage(size[0], size[1], QImage.Format.Format_RGB888)
        self.view = view
        self.title = title
        self.font = QFont()  # the platform's default family
        self.font.setPixelSize(max(10, size[1] // 30))

    def paint(self, shape: FaceShape, seconds: float) -> np.ndarray:
        """The frame as ``(height, width, 3)`` uint8 RGB (a copy)."""
        image = self.image
        width, height = image.width(), image.height()
        image.fill(QColor(BACKGROUND))
        painter = QPainter(image)
        try:
            margin = self.font.pixelSize()
            face = QRectF(0, 2 * margin, width, height - 3 * margin)
            paint_face(painter, face, shape, self.view)
            painter.setFont(self.font)
            painter.setPen(QColor(TEXT_COLOR))
            text = QRectF(margin / 2, margin / 2, width - margin, 1.5 * margin)
            painter.drawText(text, Qt.AlignmentFlag.AlignLeft, self.title)
            painter.drawText(text, Qt.AlignmentFlag.AlignRight, f"t = {seconds:6.2f} s")
        finally:
            painter.end()
        rows = np.frombuffer(image.constBits(), np.uint8).reshape(height, image.bytesPerLine())
        return rows[:, : 3 * width].reshape(height, width, 3).copy()


def gui_application() -> QGuiApplication | None:
    """A new QGuiApplication (fonts need one) when none exists; the caller keeps it alive.

    A render opens no window, so a new one defaults to the offscreen platform (set
    ``QT_QPA_PLATFORM`` to choose another); an existing app (the desktop app) is used as it is.
    """
    if QGuiApplication.instance() is not None:
        return None
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return QGuiApplication([])
