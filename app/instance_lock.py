"""One TalkRig per settings folder: a second one would drive the same face and fight over
``settings.json``.

The lock is an OS file lock (``flock`` / ``msvcrt.locking``) on ``talkrig.lock`` in the config
folder, held while the app runs. The OS drops it when the process dies however it dies, so a
lock file left behind by a crash never blocks the next start; the file only carries the
holder's process id for the message.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

LOCK_FILE = "talkrig.lock"


class InstanceBusy(RuntimeError):
    """Another process holds the lock; the message names it and what to do instead."""


def other_config_dir(folder: Path) -> Path:
    """A sibling folder to suggest for a second instance (``talkrig`` → ``talkrig-2``)."""
    return folder.with_name(f"{folder.name}-2")


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class InstanceLock:
    """The lock on ``folder`` (created when missing). :meth:`acquire`, then :meth:`release`
    or the end of the process. Main thread, before the window opens."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock; InstanceBusy when another live process has it, OSError when the
        folder cannot hold a lock file (read-only, not a folder)."""
        if self._fd is not None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if not _try_lock(fd):
            try:
                holder = os.read(fd, 32).decode("ascii", "replace").strip()
            except OSError:  # Windows: the holder's locked byte cannot be read
                holder = ""
            os.close(fd)
            raise InstanceBusy(self._busy_message(holder))
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self._fd = fd

    def _busy_message(self, holder: str) -> str:
        who = f"process {holder}" if holder.isdigit() else "another process"
        return (
            f"TalkRig is already running ({who}) with the settings in {self.folder}; two would "
            f"drive the same face. Use that window, or start this one with its own settings: "
            f"talkrig --config-dir {other_config_dir(self.folder)} (or add --second-instance "
            f"to run beside it on the same settings)"
        )

    def release(self) -> None:
        """Let the next instance start (idempotent). The file stays: removing it could race
        with a starting instance that has just opened it."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
