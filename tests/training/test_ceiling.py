"""``talkrig train ceiling``: the training labels' own jawOpen r on the real GRID clips."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from talkrig.models import arkit
from talkrig.training.cli import main as train_main
from talkrig.training.data.align import Aligner
from talkrig.training.data.manifest import CorpusError
from talkrig.training.data.video import decode_audio
from talkrig.training.judging.ceiling import ceiling, label_jaw
from talkrig.training.judging.judge import RealClip


def _faced_by_its_labels(grid_dir: Path, name: str) -> RealClip:
    """A real GRID voice whose "face" opens the jaw exactly as the labels say."""
    audio = decode_audio(grid_dir / f"{name}.mpg")
    bare = RealClip(name, audio)
    labels = label_jaw(bare, Aligner().align(audio, "bin blue at f two now"), 60.0)
    blendshapes = np.zeros((len(labels), arkit.COUNT), np.float32)
    blendshapes[:, arkit.INDEX["jawOpen"]] = labels
    return RealClip(name, audio, blendshapes, None, np.ones(len(labels), bool))


def test_labels_that_match_the_face_score_one(grid_dir: Path) -> None:
    clip = _faced_by_its_labels(grid_dir, "bbaf2n")
    result = ceiling([clip])
    assert result["labels jawOpen r"] == pytest.approx(1.0)
    assert result["labels r bbaf2n"] == pytest.approx(1.0)
    # the labels rest before and after the words, so the oracle (truth in the spoken part,
    # rest outside) nearly matches too, but the labels' jaw lag reaches past the spoken part
    assert 0.9 < result["oracle jawOpen r"] <= 1.0
    shifted = ceiling([clip], jaw_lag_ms=200.0)  # other labels than the face's: r drops
    assert shifted["labels jawOpen r"] < 0.9


def test_a_clip_not_named_by_its_sentence_is_refused(grid_dir: Path) -> None:
    clip = _faced_by_its_labels(grid_dir, "bbaf2n")
    with pytest.raises(CorpusError, match=r"'holiday'.*named by their sentence"):
        ceiling([RealClip("holiday", clip.audio, clip.blendshapes, None, clip.valid)])


def test_the_real_grid_clips(
    shared_data: Path, judge_cache: Path, face_model: Path, tmp_path: Path
) -> None:
    out = tmp_path / "ceiling.json"
    code = train_main([
        "train", "ceiling", "--data", str(shared_data), "--cache", str(judge_cache),
        "--json", str(out),
    ])  # fmt: skip
    assert code == 0
    result = json.loads(out.read_text())
    assert set(result) >= {"labels r bbaf2n", "labels r id2_vcd_swwp2s", "labels r lbax4n"}
    # the viseme labels follow a real jaw, better in the spoken part than over the whole clip,
    # and even the oracle is far from 1: GRID speakers open their mouths before they speak
    assert 0.4 < result["labels jawOpen r"] < result["labels jawOpen r spoken"] < 0.9
    assert 0.4 < result["oracle jawOpen r"] < 0.9


def test_an_empty_grid_folder_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "grid").mkdir()
    assert train_main(["train", "ceiling", "--data", str(tmp_path)]) == 2
    assert "talkrig train ceiling: no GRID clips" in capsys.readouterr().err
