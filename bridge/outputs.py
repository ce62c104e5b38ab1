"""Output files of the CLI: checked before a run starts, and a report that is never lost.

A bad ``--report`` path used to be found only when an hour-long show ended, and the report was
lost with it; a full disk gave a traceback. Here every output is probed before the run (one
``talkrig: error`` line and nothing started), and the report is written even when the run
failed, to a fallback file when its own path fails.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


class OutputError(ValueError):
    """An output path that cannot be written; the message names it and says why."""


def check_writable(path: Path, what: str, overwrite: bool = True) -> None:
    """Raise :class:`OutputError` unless ``path`` can be created (or, with ``overwrite``,
    replaced; a recorder that never overwrites only needs its folder).

    The folder is probed by really creating (and removing) a file in it, which also catches a
    read-only file system, where permission bits alone say yes.
    """
    path = path.expanduser()
    if path.is_dir():
        raise OutputError(f"{what} {path} is a folder, not a file")
    if not path.parent.is_dir():
        raise OutputError(f"{what} {path}: folder {path.parent} does not exist")
    if overwrite and path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{what} {path}: cannot write ({os.strerror(errno.EACCES)})")
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".talkrig-probe-"):
            pass
    except OSError as exc:
        raise OutputError(f"{what} {path}: cannot write ({exc.strerror or exc})") from None


def write_report(path: Path, report: dict[str, Any]) -> bool:
    """Write ``report`` as JSON to ``path``; True when it went there.

    When ``path`` fails (the disk filled up during the run), the report goes to a fallback file
    in the temporary folder, and failing that to stderr; each case says so in one line.
    """
    text = json.dumps(report, indent=2) + "\n"
    try:
        path.expanduser().write_text(text, encoding="utf-8")
        return True
    except OSError as exc:
        reason = f"cannot write {path}: {exc.strerror or exc}"
        with contextlib.suppress(OSError):  # a torn report would pass for the real one
            path.expanduser().unlink()
    fallback = Path(tempfile.gettempdir()) / f"talkrig-report-{time.strftime('%Y%m%d-%H%M%S')}.json"
    try:
        fallback.write_text(text, encoding="utf-8")
    except OSError:
        print(f"talkrig: error: {reason}; the report follows", file=sys.stderr)
        print(text, file=sys.stderr, end="")
        return False
    print(f"talkrig: error: {reason}; report written to {fallback}", file=sys.stderr)
    return False
