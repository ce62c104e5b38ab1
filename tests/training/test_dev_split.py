"""The development split: 90 of s1's training utterances that ``fit --dev-split`` leaves out and
``judge --dev`` scores on, so recipes are chosen without the held-out clips."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import torch

from talkrig.models.loader import load_model
from talkrig.training.cli import main as train_main
from talkrig.training.data.holdout import DEV_SPLIT_METRIC, GRID_S1_DEV, held_out
from tests.conftest import need
from tests.training.synthetic import make_named

TINY = {"epochs": 1, "batch_size": 4, "segment_frames": 10, "lr": 1e-3}
DEV = sorted(held_out(GRID_S1_DEV))
HELD = sorted(held_out())


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


def test_the_dev_list_is_ninety_training_utterances_chosen_by_its_rule(shared_data: Path) -> None:
    dev = held_out(GRID_S1_DEV)
    assert len(dev) == 90 and not dev & held_out()
    s1 = shared_data / "grid_s1" / "s1"
    need(s1.is_dir(), f"{s1} is missing")
    training = [p.stem for p in s1.glob("*.mkv") if p.stem not in held_out()]
    assert len(training) == 900
    by_hash = sorted(training, key=lambda stem: hashlib.sha1(stem.encode()).hexdigest())
    assert set(by_hash[:90]) == dev  # the rule written at the top of the list


def test_fit_dev_split_leaves_the_dev_utterances_out_of_training_and_scores_them(
    tmp_path: Path,
) -> None:
    data = make_named(tmp_path / "s1", [DEV[0], DEV[1], HELD[0], "train1", "train2", "train3"])
    swap = make_named(tmp_path / "swap", [DEV[0], "train1", "train2"], speaker="piper-x")
    sets = [a for k, v in TINY.items() for a in ("--set", f"{k}={v}")]
    base = ["train", "fit", str(data), "--also", str(swap), *sets]
    assert train_main([*base, "--runs", str(tmp_path / "all")]) == 0
    assert train_main([*base, "--runs", str(tmp_path / "dev"), "--dev-split"]) == 0
    (everything,) = (tmp_path / "all").iterdir()
    (split,) = (tmp_path / "dev").iterdir()
    record = json.loads((everything / "run.json").read_text())
    # the held-out utterance never trains; without the split the dev ones do, in both folders
    assert (record["train_clips"], record["dev_clips"], record["dev_split"]) == (5 + 3, 0, False)
    record = json.loads((split / "run.json").read_text())
    assert (record["train_clips"], record["dev_clips"], record["dev_split"]) == (3 + 2, 2, True)
    assert json.loads((split / "metrics.json").read_text())["MAE all"] >= 0


@pytest.fixture(scope="module")
def dev_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(model, s1 folder, swap folder): a tiny blendshape model from a ``--dev-split`` run."""
    root = tmp_path_factory.mktemp("dev")
    data = make_named(root / "s1", [DEV[0], DEV[1], DEV[2], "train1", "train2"])
    swap = make_named(root / "swap", [DEV[0], DEV[1], "train1"], speaker="piper-x")
    sets = [a for k, v in TINY.items() for a in ("--set", f"{k}={v}")]
    argv = ["train", "fit", str(data), "--runs", str(root / "runs"), "--dev-split", *sets]
    assert train_main(argv) == 0
    (run,) = (root / "runs").iterdir()
    model = root / "m.onnx"
    argv = ["train", "export", str(run), "--out", str(model), "--name", "dev-m"]
    assert train_main([*argv, "--training-data", "synthetic"]) == 0
    return model, data, swap


def test_judge_dev_scores_the_dev_utterances_and_their_other_voices(
    dev_model: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    need(shutil.which("fluidsynth") is not None, "fluidsynth is not installed (apt)")
    model, data, swap = dev_model
    out = tmp_path / "dev.json"
    argv = ["train", "judge", str(model), "--dev", "--s1", str(data), "--swap", str(swap)]
    assert train_main([*argv, "--json", str(out)]) == 0
    results = json.loads(out.read_text())["dev-m"]
    assert set(results) == {"dev s1", "dev other voices", "dev speech", "dev non-speech"}
    assert results["dev s1"]["clips"] == 3 and results["dev other voices"]["clips"] == 2
    assert set(results["dev s1"]) >= {"jawOpen r per clip", "best shift ms", "MAE mouth %"}
    noise = results["dev non-speech"]
    assert 0 <= noise["p95 non-speech"] <= 1 and "p95 speech under music" in noise


def test_judge_dev_misuse_is_one_clear_error(
    dev_model: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model, data, swap = dev_model
    judge = ["train", "judge", str(model)]
    assert train_main([*judge, "--dev"]) == 2
    assert "--dev needs --s1" in capsys.readouterr().err
    assert train_main([*judge, "--dev", "--s1", str(data), "--write-card"]) == 2
    assert "writes no card" in capsys.readouterr().err
    assert train_main([*judge, "--swap", str(swap)]) == 2
    assert "--swap goes with --dev" in capsys.readouterr().err
    none = make_named(tmp_path / "none", ["train1"])
    assert train_main([*judge, "--dev", "--s1", str(none)]) == 2
    assert "none of the development utterances" in capsys.readouterr().err
    # damaged material: one line naming the file, not a traceback
    broken = make_named(tmp_path / "broken", [DEV[0]])
    for label in (broken / "labels").iterdir():
        label.write_bytes(b"garbage")
    assert train_main([*judge, "--dev", "--s1", str(broken)]) == 2
    assert "is damaged" in capsys.readouterr().err
    (broken / "manifest.jsonl").write_text("{not json\n")
    assert train_main([*judge, "--dev", "--s1", str(broken)]) == 2
    assert "manifest.jsonl line 1: not JSON" in capsys.readouterr().err
    # a model whose run trained on the dev utterances would score what it learned: refused
    sets = [a for k, v in TINY.items() for a in ("--set", f"{k}={v}")]
    assert train_main(["train", "fit", str(data), "--runs", str(tmp_path / "runs"), *sets]) == 0
    (run,) = (tmp_path / "runs").iterdir()
    seen = tmp_path / "seen.onnx"
    export = ["train", "export", str(run), "--out", str(seen), "--name", "seen"]
    assert train_main([*export, "--training-data", "synthetic"]) == 0
    with load_model(seen) as trained_on_dev, load_model(model) as held_back:
        assert DEV_SPLIT_METRIC not in trained_on_dev.card.metrics
        assert held_back.card.metrics[DEV_SPLIT_METRIC] == 1.0
    assert train_main(["train", "judge", str(seen), "--dev", "--s1", str(data)]) == 2
    assert "seen may have trained on the development utterances" in capsys.readouterr().err
    # a run.json that cannot be read says nothing of a split: exported, without the metric
    (run / "run.json").write_text("[garbage")
    assert train_main([*export, "--training-data", "synthetic"]) == 0
    with load_model(seen) as unknown:
        assert DEV_SPLIT_METRIC not in unknown.card.metrics
