"""``talkrig train``: the training steps (``talkrig.training``), added to the ``talkrig`` parser.

Only the argument parser is imported here; it imports neither torch nor MediaPipe until a
``train`` step runs.
"""

from __future__ import annotations

import argparse
from typing import Any

from talkrig.training.cli import add_train_commands


def add_train(sub: Any) -> None:
    """``talkrig train`` and its steps, with a description and examples."""
    train = add_train_commands(sub)
    train.description = "Train, judge and export models (needs the train extra: torch)."
    train.epilog = (
        "examples:\n  talkrig train rebuild neutral --data DATA"
        "\n  talkrig train prepare grid CLIPS --out data/grid --model face_landmarker.task"
        "\n  talkrig train fit data/grid --runs runs\n  talkrig train STEP --help"
    )
    train.formatter_class = argparse.RawDescriptionHelpFormatter
    train.set_defaults(parser=train)
