"""``TargetsPanel``: the targets list (add, edit, remove, enable) with each target's live state."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from talkrig.app.choices import is_local_unity
from talkrig.app.live_targets import LiveTargets
from talkrig.app.settings import TargetSetting
from talkrig.app.target_check import check_target
from talkrig.app.target_words import PROBLEM, WAITING, condition, open_failure, state_text
from talkrig.bridge.senders.base import SenderState
from talkrig.bridge.senders.targets import SPEC_HELP, TargetError

_SPEC, _STATE = 0, 1
_ACCEPTED = Qt.ItemDataRole.UserRole  # the spec text last accepted, to undo a refused edit
IDLE = "not running"
PROBLEM_COLOUR = "#c0392b"
RATE_WINDOW_S = 1.0  # frames/s is counted over at least this long, so it does not flicker


class SendRates:
    """Frames per second of each target, from its growing ``frames_sent`` (GUI thread)."""

    def __init__(self) -> None:
        self._marks: dict[str, tuple[int, float]] = {}  # spec → (frames_sent, monotonic time)
        self._rates: dict[str, float] = {}

    def rate(self, state: SenderState, now: float) -> float | None:
        """frames/s of ``state.spec`` over its last whole window; None before the first."""
        mark = self._marks.get(state.spec)
        if mark is None or state.frames_sent < mark[0]:  # new, or reopened (count restarted)
            self._marks[state.spec] = (state.frames_sent, now)
            self._rates.pop(state.spec, None)
        elif now - mark[1] >= RATE_WINDOW_S:
            self._rates[state.spec] = (state.frames_sent - mark[0]) / (now - mark[1])
            self._marks[state.spec] = (state.frames_sent, now)
        return self._rates.get(state.spec)

    def keep_only(self, specs: Iterable[str]) -> None:
        """Forget targets that are not running any more."""
        running = set(specs)
        for table in (self._marks, self._rates):
            for spec in [s for s in table if s not in running]:
                del table[spec]


class TargetsPanel(QWidget):
    """A two-column table (checkable, editable spec; state) and an entry line to add a spec.

    Signals (GUI thread):
        changed: the list, a spec or an enabled flag changed (the window hands the enabled
            specs to a running stream, which swaps only the targets that changed).
        problem(str): a spec was refused; the message names it.
        state_changed(str): a running target's condition changed (``spec: sending``, or the
            reason it is not reaching its receiver); once per change, for the log.
    """

    changed = Signal()
    problem = Signal(str)
    state_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["target", "state"])
        self.table.horizontalHeader().setSectionResizeMode(_SPEC, QHeaderView.ResizeMode.Stretch)
        # Both columns share the width: a long error is elided (full text in the tooltip)
        # instead of pushing the state out of sight behind a horizontal scroll bar.
        self.table.horizontalHeader().setSectionResizeMode(_STATE, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.rates = SendRates()
        self._conditions: dict[str, str] = {}  # spec → its last logged condition
        self.entry = QLineEdit()
        self.entry.setPlaceholderText("vmc://127.0.0.1:39539")
        self.entry.setToolTip(SPEC_HELP)
        self.add_button = QPushButton("Add")
        self.remove_button = QPushButton("Remove")
        row = QHBoxLayout()
        row.addWidget(self.entry, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(row)
        self.add_button.clicked.connect(self._add_entry)
        self.entry.returnPressed.connect(self._add_entry)
        self.remove_button.clicked.connect(self._remove_selected)
        self.table.itemChanged.connect(self._item_changed)

    def targets(self) -> tuple[TargetSetting, ...]:
        """Every row, in order."""
        out = []
        for row in range(self.table.rowCount()):
            item = self._item(row, _SPEC)
            out.append(TargetSetting(item.text(), item.checkState() == Qt.CheckState.Checked))
        return tuple(out)

    def enabled_specs(self) -> list[str]:
        return [t.spec for t in self.targets() if t.enabled]

    def set_targets(self, targets: Iterable[TargetSetting]) -> None:
        """Replace the rows (restoring settings: specs are checked when a stream starts)."""
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for target in targets:
            self._append(target)
        self.table.blockSignals(False)

    def add(self, spec: str) -> bool:
        """Check ``spec`` and append it enabled; False (and ``problem``) when it cannot work."""
        spec = spec.strip()
        if not spec:
            return False
        if spec in (t.spec for t in self.targets()):
            self.problem.emit(f"target {spec!r} is already in the list")
            return False
        try:
            check_target(spec)
        except TargetError as exc:
            self.problem.emit(str(exc))
            return False
        self._append(TargetSetting(spec, True))
        self.changed.emit()
        return True

    def set_enabled(self, row: int, enabled: bool) -> None:
        """Tick or untick ``row`` (emits ``changed`` when that changes anything)."""
        state = Qt.CheckState.Checked if enabled else Qt.CheckState.Unchecked
        self._item(row, _SPEC).setCheckState(state)

    def set_spec(self, row: int, spec: str) -> bool:
        """Edit ``row``'s spec as a user would; False (and ``problem``) when it is refused."""
        self._item(row, _SPEC).setText(spec)
        return self._item(row, _SPEC).text() == spec.strip()

    def ensure(self, spec: str) -> bool | None:
        """Tick ``spec``'s row, adding it when missing: True when added, False when it was
        there, None when it was refused (``problem`` says why)."""
        for row, target in enumerate(self.targets()):
            if target.spec == spec.strip():
                self.set_enabled(row, True)
                return False
        return True if self.add(spec) else None

    def ensure_local_unity(self, port: int) -> None:
        """Enable a target sending to this machine's ``port``, adding one when there is none."""
        for row, target in enumerate(self.targets()):
            if is_local_unity(target.spec, port):
                if not target.enabled:
                    self.set_enabled(row, True)
                return
        self.add(f"unity://127.0.0.1:{port}")

    def state_text(self, row: int) -> str:
        """What the state column of ``row`` says."""
        return self._item(row, _STATE).text()

    def show_states(self, states: Mapping[str, SenderState | str]) -> None:
        """Per spec: a live SenderState, or a text such as an error at start; others idle.
        A cell that needs attention is red; each change of a running target's condition is
        emitted once (``state_changed``)."""
        now = time.monotonic()
        self.rates.keep_only(s for s, v in states.items() if isinstance(v, SenderState))
        self.table.blockSignals(True)
        for row in range(self.table.rowCount()):
            spec = self._item(row, _SPEC).text()
            state = states.get(spec, IDLE)
            if isinstance(state, SenderState):
                text = state_text(state, self.rates.rate(state, now))
            else:
                text = state
            item = self._item(row, _STATE)
            item.setText(text)
            item.setToolTip(text)
            item.setForeground(
                QBrush(QColor(PROBLEM_COLOUR)) if text.startswith(PROBLEM) else QBrush()
            )
        self.table.blockSignals(False)
        self._log_changes(states)

    def _log_changes(self, states: Mapping[str, SenderState | str]) -> None:
        if not states:  # stopped: the next start logs afresh
            self._conditions.clear()
            return
        for spec, state in states.items():
            now = condition(state) if isinstance(state, SenderState) else state
            now = now.removeprefix(PROBLEM)
            if now == WAITING:  # every start passes through it: not worth a log line
                continue
            if self._conditions.get(spec) != now:
                self._conditions[spec] = now
                self.state_changed.emit(f"{spec}: {now}")

    def has_problem(self, row: int) -> bool:
        """Whether ``row``'s state asks for the user's attention (shown in red)."""
        return self.state_text(row).startswith(PROBLEM)

    def show_live(self, live: LiveTargets) -> None:
        """The running stream's targets: each open one's state; one that could not open, why."""
        states: dict[str, SenderState | str] = {
            spec: PROBLEM + open_failure(spec, problem) for spec, problem in live.failed.items()
        }
        states.update({s.spec: s.state() for s in live.senders})
        self.show_states(states)

    def _item(self, row: int, column: int) -> QTableWidgetItem:
        item = self.table.item(row, column)
        if item is None:  # every row gets both items in _append
            raise RuntimeError(f"targets table row {row} column {column} has no item")
        return item

    def _append(self, target: TargetSetting) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        spec = QTableWidgetItem(target.spec)
        spec.setFlags(
            Qt.ItemFlag.ItemIsUserCheckable
            | Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsEditable
        )
        spec.setData(_ACCEPTED, target.spec)
        spec.setCheckState(Qt.CheckState.Checked if target.enabled else Qt.CheckState.Unchecked)
        state = QTableWidgetItem(IDLE)
        state.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        blocked = self.table.blockSignals(True)  # a half-built row must not reach listeners
        self.table.setItem(row, _SPEC, spec)
        self.table.setItem(row, _STATE, state)
        self.table.blockSignals(blocked)

    def _add_entry(self) -> None:
        if self.add(self.entry.text()):
            self.entry.clear()

    def _remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)
        if rows:
            self.changed.emit()

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() != _SPEC:
            return
        accepted = str(item.data(_ACCEPTED))
        spec = item.text().strip()
        if spec != accepted:  # an edit of the text, not of the tick box
            problem = self._refusal(spec, item.row(), accepted)
            if problem is not None:
                self.table.blockSignals(True)
                item.setText(accepted)
                self.table.blockSignals(False)
                self.problem.emit(problem)
                return
            self.table.blockSignals(True)
            item.setText(spec)
            item.setData(_ACCEPTED, spec)
            self.table.blockSignals(False)
        self.changed.emit()

    def _refusal(self, spec: str, row: int, accepted: str) -> str | None:
        """Why ``spec`` cannot replace row ``row``'s spec ``accepted``, or None."""
        if not spec:
            return "a target spec cannot be empty"
        others = [t.spec for r, t in enumerate(self.targets()) if r != row]
        if spec in others:
            return f"target {spec!r} is already in the list"
        try:
            check_target(spec, replacing=accepted)
        except TargetError as exc:
            return str(exc)
        return None
