"""``talkrig train prepare | bootstrap | voice-swap | fit | cv | export | report | face-map |
judge | ceiling | average | rebuild``.

:func:`add_train_commands` adds a ``train`` command to the ``talkrig`` parser (commands/train.py
hooks it in lazily, so streaming never imports torch). The steps live beside the job they belong
to: making data (``data/cli.py``: prepare, bootstrap), learning (``learning/cli.py``: fit, cv,
export, report, face-map) and judging (``judging/cli.py``: judge, ceiling); ``rebuild.py`` chains
them into one command per shipped model, ``learning/average.py`` makes one model of several.
Every sub-command is a ``func(args) -> int``; a problem with the data, the config or a file is
one ``talkrig train CMD: ...`` line on stderr and exit status 2 (``guard.py``).

Data folders are what ``prepare`` writes: ``manifest.jsonl`` and ``labels/{id}.npz``.
Building the parser imports neither torch nor mediapipe: each command imports what it needs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from . import rebuild
from .data.cli import add_data_commands
from .guard import guarded
from .judging.cli import add_judging_commands
from .learning import average
from .learning.cli import add_learning_commands


def add_train_commands(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``train`` and its sub-commands to an ``add_subparsers()`` object; returns it."""
    train = subparsers.add_parser("train", help="train, evaluate and export models (needs torch)")
    sub = train.add_subparsers(dest="train_command", metavar="STEP", required=True)
    add_data_commands(sub)
    add_learning_commands(sub)
    add_judging_commands(sub)
    mean = sub.add_parser("average", help="several models' mean as one model file")
    average.add_arguments(mean)
    mean.set_defaults(func=guarded("average", average.run))
    step = sub.add_parser(
        "rebuild", help="a shipped model from the shared data: prepare → … → judge, one command"
    )
    rebuild.add_arguments(step)
    step.set_defaults(func=guarded("rebuild", rebuild.run))
    return train


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """``argv`` (``["train", STEP, ...]``) parsed as ``talkrig`` would."""
    parser = argparse.ArgumentParser(prog="talkrig")
    add_train_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m talkrig.training.cli STEP ...`` (the same as ``talkrig train STEP ...``)."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
