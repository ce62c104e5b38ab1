"""Where the window's widgets sit: the arrangement only, no behaviour (GUI thread).

Left column: the input / model / avatar form, the targets list and the log. Middle: the metric
plots. Right: the face preview over the blendshape bars. :class:`MainWindow` builds the widgets
and wires them; :func:`arrange` puts them on screen, so a layout change never touches wiring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from talkrig.app.widgets.combo_fit import keep_readable

if TYPE_CHECKING:
    from talkrig.app.main_window import MainWindow

COMBO_CHARS = 22  # dropdowns stay readable without growing to their longest entry
COLUMN_WIDTHS = (400, 440, 440)  # left form, plots, face and bars
WINDOW_SIZE = (1280, 760)  # fits a 1366 × 768 laptop screen at 100 %; saved geometry wins


def _controls(window: MainWindow) -> QWidget:
    inputs = QGroupBox("Input, model, avatar")
    form = QFormLayout(inputs)
    device_row = QHBoxLayout()
    device_row.addWidget(window.device_box, 1)
    device_row.addWidget(window.refresh_button)
    form.addRow("input", device_row)
    level_row = QHBoxLayout()
    level_row.addWidget(window.level, 1)
    level_row.addWidget(QLabel("gain"))
    level_row.addWidget(window.gain_box)
    form.addRow("level", level_row)
    form.addRow("model", window.model_box)
    form.addRow("avatar profile", window.profiles)
    form.addRow("Unity avatar", window.avatar_box)
    form.addRow("engine", window.engine_choice)
    form.addRow(window.start_button)
    targets = QGroupBox("Targets")
    QVBoxLayout(targets).addWidget(window.targets)
    left = QWidget()
    left_layout = QVBoxLayout(left)
    left_layout.addWidget(inputs)
    left_layout.addWidget(targets, 1)
    left_layout.addWidget(QLabel("log"))
    left_layout.addWidget(window.log_panel, 1)
    return left


def arrange(window: MainWindow) -> None:
    """Lay out ``window``'s widgets (built by its constructor) and give it its first size."""
    right = QSplitter(Qt.Orientation.Vertical)
    right.addWidget(window.face)
    right.addWidget(window.bars)
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.addWidget(_controls(window))
    splitter.addWidget(window.plots)
    splitter.addWidget(right)
    splitter.setSizes(list(COLUMN_WIDTHS))
    window.setCentralWidget(splitter)
    for box in (window.device_box, window.model_box, window.profile_box, window.avatar_box):
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(COMBO_CHARS)
        keep_readable(box)
    # High DPI: WINDOW_SIZE is in device-independent pixels; at 150 % on a small screen it
    # would not fit, so the first size never exceeds the screen's free area.
    free = window.screen().availableGeometry()
    window.resize(min(WINDOW_SIZE[0], free.width()), min(WINDOW_SIZE[1], free.height()))
    window.statusBar().addPermanentWidget(window.provider_label)
