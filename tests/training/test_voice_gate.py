"""The voice gate: a shut gate shows the rest face, non-speech trains the gate and not the face
head, the gate's targets come from the clean voice, and a gated model exports and runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from talkrig.models import arkit
from talkrig.models.contract import HOP_SAMPLES, Representation
from talkrig.models.loader import load_model
from talkrig.training.cli import main as train_main
from talkrig.training.judging import gate_offset
from talkrig.training.judging.gate_offset import training_nonspeech_p95
from talkrig.training.learning.config import CHECKPOINT, ConfigError, TrainConfig, resolve
from talkrig.training.learning.dataset import Clip
from talkrig.training.learning.export import card_for, export_onnx
from talkrig.training.learning.fit import FitError, fit, gated_loss, save_checkpoint
from talkrig.training.learning.networks import build_network
from talkrig.training.learning.real_mix import (
    bed_copy,
    gate_rest,
    nonspeech_clip,
    with_voice_targets,
)
from tests.conftest import need
from tests.training.synthetic import make_data, synthetic_clip

JAW = arkit.INDEX["jawOpen"]


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


def _gated(rest: float = 0.2, kind: str = "mel-cnn") -> torch.nn.Module:
    torch.manual_seed(0)
    width: dict[str, object] = {
        "mel-cnn": {"channels": 16},
        "sincnet": {"filters": 8, "taps": 31},
        "cnn": {"channels": (4, 8, 8, 8)},
    }[kind]
    net = build_network(kind, out_dim=52, voice_gate=True, **width)
    net.get_buffer("rest").fill_(rest)
    return net.eval()


@pytest.mark.parametrize("kind", ["mel-cnn", "sincnet", "cnn"])
def test_a_shut_gate_shows_the_rest_face_whatever_the_face_head_says(kind: str) -> None:
    net = _gated(rest=0.2, kind=kind)
    audio = torch.randn(2, net.window_samples + 4 * HOP_SAMPLES) * 0.1
    last = net.head[-1] if kind == "sincnet" else net.head  # the layer giving face and gate
    with torch.no_grad():
        last.bias[-1] = -40.0  # the gate's logit: shut
        last.bias[:-1] = 5.0  # the face head wide open
        shut, logits, _ = net.heads(audio)
        assert logits is not None and logits.shape == shut.shape[:2]
        last.bias[-1] = 40.0  # open: the face head's own output
        opened = net.frames(audio)
    np.testing.assert_allclose(shut.numpy(), 0.2, atol=1e-6)
    assert opened.shape == (2, 5, 52) and float(opened.mean()) > 1.0


def test_a_sincnet_can_take_its_gate_from_a_log_mel_branch() -> None:
    torch.manual_seed(0)
    net = build_network(
        "sincnet", out_dim=52, filters=8, taps=31, voice_gate=True, gate_channels=8
    ).eval()
    net.get_buffer("rest").fill_(0.2)
    assert net.head[-1].out_channels == 52  # the sinc head gives the face alone
    audio = torch.randn(2, net.window_samples + 4 * HOP_SAMPLES) * 0.1
    with torch.no_grad():
        net.head[-1].bias[:] = 5.0  # the face head wide open
        net.gate_branch.head.bias[:] = -40.0  # the branch shuts the gate
        shut, logits, _ = net.heads(audio)
        net.gate_branch.head.bias[:] = 40.0
        opened = net.frames(audio)
    assert logits is not None and float(logits.max()) < -10.0
    np.testing.assert_allclose(shut.numpy(), 0.2, atol=1e-6)
    assert float(opened.mean()) > 1.0
    with pytest.raises(ConfigError, match="gate_channels needs"):
        TrainConfig(architecture="mel-cnn", voice_gate=1, gate_channels=8)
    with pytest.raises(ConfigError, match="gate_channels needs"):
        TrainConfig(architecture="sincnet", gate_channels=8)


def _speech(frames: int = 40, seed: int = 0) -> Clip:
    arrays = synthetic_clip(frames, seed)
    return Clip(f"grid-s1-x{seed}", arrays["audio"], arrays["blendshapes"], arrays["valid"])


def test_gate_targets_come_from_the_clean_voice() -> None:
    rng = np.random.default_rng(0)
    speech = _speech()
    music = rng.normal(size=20 * HOP_SAMPLES).astype(np.float32) * 0.1
    rest = np.zeros(52, np.float32)
    noise = nonspeech_clip("nonspeech-music-0", music, rest, rng)
    bed = bed_copy(speech, rng, [music])
    clean, negative, on_bed = with_voice_targets([speech, noise, bed])
    column = clean.targets[:, -1]
    # the synthetic clip is silent for its first fifth, then loud: -1 (unknown) there, 1 after
    assert column[:5].tolist() == [-1.0] * 5 and (column[10:30] == 1.0).all()
    np.testing.assert_array_equal(on_bed.targets[:, -1], column)  # not the music's loudness
    assert (negative.targets[:, -1] == 0.0).all()
    np.testing.assert_array_equal(clean.targets[:, :-1], speech.targets)
    np.testing.assert_allclose(gate_rest([clean, on_bed, negative], 52), rest)
    with pytest.raises(ValueError, match="non-speech"):
        gate_rest([clean], 52)


def test_pauses_teach_a_shut_gate_only_when_asked() -> None:
    frames = 40
    audio = np.zeros(frames * HOP_SAMPLES, np.float32)
    audio[10 * HOP_SAMPLES : 30 * HOP_SAMPLES] = 0.3  # a voice from 0.4 s to 1.2 s
    clip = Clip("grid-s1-pause", audio, np.zeros((frames, 52), np.float32), np.ones(frames, bool))
    untaught = with_voice_targets([clip])[0].targets[:, -1]
    shut_120 = with_voice_targets([clip], shut_after_ms=120)[0].targets[:, -1]
    shut_200 = with_voice_targets([clip], shut_after_ms=200)[0].targets[:, -1]
    # the voice and 2 frames (80 ms) either side of it are voice in every variant
    for column in (untaught, shut_120, shut_200):
        assert (column[8:32] == 1.0).all()
    assert (untaught[:8] == -1.0).all() and (untaught[32:] == -1.0).all()
    # 120 ms: shut from the third frame after the voice on (and before it)
    assert (shut_120[32:] == 0.0).all() and (shut_120[:8] == 0.0).all()
    # 200 ms: frames 3 and 4 away are still untaught, the 5th on is shut
    assert shut_200[32:37].tolist() == [-1.0, -1.0, 0.0, 0.0, 0.0]
    assert shut_200[5:8].tolist() == [0.0, -1.0, -1.0]
    # 80 ms, sooner than the voice's 2-frame reach: the reach shrinks to 1 frame
    shut_80 = with_voice_targets([clip], shut_after_ms=80)[0].targets[:, -1]
    assert shut_80[8:32].tolist() == [0.0] + [1.0] * 22 + [0.0]
    assert (shut_80[:8] == 0.0).all() and (shut_80[32:] == 0.0).all()


def test_non_speech_trains_the_gate_and_leaves_the_face_head_alone() -> None:
    net = _gated().train()
    rng = np.random.default_rng(1)
    noise = nonspeech_clip(
        "nonspeech-noise-0", rng.normal(size=40 * HOP_SAMPLES).astype(np.float32),
        np.zeros(52, np.float32), rng,
    )  # fmt: skip
    clips = with_voice_targets([_speech(), noise])
    config = resolve(overrides={"architecture": "mel-cnn", "voice_gate": 1})

    def head_grad(clip: Clip) -> torch.Tensor:
        frames = len(clip.targets)
        audio = torch.zeros(1, net.window_samples + (frames - 1) * HOP_SAMPLES)
        body = torch.from_numpy(clip.audio[: audio.shape[1]])
        audio[0, : len(body)] = body
        net.zero_grad()
        targets = torch.from_numpy(clip.targets)[None]
        gated_loss(net, audio, targets, torch.ones(1, frames, dtype=torch.bool), config).backward()
        return net.head.weight.grad.detach().clone()

    on_noise, on_speech = head_grad(clips[1]), head_grad(clips[0])
    assert float(on_noise[:-1].abs().max()) == 0.0  # no face-head gradient from non-speech
    assert float(on_noise[-1].abs().max()) > 0.0  # the gate learns from it
    assert float(on_speech[:-1].abs().max()) > 0.0


def test_the_correlation_term_can_be_kept_off_the_gate() -> None:
    net = _gated()  # eval: no dropout, so the three passes see the same network
    clip = with_voice_targets([_speech(seed=3)])[0]
    frames = len(clip.targets)
    audio = torch.zeros(1, net.window_samples + (frames - 1) * HOP_SAMPLES)
    audio[0, : len(clip.audio)] = torch.from_numpy(clip.audio[: audio.shape[1]])
    targets, valid = torch.from_numpy(clip.targets)[None], torch.ones(1, frames, dtype=torch.bool)

    def grad(**sets: float) -> torch.Tensor:
        config = resolve(overrides={"architecture": "mel-cnn", "voice_gate": 1, **sets})
        net.zero_grad()
        gated_loss(net, audio, targets, valid, config).backward()
        return net.head.weight.grad.detach().clone()

    plain, through, kept_off = grad(), grad(corr_weight=1.0), grad(corr_weight=1.0, corr_gate=0)
    # the term teaches the face head either way (the last row is the gate's logit)...
    assert float((through[:-1] - plain[:-1]).abs().max()) > 0.0
    torch.testing.assert_close(kept_off[:-1], through[:-1])
    # ...and the gate only with corr_gate = 1
    assert float((through[-1] - plain[-1]).abs().max()) > 0.0
    torch.testing.assert_close(kept_off[-1], plain[-1])
    with pytest.raises(ConfigError, match="corr_gate must be 0 or 1"):
        TrainConfig(corr_gate=2)


def test_a_gate_needs_a_gated_network_and_non_speech_clips(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="voice_gate needs"):
        TrainConfig(architecture="lstm", voice_gate=1)
    with pytest.raises(ConfigError, match="gate_shut_after_ms"):
        TrainConfig(architecture="mel-cnn", voice_gate=1, gate_shut_after_ms=-1)
    with pytest.raises(ConfigError, match="gate_shut_after_ms needs voice_gate"):
        TrainConfig(architecture="mel-cnn", gate_shut_after_ms=120)
    config = resolve(
        overrides={"architecture": "mel-cnn", "voice_gate": 1, "epochs": 1, "width": 8}
    )
    with pytest.raises(FitError, match="non-speech"):
        fit(config, with_voice_targets([_speech()]), tmp_path / "runs")


def _tone(frames: int, hz: float) -> np.ndarray:
    t = np.arange(frames * HOP_SAMPLES) / 16000.0
    return (0.2 * np.sin(2 * np.pi * hz * t) + 0.1 * np.sin(2 * np.pi * 1.5 * hz * t)).astype(
        np.float32
    )


def test_a_gated_fit_exports_an_onnx_model_that_rests_on_music(
    tmp_path: Path, shared_data: Path
) -> None:
    rng = np.random.default_rng(2)
    rest = np.zeros(52, np.float32)
    negatives = [
        nonspeech_clip(f"nonspeech-music-{k}", _tone(50, 220.0 * (1 + k / 4)), rest, rng)
        for k in range(6)
    ]
    clips = with_voice_targets([_speech(50, seed) for seed in range(6)] + negatives)
    config = resolve(
        overrides={"architecture": "mel-cnn", "voice_gate": 1, "width": 16, "epochs": 8,
                   "lr": 3e-3, "batch_size": 4, "segment_frames": 10, "gate_weight": 0.05}
    )  # fmt: skip
    result = fit(config, clips, tmp_path / "runs", name="gate")
    card = card_for(result.network, "gated", Representation.BLENDSHAPES, training_data="synthetic",
                    license="MIT")  # fmt: skip
    path = export_onnx(result.network, tmp_path / "gated.onnx", card)
    width = result.network.window_samples
    chord = _tone(20, 300.0)[:width]
    voice = _speech(50, 99).audio[25 * HOP_SAMPLES :][:width]
    with load_model(path) as model:
        on_music = float(model(chord[None])[0, JAW])
        on_voice = float(model(voice[None].astype(np.float32))[0, JAW])
    # the gate output is in the graph: an unseen chord rests, the synthetic "voice" opens
    assert on_music < 0.02 and on_voice > 0.1, (on_music, on_voice)
    # exported with the gate's logit lowered, the same voice opens the mouth less
    (run,) = (tmp_path / "runs").iterdir()
    offset = tmp_path / "offset.onnx"
    export = ["train", "export", str(run), "--out", str(offset), "--name", "gated",
              "--training-data", "synthetic"]  # fmt: skip
    assert train_main([*export, "--gate-offset", "4"]) == 0
    with load_model(offset) as model:
        lowered = float(model(voice[None].astype(np.float32))[0, JAW])
    assert lowered < 0.5 * on_voice, (lowered, on_voice)


def test_a_bad_gate_offset_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = ["train", "export", str(tmp_path / "run"), "--out", str(tmp_path / "x.onnx"),
              "--name", "x", "--training-data", "synthetic", "--gate-offset"]  # fmt: skip
    for bad in ("nan", "-1", "11", "lots"):
        with pytest.raises(SystemExit) as exit_info:
            train_main([*export, bad])
        assert exit_info.value.code == 2
        assert f"a number from 0 to 10, not '{bad}'" in capsys.readouterr().err


def _open_gate_run(folder: Path, nonspeech_target: float = 0.0) -> Path:
    """A run folder of a gated mel-cnn whose gate is open whatever sounds and whose face head is
    untrained: its mouth moves on music and noise until a gate offset shuts it."""
    net = _gated(rest=0.0)
    with torch.no_grad():
        net.head.weight[-1] = 0.0  # the gate's logit: 6 on any input
        net.head.bias[-1] = 6.0
    overrides = {"architecture": "mel-cnn", "voice_gate": 1, "nonspeech_target": nonspeech_target}
    config = resolve(overrides=overrides)
    folder.mkdir(parents=True, exist_ok=True)
    optimizer = torch.optim.Adam(net.parameters())
    save_checkpoint(folder / CHECKPOINT, net, optimizer, config, 1, [], None)
    return folder


def _training_nonspeech_p95(path: Path) -> float:
    with load_model(path) as model:
        return training_nonspeech_p95(model)


def test_export_picks_the_smallest_gate_offset_that_rests_on_the_training_nonspeech_sounds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def export(run: Path, name: str, *options: str) -> Path:
        out = tmp_path / f"{name}.onnx"
        argv = ["train", "export", str(run), "--out", str(out), "--name", name,
                "--training-data", "synthetic", "--neutral-rest", *options]  # fmt: skip
        assert train_main(argv) == 0
        return out

    wide_open = _training_nonspeech_p95(export(_open_gate_run(tmp_path / "a"), "open"))
    assert wide_open > 0.01, wide_open  # the untrained face head moves on music and noise
    target = wide_open / 3
    # the recipe's nonspeech_target, kept in the run's config, is what export aims at by default
    picked = export(_open_gate_run(tmp_path / "b", nonspeech_target=target), "picked")
    with load_model(picked) as model:
        offset = model.card.metrics["gate: offset"]
        rest = model.card.metrics["gate: non-speech p95 (training split)"]
        description = model.card.description
    assert offset > 0 and offset % 0.5 == 0, offset
    assert rest == pytest.approx(_training_nonspeech_p95(picked), abs=1e-4) and rest <= target
    # the step below it is not enough: the smallest offset that gets there, no more
    below = export(tmp_path / "a", "below", "--gate-offset", f"{offset - 0.5:g}")
    assert _training_nonspeech_p95(below) > target
    assert f"voice gate offset {offset:g} logits" in description
    assert f"at most {target:g}" in description
    assert f"gate offset {offset:g}: training non-speech p95" in capsys.readouterr().out
    # an offset given by hand wins over the recipe's target, and is said in the card
    by_hand = export(tmp_path / "b", "by-hand", "--gate-offset", "1")
    with load_model(by_hand) as model:
        assert model.card.metrics["gate: offset"] == 1.0
        assert model.card.description == "voice gate offset 1 logits"


def test_a_nonspeech_target_out_of_reach_or_out_of_range_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _open_gate_run(tmp_path / "run")
    export = ["train", "export", str(run), "--out", str(tmp_path / "x.onnx"), "--name", "x",
              "--training-data", "synthetic"]  # fmt: skip
    monkeypatch.setattr(gate_offset, "OFFSET_MAX", 1.0)  # three tries, not twenty-one
    assert train_main([*export, "--nonspeech-target", "0.00001"]) == 2
    assert "no gate offset up to 1 keeps the mouth at most 1e-05 open" in capsys.readouterr().err
    assert not (tmp_path / "x.onnx").exists()
    for bad in ("nan", "-0.1", "1", "half"):
        with pytest.raises(SystemExit) as exit_info:
            train_main([*export, "--nonspeech-target", bad])
        assert exit_info.value.code == 2
        assert f"a jawOpen value from 0 to below 1, not '{bad}'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        train_main([*export, "--nonspeech-target", "0.03", "--gate-offset", "1"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="nonspeech_target needs voice_gate = 1"):
        resolve(overrides={"architecture": "mel-cnn", "nonspeech_target": 0.03})
    with pytest.raises(ConfigError, match="nonspeech_target must lie in"):
        resolve(overrides={"architecture": "mel-cnn", "voice_gate": 1, "nonspeech_target": 1.5})


def test_a_nonspeech_target_on_a_landmark_run_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The gate offset is measured in jawOpen, which a landmark model has not: refused, with no
    file written."""
    need(shutil.which("fluidsynth") is not None, "fluidsynth is not installed (apt)")
    data, runs = make_data(tmp_path / "data"), tmp_path / "runs"
    sets = {"representation": "landmarks3d", "architecture": "mel-cnn", "voice_gate": 1,
            "nonspeech_clips": 2, "epochs": 1, "batch_size": 4, "segment_frames": 10,
            "width": 8}  # fmt: skip
    argv = [a for k, v in sets.items() for a in ("--set", f"{k}={v}")]
    assert train_main(["train", "fit", str(data), "--runs", str(runs), *argv]) == 0
    (run,) = runs.iterdir()
    out = tmp_path / "x.onnx"
    export = ["train", "export", str(run), "--out", str(out), "--name", "x",
              "--training-data", "synthetic", "--nonspeech-target", "0.03"]  # fmt: skip
    assert train_main(export) == 2
    assert f"a non-speech target is for blendshape runs; {run} is landmarks" in (
        capsys.readouterr().err
    )
    assert not out.exists()
