"""The installed Qt binding does not corrupt Python's reference counts on signal emission.

PySide6 6.12.0 on Python 3.11 returns ``True`` from ``SignalInstance.emit`` without a new
reference: every emit (pyqtgraph emits one per repaint) takes one reference off ``True`` until
the interpreter aborts with "bool_dealloc" after a few minutes of live plots. pyproject excludes
that version; this test catches a binding with the same fault.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    ping = Signal(object)


def test_signal_emit_keeps_the_refcount_of_true(qapp: object) -> None:
    emitter = _Emitter()
    before = sys.getrefcount(True)
    for _ in range(1000):
        emitter.ping.emit(None)
    assert sys.getrefcount(True) > before - 500, "this Qt binding leaks references on emit"
