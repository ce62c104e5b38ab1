"""Speaker-independent cross-validation folds: no speaker is in two folds; written to disk.

Speakers are dealt to folds largest first, each to the fold with the fewest utterances so far,
so folds hold similar amounts of speech; ties are broken by a seeded shuffle.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from ..data.manifest import Utterance


class FoldError(ValueError):
    """Too few speakers for the folds asked, or a folds file that is unreadable or inconsistent."""


def speaker_folds(
    utterances: Sequence[Utterance], folds: int = 5, seed: int = 0
) -> list[list[str]]:
    """``folds`` lists of speakers, disjoint, covering every speaker of ``utterances``."""
    counts = Counter(u.speaker for u in utterances)
    if len(counts) < folds:
        raise FoldError(f"{len(counts)} speakers cannot fill {folds} speaker-independent folds")
    speakers = sorted(counts)
    random.Random(seed).shuffle(speakers)
    speakers.sort(key=lambda s: -counts[s])  # stable: the shuffle breaks ties
    out: list[list[str]] = [[] for _ in range(folds)]
    load = [0] * folds
    for speaker in speakers:
        k = load.index(min(load))
        out[k].append(speaker)
        load[k] += counts[speaker]
    return [sorted(f) for f in out]


def write_folds(path: Path, folds: Sequence[Sequence[str]]) -> None:
    path.write_text(json.dumps({"folds": [list(f) for f in folds]}, indent=1) + "\n", "utf-8")


def read_folds(path: Path) -> list[list[str]]:
    """What :func:`write_folds` wrote; FoldError naming the file if broken or overlapping."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        folds = [[str(s) for s in f] for f in data["folds"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise FoldError(f"folds file {str(path)!r} is unreadable: {exc}") from None
    seen = [s for f in folds for s in f]
    if len(seen) != len(set(seen)):
        raise FoldError(f"folds file {str(path)!r} puts a speaker in two folds")
    return folds


def split(
    utterances: Sequence[Utterance], folds: Sequence[Sequence[str]], test_fold: int
) -> tuple[list[Utterance], list[Utterance]]:
    """(train, test): the test fold's speakers against all the others."""
    test = set(folds[test_fold])
    return [u for u in utterances if u.speaker not in test], [
        u for u in utterances if u.speaker in test
    ]
