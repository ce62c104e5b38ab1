"""``talkrig train rebuild``: one command from the shared data to a judged model file, on a
shared-data folder cut down to three s1 utterances (the real clips, MediaPipe, Piper, ONNX)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch

from talkrig.models.session import read_card
from talkrig.training.cli import main
from talkrig.training.data.manifest import read_manifest
from talkrig.training.rebuild import LICENSE, RECIPES, SHIPPED, training_data

TRAINING, HELD_OUT = ("bbaf3s", "bbaf4p"), "bbaf2n"


@pytest.fixture()
def small_data(shared_data: Path, face_model: Path, tmp_path: Path) -> Path:
    """``../shared/data``'s layout with three s1 utterances, one other speaker, one speech file."""
    data = tmp_path / "data"
    for sub in ("grid_s1/s1", "grid_s1/alignments/s1", "grid", "speech"):
        (data / sub).mkdir(parents=True)
    source = shared_data / "grid_s1"
    for name in (*TRAINING, HELD_OUT):
        (data / "grid_s1/s1" / f"{name}.mkv").symlink_to(source / "s1" / f"{name}.mkv")
        align = source / "alignments/s1" / f"{name}.align"
        (data / "grid_s1/alignments/s1" / f"{name}.align").symlink_to(align)
    (data / "grid/lbax4n.mpg").symlink_to(shared_data / "grid/lbax4n.mpg")
    speech = sorted((shared_data / "speech").iterdir())[0]
    (data / "speech" / speech.name).symlink_to(speech)
    (data / "face_landmarker.task").symlink_to(face_model)
    return data


def test_rebuild_runs_every_step_and_writes_a_judged_card(
    small_data: Path, judge_cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    torch.set_num_threads(1)
    work, out = tmp_path / "work", tmp_path / "models" / "rebuilt.onnx"
    # one run first (the recipe itself averages two: that is the last rebuild here)
    small = ["epochs=1", "width=8", "nonspeech_clips=4", "batch_size=4", "average_runs=1"]
    argv = ["train", "rebuild", "lowlatency", "--data", str(small_data), "--work", str(work),
            "--runs", str(tmp_path / "runs"), "--out", str(out), "--cache", str(judge_cache),
            "--no-progress", *(a for s in small for a in ("--set", s))]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr().out
    for step in ("[1/5] talkrig train prepare", "[2/5] talkrig train voice-swap",
                 "[3/5] talkrig train fit", "[4/5] talkrig train export",
                 "[5/5] talkrig train judge"):  # fmt: skip
        assert step in printed
    # s1's held-out utterance is labelled but never trained on; the swap copies the other two
    assert {u.id for u in read_manifest(work / "grid_s1/manifest.jsonl")} == {
        f"grid-s1-{name}" for name in (*TRAINING, HELD_OUT)
    }
    swapped = read_manifest(work / "grid_s1_swap/manifest.jsonl")
    assert swapped and all(u.source.split("/")[-1].split(".")[0] in TRAINING for u in swapped)
    (run,) = (tmp_path / "runs").iterdir()
    assert json.loads((run / "config.json").read_text())["lookahead_samples"] == 640
    card = read_card(out)
    assert card.name == "talkrig-lowlatency" and card.license == LICENSE
    assert f"plus {len(swapped)} voice-swapped copies" in card.training_data
    assert "speaker s1: 2 of its 3 utterances" in card.training_data
    assert card.description == SHIPPED["lowlatency"].description
    # the judge wrote its figures: one held-out s1 clip and one other speaker
    assert card.metrics["grid s1: clips"] == 1.0 and card.metrics["grid others: clips"] == 1.0
    assert "non-speech: p95 non-speech" in card.metrics

    # a second rebuild reuses the labels and the swapped voices
    assert main(argv) == 0
    again = capsys.readouterr().out
    assert "0 labelled, 3 already cached" in again and f"reusing {work / 'grid_s1_swap'}" in again

    # average_runs = 2: two runs side by side (seeds 0 and 1), each exported, one file their mean
    mean_out = tmp_path / "models" / "mean.onnx"
    argv[argv.index(str(out))] = str(mean_out)
    assert main([*argv, "--set", "average_runs=2"]) == 0
    printed = capsys.readouterr().out
    assert "[4/5] talkrig train average" in printed
    seeded = sorted((tmp_path / "runs").glob("*-lowlatency-seed*"))
    assert [json.loads((r / "config.json").read_text())["seed"] for r in seeded] == [0, 1]
    members = [r / "talkrig-lowlatency.onnx" for r in seeded]
    sessions = [ort.InferenceSession(str(p)) for p in (*members, mean_out)]
    audio = {"audio": np.random.default_rng(0).normal(0, 0.1, (3, 4480)).astype(np.float32)}
    first, second, mean = (s.run(None, audio)[0] for s in sessions)
    assert not np.allclose(first, second)  # two seeds, two models
    np.testing.assert_allclose(mean, (first + second) / 2, atol=1e-6)
    card = read_card(mean_out)
    assert card.name == "talkrig-lowlatency" and card.metrics["averaged members"] == 2.0
    assert "the mean of 2 runs of the recipe in one graph (seeds 0, 1)" in card.description
    assert card.metrics["grid s1: clips"] == 1.0  # judged as one model


def test_rebuild_stops_with_one_line_before_any_work(
    small_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "work"
    base = ["train", "rebuild", "neutral", "--work", str(work), "--no-progress"]
    assert main([*base, "--data", str(tmp_path / "nowhere")]) == 2
    assert main([*base, "--data", str(small_data), "--set", "colour=blue"]) == 2
    assert main([*base, "--data", str(small_data), "--set", "epochs=0"]) == 2
    assert main([*base, "--data", str(small_data), "--set", "average_runs=0"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith("talkrig train rebuild: ") for line in lines)
    assert "is missing" in lines[0] and "colour" in lines[1] and "epochs" in lines[2]
    assert "average_runs must be >= 1" in lines[3]
    assert not work.exists()  # nothing was prepared
    with pytest.raises(SystemExit):
        main(["train", "rebuild", "talkrig-unknown"])


def test_every_recipe_can_be_rebuilt_and_names_its_training_data() -> None:
    assert set(SHIPPED) == {p.stem for p in RECIPES.glob("*.toml")}
    plain = training_data(RECIPES / "landmarks3d.toml", trained=900, total=1000, swapped=0)
    swapped = training_data(RECIPES / "neutral.toml", trained=900, total=1000, swapped=1626)
    assert "speaker s1: 900 of its 1,000 utterances" in plain and "CC BY 4.0" in plain
    assert "240 non-speech clips" in plain
    assert "voice-swapped" not in plain and "plus 1,626 voice-swapped copies" in swapped
