"""``talkrig train judge``: exported models scored on real speech."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from talkrig.models import arkit
from talkrig.models.contract import HOP_SAMPLES, SAMPLE_RATE
from talkrig.models.loader import load_model
from talkrig.models.registry import SHIPPED_DIR
from talkrig.models.session import read_card
from talkrig.training.cli import main as train_main
from talkrig.training.judging import judge


def test_pearson_by_hand() -> None:
    assert judge.pearson(np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])) == pytest.approx(1)
    assert judge.pearson(np.array([1.0, 2.0, 3.0]), np.array([3.0, 1.0, 2.0])) == pytest.approx(
        -0.5
    )
    assert np.isnan(judge.pearson(np.ones(3), np.arange(3.0)))


def test_silences_and_closing_times() -> None:
    levels = np.array([-50, -10, -5, -8, -50, -50, -50, -50, -50, -6, -50, -50], float)
    # the leading quiet frame precedes all speech; 4 quiet frames = 160 ms count, 2 do not
    assert judge.silences(levels) == [(4, 9)]
    jaw = np.array([0, 0.3, 0.4, 0.3, 0.2, 0.1, 0.04, 0.0, 0.0, 0.3, 0.0, 0.0])
    assert judge.closing_times(jaw, levels, judge.CLOSED) == [pytest.approx(0.08)]
    assert judge.first_closed_times(jaw, levels, judge.CLOSED) == [pytest.approx(0.08)]
    jaw[5] = 0.0  # dips closed at once, then opens again before it stays closed
    assert judge.first_closed_times(jaw, levels, judge.CLOSED) == [pytest.approx(0.04)]


def test_raw_outputs_put_row_t_at_t_times_40_ms() -> None:
    # a tone over [400, 600) ms; the energy baselines judge the 40 ms of sound just before the
    # instant of the face they show, so the faces at 440 ... 600 ms (rows 11-15) open
    audio = np.zeros(40 * HOP_SAMPLES, np.float32)
    t = np.arange(5 * HOP_SAMPLES) / SAMPLE_RATE
    audio[10 * HOP_SAMPLES : 15 * HOP_SAMPLES] = 0.3 * np.sin(2 * np.pi * 220 * t)
    for name in ("baseline-energy-blendshapes", "baseline-energy-lowlatency"):
        with load_model(name) as model:
            jaw = judge.raw_outputs(model, audio)[:, arkit.INDEX["jawOpen"]]
        assert len(jaw) == 40
        assert np.nonzero(jaw > 0.05)[0].tolist() == list(range(11, 16)), name


def _copy_of(name: str, folder: Path) -> Path:
    copy = folder / f"{name}.onnx"
    shutil.copyfile(SHIPPED_DIR / f"{name}.onnx", copy)
    return copy


def test_judges_a_shipped_model_on_the_shared_real_data(
    shared_data: Path, judge_cache: Path, tmp_path: Path
) -> None:
    out = tmp_path / "judged.json"
    blend_file = _copy_of("baseline-energy-blendshapes", tmp_path)
    code = train_main([
        "train", "judge", str(blend_file), str(_copy_of("baseline-energy-landmarks2d", tmp_path)),
        "--data", str(shared_data), "--cache", str(judge_cache), "--json", str(out),
        "--write-card",
    ])  # fmt: skip
    assert code == 0
    results = json.loads(out.read_text())
    blend = results["baseline-energy-blendshapes"]
    written = read_card(blend_file).metrics
    others, s1 = blend["grid others"], blend["grid s1"]
    assert written["grid others: jawOpen r"] == others["jawOpen r"]
    assert written["speech: silences"] == blend["speech"]["silences"]
    # the shared clips: bbaf2n is s1's (held out), the other two are other speakers
    assert (s1["clips"], others["clips"]) == (1, 2)
    assert set(others) >= {"r lbax4n", "r id2_vcd_swwp2s", "best shift ms", "jawOpen r per clip"}
    assert -1 <= others["jawOpen r"] <= 1 and -1 <= others["jawOpen r spoken"] <= 1
    assert -320 <= others["best shift ms"] <= 320 and others["best shift ms"] % 40 == 0
    assert 0 < others["MAE mouth %"] < 20
    assert blend["speech"]["silences"] >= 1
    assert blend["speech"]["voiced frames open %"] > 50
    # loudness drives the energy baseline: music, typing and hum open its mouth
    assert blend["non-speech"]["p95 music-0"] > 0.05
    assert blend["non-speech"]["p95 speech under music"] > 0.05
    assert -1 <= results["baseline-energy-landmarks2d"]["grid others"]["lip-gap r"] <= 1
    # the same digits by FSDD's six speakers: loudness moves the baseline's jaw alike for all
    voices = blend["voices"]
    assert voices["speakers"] == 6 and voices["pairs"] > 100
    assert voices["same-word jaw r"] > 0.5 and 0 < voices["opening ratio min/max"] <= 1
    assert written["voices: same-word jaw r"] == voices["same-word jaw r"]
    assert (judge_cache / "bbaf2n.npz").is_file()  # MediaPipe labels are cached


def test_bad_model_and_empty_folder_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert train_main(["train", "judge", str(tmp_path / "none.onnx"), "--data", str(tmp_path)]) == 2
    assert "talkrig train judge:" in capsys.readouterr().err
    (tmp_path / "grid").mkdir()
    code = train_main(["train", "judge", "baseline-energy-blendshapes", "--data", str(tmp_path)])
    assert code == 2
    assert "no GRID clips" in capsys.readouterr().err


def test_write_card_replaces_only_the_judge_figures(tmp_path: Path) -> None:
    path = _copy_of("baseline-energy-blendshapes", tmp_path)
    before = path.read_bytes()
    card = read_card(path)
    judge.write_card_metrics(path, card, {"speech": {"silences": 3.0, "stale": 1.0}})
    card = read_card(path)
    judge.write_card_metrics(path, card, {"grid": {"jawOpen r": 0.5}, "speech": {"silences": 2.0}})
    after = read_card(path)
    unjudged = {k: v for k, v in card.metrics.items() if not k.startswith(("grid: ", "speech: "))}
    assert after.metrics == {**unjudged, "grid: jawOpen r": 0.5, "speech: silences": 2.0}
    assert after.name == card.name and after.output_names == card.output_names
    with load_model(str(path)) as model, load_model("baseline-energy-blendshapes") as shipped:
        audio = np.random.default_rng(0).uniform(-0.3, 0.3, (3, model.card.window_samples))
        np.testing.assert_array_equal(
            model(audio.astype(np.float32)), shipped(audio.astype(np.float32))
        )
    assert len(path.read_bytes()) > 0.9 * len(before)
    assert not list(tmp_path.glob("*.partial"))


def test_write_card_refuses_model_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = train_main(["train", "judge", "baseline-energy-blendshapes", "--write-card",
                       "--data", str(tmp_path)])  # fmt: skip
    assert code == 2
    assert "needs .onnx paths" in capsys.readouterr().err


def test_r_from_speech_on_leaves_out_the_face_before_the_first_word() -> None:
    """A reader who holds the mouth open before speaking: no voice tells that, so the whole-clip
    r of a model that follows the voice is low and the r from the first voiced frame on is not."""
    frames = 100
    t = np.arange(frames * HOP_SAMPLES) / SAMPLE_RATE
    envelope = np.clip(np.sin(2 * np.pi * 1.5 * t), 0.0, 1.0)
    envelope[: 40 * HOP_SAMPLES] = 0.0  # 1.6 s before the first word
    rng = np.random.default_rng(0)
    audio = (envelope * np.sin(2 * np.pi * 180 * t) * 0.5 + rng.normal(0, 1e-4, len(t))).astype(
        np.float32
    )
    jaw = envelope.reshape(frames, HOP_SAMPLES).mean(axis=1)
    jaw[:38] = 0.6  # open, waiting for the prompt
    blendshapes = np.zeros((frames, 52), np.float32)
    blendshapes[:, arkit.INDEX["jawOpen"]] = jaw
    clip = judge.RealClip(
        "held", audio, blendshapes, np.zeros((frames, 478, 3)), np.ones(frames, bool)
    )
    with load_model(SHIPPED_DIR / "baseline-energy-blendshapes.onnx") as model:
        result = judge.judge_grid(model, [clip])
    assert result["jawOpen r per clip from speech on"] > 0.8
    assert result["jawOpen r per clip"] < result["jawOpen r per clip from speech on"] - 0.3


def test_a_landmark_mouth_is_measured_in_jaw_open(shared_data: Path, judge_cache: Path) -> None:
    # the goals are in jawOpen; a landmark model's lip gap is scaled by how the real faces' lip
    # gap grows with their jawOpen, so "closed" (< 0.05) is the same mouth for every model
    clips = judge.grid_clips(
        shared_data / "grid", shared_data / "face_landmarker.task", judge_cache
    )
    with load_model(SHIPPED_DIR / "talkrig-landmarks3d.onnx") as mesh_model:
        units = judge.jaw_units(mesh_model, clips)
        rest = judge.jaw_opening(mesh_model, mesh_model.rest_output()[None], units)
        voiced = judge.judge_speech(mesh_model, judge.speech_clips(shared_data / "speech"), units)
        no_face = [dataclasses.replace(c, valid=np.zeros_like(c.valid)) for c in clips]
        with pytest.raises(judge.JudgeError, match="no labelled GRID frames"):
            judge.jaw_units(mesh_model, no_face)
    with load_model(SHIPPED_DIR / "talkrig-landmarks2d.onnx") as points_model:
        units_2d = judge.jaw_units(points_model, clips)
    with load_model(SHIPPED_DIR / "talkrig-neutral.onnx") as blend_model:
        assert judge.jaw_units(blend_model, clips) == 1.0
        blend = judge.judge_speech(blend_model, judge.speech_clips(shared_data / "speech"))
    # lip gap over face height per unit of jawOpen: forehead-chin is longer than nose-chin
    assert 0.15 < units < 0.35 and units < units_2d < 0.5, (units, units_2d)
    assert rest.tolist() == [0.0]
    # both models learned s1's real mouth: on the same speech they open alike in jawOpen
    ratio = voiced["voiced opening median"] / blend["voiced opening median"]
    assert 0.5 < ratio < 2.0, (voiced, blend)
