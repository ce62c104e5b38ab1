"""Dropdowns whose entries stay readable in a narrow form column: the box keeps its width and
shows the chosen entry elided ("…"), the open list is as wide as its longest entry, and the
chosen entry's full text is the box's tooltip (GUI thread)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox, QStylePainter

POPUP_MARGIN = 40  # the list's scroll bar and frame


def popup_width(box: QComboBox) -> int:
    """Pixels the open list needs to show every entry whole."""
    metrics = box.fontMetrics()
    widest = max(
        (metrics.horizontalAdvance(box.itemText(i)) for i in range(box.count())), default=0
    )
    return widest + POPUP_MARGIN


def current_tooltip(box: QComboBox) -> str:
    """The chosen entry in full, then its own tooltip (a path, an architecture) if any."""
    if box.currentIndex() < 0:
        return ""
    detail = box.itemData(box.currentIndex(), Qt.ItemDataRole.ToolTipRole)
    text = box.currentText()
    return f"{text}\n{detail}" if detail else text


def elided_text(box: QComboBox) -> str:
    """The chosen entry as the closed box shows it: cut with "…" to fit its text field."""
    option = QStyleOptionComboBox()
    box.initStyleOption(option)
    field = box.style().subControlRect(
        QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, box
    )
    return box.fontMetrics().elidedText(
        box.currentText(), Qt.TextElideMode.ElideRight, field.width()
    )


class _ElidingPainter(QObject):
    """Paints a closed, non-editable box with its text elided; Qt's own paint only clips it."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Paint or not isinstance(watched, QComboBox):
            return False
        if watched.isEditable():
            return False
        painter = QStylePainter(watched)
        option = QStyleOptionComboBox()
        watched.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        option.currentText = elided_text(watched)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)
        return True


def keep_readable(box: QComboBox) -> None:
    """Follow ``box``'s entries and selection from now on (see the module docstring)."""

    def fit() -> None:
        box.view().setMinimumWidth(max(box.width(), popup_width(box)))
        box.setToolTip(current_tooltip(box))

    model = box.model()
    for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset, model.dataChanged):
        signal.connect(fit)
    box.currentIndexChanged.connect(fit)
    box.installEventFilter(_ElidingPainter(box))  # parented to the box: lives as long as it
    fit()
