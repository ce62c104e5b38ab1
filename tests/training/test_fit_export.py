"""One-epoch fits on a tiny prepared folder, export, and ONNX parity on real speech."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from talkrig.bridge.audio.sources import decode_file
from talkrig.bridge.offline import infer_audio
from talkrig.models import arkit
from talkrig.models.contract import HOP_SAMPLES, Representation
from talkrig.models.loader import load_model
from talkrig.training.cli import main as train_main
from talkrig.training.data.manifest import read_manifest
from talkrig.training.learning import fit as fit_module
from talkrig.training.learning.config import ConfigError, TrainConfig, parse_sets, resolve
from talkrig.training.learning.dataset import (
    Clip,
    DatasetError,
    SegmentDataset,
    clip_from_arrays,
    load_clips,
)
from talkrig.training.learning.export import Exported, ExportError, card_for, export_onnx
from talkrig.training.learning.face_map import FaceMap
from talkrig.training.learning.fit import CHECKPOINT, FitError, epoch_lr, fit, load_checkpoint
from talkrig.training.learning.networks import build_network
from talkrig.training.learning.pdm import Pdm
from tests.training.synthetic import make_data, synthetic_clip

TINY = {"epochs": 1, "batch_size": 4, "segment_frames": 10, "lr": 1e-3}


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_data(tmp_path_factory.mktemp("prepared"))


def _clips(data: Path, representation: str) -> tuple[list[Clip], Pdm | None]:
    return load_clips(data / "labels", read_manifest(data / "manifest.jsonl"), representation)


def _speech_windows(shared_data: Path, width: int) -> np.ndarray:
    """(B, width) windows every 40 ms over a real LibriSpeech recording."""
    audio = decode_file(shared_data / "speech" / "1320_00000.mp3")
    starts = range(0, len(audio) - width, HOP_SAMPLES)
    return np.stack([audio[s : s + width] for s in starts]).astype(np.float32)


def test_blendshape_fit_export_and_parity_on_real_speech(
    data: Path, tmp_path: Path, shared_data: Path
) -> None:
    clips, _ = _clips(data, "blendshapes")
    result = fit(resolve(overrides=TINY), clips, tmp_path / "runs", name="cnn")
    run = result.run_dir
    assert {p.name for p in run.iterdir()} >= {
        "config.json",
        "run.json",
        "history.jsonl",
        CHECKPOINT,
    }
    assert json.loads((run / "config.json").read_text())["epochs"] == 1
    assert "git_revision" in json.loads((run / "run.json").read_text())
    assert np.isfinite(result.history[0]["train_loss"])

    card = card_for(result.network, "test-cnn", Representation.BLENDSHAPES,
                    training_data="synthetic", license="MIT", metrics={"MAE all": 1.0})  # fmt: skip
    path = export_onnx(result.network, tmp_path / "cnn.onnx", card)
    windows = _speech_windows(shared_data, result.network.window_samples)
    with load_model(path) as model:
        assert model.card.metrics == {"MAE all": 1.0}
        assert model.card.architecture == "1d-cnn"
        got = model(windows)
    with torch.no_grad():
        raw = result.network(torch.from_numpy(windows)).numpy()
    want = np.clip(raw, 0.0, 1.0)  # the exported graph keeps the contract's range
    assert got.shape == (len(windows), 52)
    assert np.abs(got - want).max() < 1e-4
    assert np.abs(raw[1:] - raw[:-1]).max() > 1e-6  # real speech moves the output
    with load_model(path) as model:  # and the engine streams it like any shipped model
        frames = list(infer_audio(windows[0], model))
    # as a file, 280 ms of audio is a face every 40 ms from 0 to its end (DESIGN Time)
    assert len(frames) == 7 and frames[0].blendshapes is not None
    assert [f.stream_time for f in frames] == pytest.approx([k * 0.04 for k in range(7)])
    assert frames[0].blendshapes.shape == (52,)


@pytest.mark.parametrize("architecture", ["sincnet", "lstm"])
def test_landmark_model_carries_its_pdm_decode(
    architecture: str, data: Path, tmp_path: Path, shared_data: Path
) -> None:
    clips, pdm = _clips(data, "landmarks3d")
    assert pdm is not None and 0 < pdm.variance_kept <= 1
    config = resolve(
        overrides={**TINY, "architecture": architecture, "representation": "landmarks3d"}
    )
    result = fit(config, clips, tmp_path / "runs", pdm=pdm)
    card = card_for(result.network, f"test-{architecture}", Representation.LANDMARKS_3D,
                    training_data="synthetic", license="MIT")  # fmt: skip
    path = export_onnx(result.network, tmp_path / "lm.onnx", card, pdm)
    windows = _speech_windows(shared_data, result.network.window_samples)[:20]
    with load_model(path) as model:
        got = model(windows)
    with torch.no_grad():
        coeffs = result.network(torch.from_numpy(windows)).numpy()
    assert got.shape == (20, 478, 3)
    assert np.abs(got - pdm.decode(coeffs)).max() < 1e-4


def test_blendshape_run_exports_as_a_real_face_landmark_model(
    data: Path, tmp_path: Path, shared_data: Path
) -> None:
    rng = np.random.default_rng(0)
    neutral = rng.normal(size=(68, 2)).astype(np.float32)
    basis = rng.normal(size=(52, 68, 2)).astype(np.float32)
    face_map = FaceMap(neutral, basis)
    face_map.save(tmp_path / "map.npz")
    clips, _ = _clips(data, "blendshapes")
    run = fit(resolve(overrides=TINY), clips, tmp_path / "runs", name="cnn").run_dir
    out = tmp_path / "lm2d.onnx"
    code = train_main([
        "train", "export", str(run), "--out", str(out), "--name", "lm2d", "--training-data",
        "synthetic", "--face-map", str(tmp_path / "map.npz"),
    ])  # fmt: skip
    assert code == 0
    network, _, _ = load_checkpoint(run / CHECKPOINT)
    windows = _speech_windows(shared_data, network.window_samples)[:10]
    with load_model(out) as model:
        assert model.card.representation is Representation.LANDMARKS_2D
        got = model(windows)
    with torch.no_grad():
        weights = np.clip(network(torch.from_numpy(windows)).numpy(), 0.0, 1.0)
    assert got.shape == (10, 68, 2)
    assert np.abs(got - face_map.apply(weights)).max() < 1e-3
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"nope")
    code = train_main([
        "train", "export", str(run), "--out", str(out), "--name", "x", "--training-data", "s",
        "--face-map", str(broken),
    ])  # fmt: skip
    assert code == 2


def test_export_refuses_a_card_that_does_not_fit(data: Path, tmp_path: Path) -> None:
    _, pdm = _clips(data, "landmarks3d")
    net = build_network("cnn", out_dim=52).eval()
    card = card_for(net, "x", Representation.LANDMARKS_3D, training_data="s", license="MIT")
    with pytest.raises(ExportError, match="needs its PDM"):
        export_onnx(net, tmp_path / "x.onnx", card)
    with pytest.raises(ExportError, match="PDM gives"):
        export_onnx(net, tmp_path / "x.onnx", card, pdm)
    assert isinstance(Exported(net, None)(torch.zeros(1, net.window_samples)), torch.Tensor)


def test_resume_ends_with_the_weights_of_an_uninterrupted_run(data: Path, tmp_path: Path) -> None:
    clips = _clips(data, "blendshapes")[0][:2]
    config = resolve(overrides={**TINY, "epochs": 2, "dropout": 0.3})
    whole = fit(config, clips, tmp_path / "a")
    first = fit(resolve(overrides={**TINY, "dropout": 0.3}), clips, tmp_path / "b")
    resumed = fit(config, clips, tmp_path / "b", resume=first.run_dir)
    assert resumed.run_dir == first.run_dir and len(resumed.history) == 2
    for (name, a), b in zip(
        whole.network.state_dict().items(), resumed.network.state_dict().values(), strict=True
    ):
        torch.testing.assert_close(a, b, msg=name)
    _, state, _ = load_checkpoint(first.run_dir / CHECKPOINT)
    assert state["epoch"] == 2
    assert len((first.run_dir / "history.jsonl").read_text().splitlines()) == 2
    with pytest.raises(FitError, match=r"config changed in \['lr'\]"):
        fit(
            resolve(overrides={**config.to_dict(), "lr": 0.5}),
            clips,
            tmp_path,
            resume=first.run_dir,
        )


def test_cosine_schedule_and_clipping_resume_exactly(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = resolve(overrides={**TINY, "epochs": 4, "lr_schedule": "cosine", "grad_clip": 1e-3})
    assert [epoch_lr(config, e) for e in range(4)] == pytest.approx(
        [1e-3, 0.8536e-3, 0.5e-3, 0.1464e-3], rel=1e-3
    )
    assert epoch_lr(resolve(overrides=TINY), 3) == 1e-3  # the paper's constant rate
    clips = _clips(data, "blendshapes")[0][:2]
    whole = fit(config, clips, tmp_path / "a")
    # the same run killed during its third epoch, then resumed: same schedule, same weights
    real_epoch, calls = fit_module._epoch, []

    def dies_in_epoch_3(*args: object, **kwargs: object) -> float:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_epoch(*args, **kwargs)

    monkeypatch.setattr(fit_module, "_epoch", dies_in_epoch_3)
    with pytest.raises(KeyboardInterrupt):
        fit(config, clips, tmp_path / "b")
    monkeypatch.setattr(fit_module, "_epoch", real_epoch)
    (run_dir,) = (tmp_path / "b").iterdir()
    resumed = fit(config, clips, tmp_path / "b", resume=run_dir)
    for a, b in zip(whole.network.parameters(), resumed.network.parameters(), strict=True):
        torch.testing.assert_close(a, b)


def test_a_weight_average_is_what_the_checkpoint_exports_and_resumes_exactly(
    data: Path, tmp_path: Path
) -> None:
    clips = _clips(data, "blendshapes")[0][:2]
    plain = fit(resolve(overrides={**TINY, "epochs": 2}), clips, tmp_path / "plain")
    config = resolve(overrides={**TINY, "epochs": 2, "ema_decay": 0.5})
    whole = fit(config, clips, tmp_path / "a")
    # the same seed trains the same weights; what the run gives is their average
    network, state, _ = load_checkpoint(whole.run_dir / CHECKPOINT)
    trained = state["trained_model"]
    for name, value in plain.network.state_dict().items():
        torch.testing.assert_close(trained[name], value, msg=name)
    weights = {name for name, _ in network.named_parameters()}
    moved = {
        name for name, value in network.state_dict().items()
        if name in weights and not torch.equal(value, trained[name])
    }  # fmt: skip
    assert moved == weights
    for name, value in whole.network.state_dict().items():
        torch.testing.assert_close(network.state_dict()[name], value, msg=name)
    assert state["averaged_steps"] > 1
    # stopped after one epoch and resumed: the same average as the uninterrupted run
    first = fit(resolve(overrides={**config.to_dict(), "epochs": 1}), clips, tmp_path / "b")
    resumed = fit(config, clips, tmp_path / "b", resume=first.run_dir)
    for name, value in whole.network.state_dict().items():
        torch.testing.assert_close(resumed.network.state_dict()[name], value, msg=name)
    with pytest.raises(ConfigError, match="ema_decay must lie in"):
        resolve(overrides={"ema_decay": 1.0})
    # a checkpoint that lost its trained weights cannot resume: one error naming the run
    state = torch.load(first.run_dir / CHECKPOINT, weights_only=False)
    del state["trained_model"]
    torch.save(state, first.run_dir / CHECKPOINT)
    more = resolve(overrides={**config.to_dict(), "epochs": 3})
    with pytest.raises(FitError, match="no trained weights"):
        fit(more, clips, tmp_path / "b", resume=first.run_dir)


def test_a_run_from_before_a_config_key_existed_resumes(data: Path, tmp_path: Path) -> None:
    clips = _clips(data, "blendshapes")[0][:1]
    first = fit(resolve(overrides=TINY), clips, tmp_path)
    config_file = first.run_dir / "config.json"
    state = torch.load(first.run_dir / CHECKPOINT, weights_only=False)
    del state["config"]["grad_clip"], state["config"]["lr_schedule"]  # as an older run saved it
    torch.save(state, first.run_dir / CHECKPOINT)
    resumed = fit(resolve(overrides={**TINY, "epochs": 2}), clips, tmp_path, resume=first.run_dir)
    assert len(resumed.history) == 2 and config_file.is_file()


def test_broken_checkpoint_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / CHECKPOINT).write_bytes(b"garbage")
    with pytest.raises(FitError, match=r"checkpoint\.pt"):
        load_checkpoint(tmp_path / CHECKPOINT)


def test_config_defaults_file_then_command_line(tmp_path: Path) -> None:
    paper = TrainConfig()
    assert (paper.epochs, paper.batch_size, paper.lr, paper.dropout) == (20, 32, 1e-5, 0.1)
    toml = tmp_path / "c.toml"
    toml.write_text('epochs = 3\nlr = 0.001\narchitecture = "sincnet"\n')
    config = resolve(toml, parse_sets(["lr=2e-4"]))
    assert (config.epochs, config.lr, config.architecture) == (3, 2e-4, "sincnet")
    bad = tmp_path / "bad.toml"
    for text, message in [
        ("epochs = [", "is not valid"),
        ("epoch = 3", "unknown key 'epoch'"),
        ('epochs = "many"', "is not a int"),
        ("dropout = 1.5", "dropout must lie"),
        ('device = "gpu"', "device 'gpu' is not one of"),
        ('lr_schedule = "step"', "lr_schedule 'step' is not one of"),
        ("grad_clip = -1.0", "grad_clip must be >= 0"),
    ]:
        bad.write_text(text)
        with pytest.raises(ConfigError, match=message):
            resolve(bad)
    with pytest.raises(ConfigError, match="not key=value"):
        parse_sets(["lr"])
    with pytest.raises(ConfigError, match=r"c\.json"):
        resolve(tmp_path / "c.json")


def test_cli_fit_export_report(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = tmp_path / "runs"
    sets = [a for k, v in TINY.items() for a in ("--set", f"{k}={v}")]
    assert (
        train_main(["train", "fit", str(data), "--runs", str(runs), "--dev-speaker", "spk1", *sets])
        == 0
    )
    (run,) = runs.iterdir()
    metrics = json.loads((run / "metrics.json").read_text())
    assert 0 <= metrics["MAE all"] < 100
    out = tmp_path / "m.onnx"
    argv = ["export", str(run), "--out", str(out), "--name", "cli-cnn", "--training-data", "syn"]
    assert train_main(["train", *argv]) == 0
    with load_model(out) as model:
        assert model.card.metrics["MAE all"] == pytest.approx(metrics["MAE all"])
    assert train_main(["train", *argv, "--gate-offset", "1"]) == 2
    assert "--gate-offset needs a run with a voice gate" in capsys.readouterr().err
    assert train_main(["train", "report", str(runs)]) == 0
    assert "MAE all" in capsys.readouterr().out
    assert train_main(["train", "fit", str(tmp_path / "nowhere"), "--runs", str(runs)]) == 2
    assert "manifest.jsonl" in capsys.readouterr().err
    assert train_main(["train", "fit", str(data), "--set", "epochs=0"]) == 2
    assert "epochs must be >= 1" in capsys.readouterr().err


def test_fit_trains_on_another_prepared_folder_beside_the_first(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--also``: a voice-swap folder trains beside the real one; a bad one is one error."""
    more = make_data(tmp_path / "more", speakers=1, per_speaker=3)
    runs = tmp_path / "runs"
    sets = [a for k, v in TINY.items() for a in ("--set", f"{k}={v}")]
    argv = ["train", "fit", str(data), "--also", str(more), "--runs", str(runs), *sets]
    assert train_main(argv) == 0
    (run,) = runs.iterdir()
    record = json.loads((run / "run.json").read_text())
    assert record["train_clips"] == 4 + 3 and record["also"] == [str(more)]
    argv = ["train", "fit", str(data), "--also", str(tmp_path / "nowhere"), "--runs", str(runs)]
    assert train_main([*argv, *sets]) == 2
    assert "manifest.jsonl" in capsys.readouterr().err


