"""``talkrig train judge | ceiling``: the steps that judge models on real material.

``judge`` scores exported models on real speech they never learned; ``ceiling`` asks how far the
training labels themselves get on the real GRID clips. Each step's arguments live in its own
module.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..guard import guarded


def cmd_judge(args: argparse.Namespace) -> int:
    from .judge import run

    return run(args)


def cmd_ceiling(args: argparse.Namespace) -> int:
    from .ceiling import run

    return run(args)


def add_judging_commands(sub: Any) -> None:
    """Add ``judge`` and ``ceiling`` to the ``train`` sub-parsers ``sub``."""
    from .judge import add_arguments as add_judge_arguments

    judge = sub.add_parser("judge", help="score exported models on real speech (GRID + speech)")
    add_judge_arguments(judge)
    judge.set_defaults(func=guarded("judge", cmd_judge))
    from .ceiling import add_arguments as add_ceiling_arguments

    ceiling = sub.add_parser(
        "ceiling", help="how far the training labels themselves get on the real GRID clips"
    )
    add_ceiling_arguments(ceiling)
    ceiling.set_defaults(func=guarded("ceiling", cmd_ceiling))
