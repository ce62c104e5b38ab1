"""Speaker-independent folds: no speaker in two folds, balanced, written to disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talkrig.training.data.manifest import Utterance
from talkrig.training.learning.folds import FoldError, read_folds, speaker_folds, split, write_folds


def _utterances(counts: list[int]) -> list[Utterance]:
    return [
        Utterance(f"u{s}_{k}", "test", f"spk{s}", f"/x/{s}_{k}.mp4", 25.0, 16000, 1.0)
        for s, n in enumerate(counts)
        for k in range(n)
    ]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 30), min_size=5, max_size=40), st.integers(0, 5))
def test_folds_never_share_a_speaker_and_cover_all(counts: list[int], seed: int) -> None:
    utterances = _utterances(counts)
    folds = speaker_folds(utterances, 5, seed)
    flat = [s for f in folds for s in f]
    assert len(flat) == len(set(flat)) == len(counts)
    assert all(folds)
    for k in range(5):
        train, test = split(utterances, folds, k)
        assert {u.speaker for u in train}.isdisjoint({u.speaker for u in test})
        assert len(train) + len(test) == len(utterances)


def test_folds_are_balanced_and_reproducible() -> None:
    utterances = _utterances([10] * 20)
    folds = speaker_folds(utterances, 5, seed=1)
    assert [len(f) for f in folds] == [4] * 5
    assert speaker_folds(utterances, 5, seed=1) == folds


def test_round_trip_and_errors(tmp_path: Path) -> None:
    folds = speaker_folds(_utterances([3, 1, 2, 5, 4, 1]), 5)
    write_folds(tmp_path / "folds.json", folds)
    assert read_folds(tmp_path / "folds.json") == folds
    with pytest.raises(FoldError, match="3 speakers cannot fill 5"):
        speaker_folds(_utterances([1, 2, 3]), 5)
    (tmp_path / "bad.json").write_text('{"folds": [["a", "b"], ["b"]]}')
    with pytest.raises(FoldError, match="in two folds"):
        read_folds(tmp_path / "bad.json")
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(FoldError, match=r"broken\.json"):
        read_folds(tmp_path / "broken.json")
