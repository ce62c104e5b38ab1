"""How a ``talkrig train`` step reports a problem: one ``talkrig train STEP: ...`` line, status 2.

A problem with the data, the config or a file (the exceptions of :func:`reported`) is the user's
to fix and gets one line on stderr; anything else is a bug and keeps its traceback. The groups'
CLIs (``data/cli.py``, ``learning/cli.py``, ``judging/cli.py``) wrap their steps with
:func:`guarded`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

Command = Callable[[argparse.Namespace], int]


def reported() -> tuple[type[Exception], ...]:
    """Everything a command reports as one line: data, config and file problems."""
    from .data.align import AlignError
    from .data.landmarker import LabelError
    from .data.manifest import CorpusError
    from .judging.judge import JudgeError
    from .judging.metrics import MetricError
    from .learning.average import AverageError
    from .learning.cli import ReportError
    from .learning.config import ConfigError
    from .learning.dataset import DatasetError
    from .learning.export import ExportError
    from .learning.fit import FitError
    from .learning.folds import FoldError
    from .learning.pdm import PdmError
    from .rebuild import RebuildError

    return (
        AverageError, ConfigError, DatasetError, ExportError, FitError, FoldError, LabelError,
        CorpusError, MetricError, PdmError, ReportError, JudgeError, AlignError, RebuildError,
    )  # fmt: skip


def guarded(name: str, command: Command) -> Callable[..., int]:
    """``command`` with the problems of :func:`reported` turned into one line and status 2."""

    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except reported() as exc:
            print(f"talkrig train {name}: {exc}", file=sys.stderr)
            return 2

    return run
