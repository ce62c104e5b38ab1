"""``talkrig train prepare | bootstrap``: the steps that make training data.

``prepare`` turns a corpus of talking-face videos into ``manifest.jsonl`` + ``labels/{id}.npz``;
``bootstrap`` writes the synthetic corpus (espeak-ng and neural voices, viseme labels) in the
same layout. Each step's arguments live in its own module.
"""

from __future__ import annotations

import argparse
from typing import Any


def cmd_prepare(args: argparse.Namespace) -> int:
    from .prepare import run

    return run(args)


def cmd_bootstrap(args: argparse.Namespace) -> int:
    from .bootstrap import run

    return run(args)


def add_data_commands(sub: Any) -> None:
    """Add ``prepare`` and ``bootstrap`` to the ``train`` sub-parsers ``sub``."""
    from .prepare import add_arguments

    prepare = sub.add_parser("prepare", help="corpus → manifest + label cache")
    add_arguments(prepare)
    prepare.set_defaults(func=cmd_prepare)

    from .bootstrap import add_arguments as add_bootstrap_arguments

    boot = sub.add_parser("bootstrap", help="synthetic corpus: espeak-ng speech + viseme labels")
    add_bootstrap_arguments(boot)
    boot.set_defaults(func=cmd_bootstrap)
