"""``talkrig train prepare | bootstrap | voice-swap``: the steps that make training data.

``prepare`` turns a corpus of talking-face videos into ``manifest.jsonl`` + ``labels/{id}.npz``;
``bootstrap`` writes the synthetic corpus (espeak-ng and neural voices, viseme labels) in the
same layout; ``voice-swap`` speaks a prepared folder's sentences in other voices and carries
the real face onto them. Each step's arguments and ``run`` live in its own module.
"""

from __future__ import annotations

from typing import Any


def add_data_commands(sub: Any) -> None:
    """Add ``prepare`` and ``bootstrap`` to the ``train`` sub-parsers ``sub``."""
    from . import bootstrap, prepare, voice_swap

    step = sub.add_parser("prepare", help="corpus → manifest + label cache")
    prepare.add_arguments(step)
    step.set_defaults(func=prepare.run)

    step = sub.add_parser("bootstrap", help="synthetic corpus: espeak-ng speech + viseme labels")
    bootstrap.add_arguments(step)
    step.set_defaults(func=bootstrap.run)

    step = sub.add_parser("voice-swap", help="s1's sentences in other voices, s1's real face")
    voice_swap.add_arguments(step)
    step.set_defaults(func=voice_swap.run)
