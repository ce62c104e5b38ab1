"""The utterances no model trains or is tuned on: a fixed list per corpus, kept in the repo.

``holdout/grid_s1.txt`` names 10 % of GRID speaker s1's utterances (by clip name; every s1
sentence is spoken once, so this holds out by sentence), among them ``bbaf2n``, the s1 clip
that the shared ``grid/`` folder also holds. Clips of other GRID speakers are never trained on
at all, so they need no list.

``holdout/grid_s1_dev.txt`` names 90 of the remaining 900: the development split. ``fit
--dev-split`` leaves them out of training and ``judge --dev`` scores on them, so a recipe can be
chosen without looking at the held-out utterances or the other speakers' clips.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .manifest import Utterance

HOLDOUT_DIR = Path(__file__).with_name("holdout")
GRID_S1 = HOLDOUT_DIR / "grid_s1.txt"
GRID_S1_DEV = HOLDOUT_DIR / "grid_s1_dev.txt"
# the card metric (1.0) of a model exported from a ``fit --dev-split`` run: ``judge --dev`` needs it
DEV_SPLIT_METRIC = "dev split: held out"


def held_out(path: Path = GRID_S1) -> frozenset[str]:
    """The clip names listed in ``path`` (one per line, ``#`` starts a comment)."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text("utf-8").splitlines())
    return frozenset(line for line in lines if line)


def is_held_out(source: str | Path, path: Path = GRID_S1) -> bool:
    """Whether the media file ``source`` (by its name without suffix) is on the list."""
    return Path(source).stem in held_out(path)


def without_held_out(rows: Sequence[Utterance], path: Path = GRID_S1) -> list[Utterance]:
    """``rows`` less every utterance whose media file is on the list: what training may see."""
    kept = held_out(path)
    return [u for u in rows if Path(u.source).stem not in kept]


def only_held_out(rows: Sequence[Utterance], path: Path = GRID_S1) -> list[Utterance]:
    """The held-out utterances of ``rows``; all of ``rows`` when none is on the list (a corpus
    of its own, never trained on by the shipped recipes)."""
    kept = held_out(path)
    chosen = [u for u in rows if Path(u.source).stem in kept]
    return chosen or list(rows)
