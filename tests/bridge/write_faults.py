"""Write faults for the tests: a file whose disk fills after N bytes, and a real tiny tmpfs."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ENOSPC = os.strerror(errno.ENOSPC)  # "No space left on device"


class FullDisk:
    """A raw file whose disk fills after ``room`` bytes: a write takes what still fits (a torn
    row), the next one raises ENOSPC, as ``write(2)`` does."""

    def __init__(self, raw: Any, room: int) -> None:
        self.raw = raw
        self.room = room

    def write(self, data: Any) -> int:
        if self.room <= 0:
            raise OSError(errno.ENOSPC, ENOSPC)
        taken = bytes(data[: self.room])
        self.room -= len(taken)
        return int(self.raw.write(taken))

    def truncate(self, size: int) -> int:
        return int(self.raw.truncate(size))

    def close(self) -> None:
        self.raw.close()


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KiB tmpfs (root only, where mounting is permitted; skipped otherwise)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
        capture_output=True,
        timeout=10,
    )
    if done.returncode != 0:
        pytest.skip(f"mount not permitted here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=10)