def test_cli_cross_validation_writes_folds_and_reports(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sets = [a for k, v in TINY.items() for a in ("--set", f"{k}={v}")]
    argv = ["train", "cv", str(data), "--runs", str(tmp_path), "--folds", "2", *sets]
    assert train_main(argv) == 0
    folds = json.loads((tmp_path / "folds.json").read_text())["folds"]
    assert sorted(s for f in folds for s in f) == ["spk0", "spk1"]
    assert len(list(tmp_path.glob("*/metrics.json"))) == 2
    capsys.readouterr()
    assert train_main(["train", "report", str(tmp_path)]) == 0
    table = capsys.readouterr().out
    assert "blendshapes" in table and "cnn | 2 |" in table
    assert train_main(["train", "report", str(tmp_path / "empty")]) == 2


@pytest.mark.parametrize("lookahead", [1920, 640, 0])
def test_each_label_frame_gets_the_window_that_ends_lookahead_after_it(lookahead: int) -> None:
    frames, hop, window = 12, HOP_SAMPLES, 4480
    audio = np.zeros(frames * hop, np.float32)
    audio[5 * hop : 6 * hop] = 1.0  # only label frame 5 is loud
    clip = Clip("c", audio, np.zeros((frames, 3), np.float32), np.ones(frames, bool))
    data = SegmentDataset([clip], 4, window, hop, lookahead)
    assert len(data) == 3
    segment, _, valid = data[1]  # frames 4..7
    assert segment.shape == (window + 3 * hop,) and bool(valid.all())
    # frame 5 is segment frame 1: its window starts one hop in and ends lookahead after the face's
    # instant (DESIGN Time), so the loud 40 ms that starts at that instant begins window - lookahead
    # into the window
    start = hop + window - lookahead
    assert float(segment[start : start + hop].min()) == 1.0
    assert float(segment.sum()) == hop
    net = build_network("cnn", out_dim=52, lookahead_samples=lookahead)
    card = card_for(net, "low", Representation.BLENDSHAPES, training_data="s", license="MIT")
    assert card.lookahead_samples == lookahead


def test_inconsistent_label_arrays_are_one_clear_error(data: Path) -> None:
    good = synthetic_clip(20, seed=1)
    cases = [
        ({k: v for k, v in good.items() if k != "valid"}, "blendshapes", "no 'valid' array"),
        ({**good, "valid": good["valid"][:5]}, "blendshapes", "same frames"),
        ({**good, "blendshapes": good["blendshapes"][:, :51]}, "blendshapes", r"not \(T, 52\)"),
        (good, "landmarks3d", "need a PDM"),
    ]
    for arrays, representation, message in cases:
        with pytest.raises(DatasetError, match=message):
            clip_from_arrays("u1", arrays, representation)
    _, pdm = _clips(data, "landmarks3d")
    broken = {**good, "landmarks3d": good["landmarks3d"] * np.nan}
    with pytest.raises(DatasetError, match="NaN"):
        clip_from_arrays("u1", broken, "landmarks3d", pdm)


def test_building_the_train_parser_imports_no_torch() -> None:
    """``talkrig --help`` must stay fast and work without the train extra."""
    code = (
        "import argparse, sys\n"
        "from talkrig.training.cli import add_train_commands\n"
        "add_train_commands(argparse.ArgumentParser().add_subparsers())\n"
        "print(sorted({'torch', 'mediapipe'} & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_a_neutral_rest_rests_at_zero_and_keeps_the_eyes_still(
    tmp_path: Path, shared_data: Path
) -> None:
    torch.manual_seed(3)
    net = build_network("mel-cnn", out_dim=52).eval()
    with torch.no_grad():  # a resting face off zero, as a speaker's frown and squint are
        net.head.bias.add_(0.3)
    card = card_for(net, "rest", Representation.BLENDSHAPES, training_data="s", license="MIT")
    path = export_onnx(net, tmp_path / "rest.onnx", card, neutral_rest=True)
    windows = _speech_windows(shared_data, net.window_samples)
    with torch.no_grad():
        raw = net(torch.from_numpy(windows)).numpy()
        silent = net(torch.zeros(1, net.window_samples)).numpy()
    assert np.abs(silent).max() > 0.1  # the network itself does not rest at zero
    eyes = list(arkit.REGIONS["eyes"])
    want = np.clip(raw - silent, 0.0, 1.0)
    want[:, eyes] = 0.0
    with load_model(path) as model:
        np.testing.assert_allclose(model.rest_output(), 0.0, atol=1e-6)
        got = model(windows)
    np.testing.assert_allclose(got, want, atol=1e-4)
    assert got[:, eyes].max() == 0.0 and got.max() > 0.01  # the rest still moves
    with pytest.raises(ExportError, match="blendshape networks"):
        export_onnx(
            build_network("mel-cnn", out_dim=60), tmp_path / "x.onnx", card, neutral_rest=True
        )
