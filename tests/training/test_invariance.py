"""The speaker-invariance check: DTW pairs the same word said at another pace."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from talkrig.models.contract import HOP_SAMPLES, SAMPLE_RATE
from talkrig.models.loader import load_model
from talkrig.training.data.manifest import CorpusError
from talkrig.training.judging.invariance import aligned_r, dtw_path, judge_voices, row_features


def _word(pace: float, pitch: float) -> np.ndarray:
    """Three 'phones' (tones of different colour) with durations scaled by ``pace``."""
    parts = []
    for f, seconds in ((300.0, 0.12), (1200.0, 0.2), (600.0, 0.1)):
        t = np.arange(int(seconds * pace * SAMPLE_RATE)) / SAMPLE_RATE
        parts.append(0.3 * np.sin(2 * np.pi * f * pitch * t))
    return np.concatenate(parts).astype(np.float32)


def test_dtw_pairs_the_same_sounds_at_another_pace() -> None:
    slow, fast = _word(1.5, 1.0), _word(1.0, 1.05)
    rows_slow, rows_fast = len(slow) // HOP_SAMPLES, len(fast) // HOP_SAMPLES
    path = dtw_path(row_features(slow, rows_slow), row_features(fast, rows_fast))
    assert path[0] == (0, 0) and path[-1] == (rows_slow - 1, rows_fast - 1)
    assert all(b[0] >= a[0] and b[1] >= a[1] for a, b in pairwise(path))

    # a jaw that opens only on the middle 'phone', for both: aligned, they agree
    def jaw(rows: int, pace: float) -> np.ndarray:
        t = (np.arange(rows) + 0.5) * HOP_SAMPLES / SAMPLE_RATE / pace
        return ((t > 0.12) & (t < 0.32)).astype(np.float64)

    assert aligned_r(jaw(rows_slow, 1.5), jaw(rows_fast, 1.0), path) > 0.8
    # the diagonal instead of the path pairs the slow word's middle with the fast word's end
    diagonal = [(k, min(k, rows_fast - 1)) for k in range(rows_slow)]
    assert aligned_r(jaw(rows_slow, 1.5), jaw(rows_fast, 1.0), diagonal) < 0.8


def test_a_broken_fsdd_folder_is_one_clear_error(tmp_path: Path) -> None:
    with load_model("baseline-energy-blendshapes", providers="cpu") as model:
        with pytest.raises(CorpusError, match="no FSDD recordings"):
            judge_voices(model, tmp_path)
        (tmp_path / "0_george_0.wav").write_bytes(b"RIFF\x04\x00\x00\x00WAVE torn")
        with pytest.raises(CorpusError, match=r"0_george_0\.wav"):
            judge_voices(model, tmp_path)
        (tmp_path / "zero by george.wav").write_bytes(b"")
        with pytest.raises(CorpusError, match=r"zero by george\.wav"):
            judge_voices(model, tmp_path)
