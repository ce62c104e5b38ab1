"""``talkrig`` without a subcommand: build the app's objects, open the window, run Qt.

Everything is constructed here and passed in (no singletons): the settings store, the model
registry, the device lister, the window. ``talkrig.commands`` calls :func:`main` when no
subcommand is given and PySide6 is importable.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from talkrig.app.instance_lock import InstanceBusy, InstanceLock
from talkrig.app.main_window import MainWindow
from talkrig.app.quit_signals import QuitOnSignals
from talkrig.app.settings import SettingsStore, default_config_dir
from talkrig.bridge.announce import AnnounceError, AnnounceListener
from talkrig.bridge.audio.devices import list_devices
from talkrig.models.registry import Registry

BUSY_BOX_MS = 30_000  # how long a second instance shows why it will not start


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="talkrig", description="TalkRig desktop app")
    parser.add_argument(
        "--config-dir", type=Path,
        help="folder for settings.json and profiles/ (default: the platform config folder)",
    )  # fmt: skip
    parser.add_argument(
        "--second-instance", action="store_true",
        help="run even though another TalkRig uses the same --config-dir (both drive the face)",
    )  # fmt: skip
    parser.add_argument(
        "--start", action="store_true",
        help="start streaming as soon as the window opens (the saved input, model and targets)",
    )  # fmt: skip
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    return parser


def build_window(
    config_dir: Path | None = None,
    registry: Registry | None = None,
    announcer: AnnounceListener | None = None,
) -> MainWindow:
    """The window with real devices and the default registry (a QApplication must exist)."""
    return MainWindow(SettingsStore(config_dir), registry or Registry(), list_devices, announcer)


def open_announcer() -> tuple[AnnounceListener | None, str | None]:
    """The listener for Unity-announced avatars on UDP 127.0.0.1:39542, or None and why
    (another TalkRig may hold the port: the app then works without announced avatars)."""
    try:
        return AnnounceListener(), None
    except AnnounceError as exc:
        return None, f"{exc}; Unity-announced avatars are not listed"


def no_display_reason(env: dict[str, str], platform: str = sys.platform) -> str | None:
    """Why Qt cannot open a window here, or None. Qt itself would abort the process."""
    if not platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display (neither DISPLAY nor WAYLAND_DISPLAY is set): start the desktop app in a "
        "graphical session, or stream headless with `talkrig run --source mic --target ...`"
    )


def busy_box(message: str) -> QMessageBox:
    """The warning a second TalkRig shows before it exits (closes by itself after
    ``BUSY_BOX_MS``, so a stage machine's autostart never waits on it)."""
    box = QMessageBox(QMessageBox.Icon.Warning, "TalkRig is already running", message)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    return box


def take_lock(config_dir: Path, second_instance: bool) -> tuple[InstanceLock | None, str | None]:
    """The instance lock on ``config_dir`` and a notice for the log; InstanceBusy when another
    TalkRig holds it and ``second_instance`` is not set. A folder that cannot hold the lock
    does not stop the app (saving settings there reports its own problem)."""
    if second_instance:
        return None, f"running beside another TalkRig on the settings in {config_dir}"
    lock = InstanceLock(config_dir)
    try:
        lock.acquire()
    except OSError as exc:
        return (
            None,
            f"cannot lock {lock.path} ({exc.strerror or exc}): "
            "a second TalkRig on these settings would not be noticed",
        )
    return lock, None


def main(argv: Sequence[str] | None = None) -> int:
    """Open the window and run until it is closed (or SIGTERM/SIGINT/SIGHUP); the exit status."""
    args, qt_args = build_parser().parse_known_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    reason = no_display_reason(dict(os.environ))
    if reason is not None:
        print(f"talkrig: error: {reason}", file=sys.stderr)
        return 2
    config_dir = args.config_dir or default_config_dir()
    app = cast(QApplication, QApplication.instance() or QApplication([sys.argv[0], *qt_args]))
    try:
        lock, lock_notice = take_lock(config_dir, args.second_instance)
    except InstanceBusy as exc:
        print(f"talkrig: error: {exc}", file=sys.stderr)
        box = busy_box(str(exc))  # started from a desktop icon, nobody reads stderr
        box.show()
        QTimer.singleShot(BUSY_BOX_MS, box.close)
        app.exec()
        return 1
    app.setApplicationName("TalkRig")
    announcer, problem = open_announcer()
    quitter: QuitOnSignals | None = None
    try:
        window = build_window(config_dir, announcer=announcer)
        for notice in (lock_notice, problem):
            if notice:
                window.log(notice)
        quitter = QuitOnSignals(lambda signum: quit_app(app, window))
        app.commitDataRequest.connect(lambda _manager: window.autosave.save_now())
        window.show()
        if args.start:
            QTimer.singleShot(0, window.start)
        return int(app.exec())
    finally:
        if quitter is not None:
            quitter.close()
        if announcer is not None:
            announcer.close()
        if lock is not None:
            lock.release()


def quit_app(app: QApplication, window: MainWindow) -> None:
    """End as closing the window does: settings saved first (the stream's stop may be what a
    hard shutdown interrupts), then every window closed and the event loop left."""
    window.autosave.save_now()
    app.closeAllWindows()
    app.quit()


if __name__ == "__main__":
    sys.exit(main())
