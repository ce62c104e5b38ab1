"""The app's Qt stack is installed (skipped locally without it; a failure under CI=true)."""

from __future__ import annotations

from tests.app.conftest import HAVE_QT, QT_MODULES
from tests.conftest import need


def test_qt_stack_is_installed() -> None:
    need(HAVE_QT, f"the desktop app needs {', '.join(QT_MODULES)}")
    import PySide6

    assert PySide6.__version_info__ >= (6, 5)
