"""``talkrig train judge | ceiling``: the steps that judge models on real material.

``judge`` scores exported models on real speech they never learned; ``ceiling`` asks how far the
training labels themselves get on the real GRID clips. Each step's arguments and ``run`` live in
its own module.
"""

from __future__ import annotations

from typing import Any

from ..guard import guarded


def add_judging_commands(sub: Any) -> None:
    """Add ``judge`` and ``ceiling`` to the ``train`` sub-parsers ``sub``."""
    from . import ceiling, judge

    step = sub.add_parser("judge", help="score exported models on real speech (GRID + speech)")
    judge.add_arguments(step)
    step.set_defaults(func=guarded("judge", judge.run))

    step = sub.add_parser(
        "ceiling", help="how far the training labels themselves get on the real GRID clips"
    )
    ceiling.add_arguments(step)
    step.set_defaults(func=guarded("ceiling", ceiling.run))
