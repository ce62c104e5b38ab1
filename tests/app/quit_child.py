"""A real ``talkrig`` app process for the quit-signal tests: once its window is up it changes the
input gain and prints ``changed``, with the debounced save pushed out of reach, so only the
signal path can save the change."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer

from talkrig.app import main as app_main
from talkrig.app.main_window import MainWindow

GAIN_DB = -6.5
_real_build = app_main.build_window


def _build(*args: object, **kwargs: object) -> MainWindow:
    window = _real_build(*args, **kwargs)  # type: ignore[arg-type]
    window.autosave.timer.setInterval(600_000)

    def change() -> None:
        window.gain_box.setValue(GAIN_DB)
        print("changed", flush=True)

    QTimer.singleShot(300, change)
    return window


if __name__ == "__main__":
    app_main.build_window = _build
    sys.exit(app_main.main(sys.argv[1:]))
