"""The bootstrap corpus: one command writes a prepared folder that training reads and fits."""

from __future__ import annotations

import ctypes.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from talkrig.models import arkit, faces
from talkrig.models.contract import HOP_SAMPLES, Representation
from talkrig.training.cli import main as train_main
from talkrig.training.data.augment import (
    AugmentError,
    add_noise,
    augment,
    change_speed,
    equalize,
    reverberate,
)
from talkrig.training.data.bootstrap import bootstrap, faces_from_blendshapes, main
from talkrig.training.data.labels import load_labels
from talkrig.training.data.manifest import CorpusError, read_manifest
from talkrig.training.learning.dataset import load_clips
from tests.conftest import need

UTTERANCES = 4


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need(ctypes.util.find_library("espeak-ng") is not None, "Debian espeak-ng is not installed")
    out = tmp_path_factory.mktemp("bootstrap") / "corpus"
    bootstrap(out, UTTERANCES, seed=7, progress=False)
    return out


def test_writes_a_prepared_folder(corpus: Path) -> None:
    rows = read_manifest(corpus / "manifest.jsonl")
    assert len(rows) == UTTERANCES
    assert {r.corpus for r in rows} == {"bootstrap"}
    for row in rows:
        assert "+" in row.speaker and row.sentence  # speaker = espeak-ng voice name
        labels = load_labels(corpus / "labels", row)
        frames = len(labels["valid"])
        assert labels["valid"].all() and frames == round(row.duration_s / 0.04)
        assert labels["audio"].shape == (frames * HOP_SAMPLES,)
        assert np.abs(labels["audio"]).max() <= 1.0
        assert labels["blendshapes"].shape == (frames, arkit.COUNT)
        assert labels["landmarks3d"].shape == (frames, 478, 3)
        assert labels["landmarks2d"].shape == (frames, 68, 2)
        assert Path(row.source).is_file()
        jaw = labels["blendshapes"][:, arkit.INDEX["jawOpen"]]
        assert jaw[:2].max() < 0.05 and jaw[-2:].max() < 0.05  # silent padding rests
        assert jaw.max() > 0.15  # and the speech opens the mouth


def test_landmarks_follow_the_blendshapes(corpus: Path) -> None:
    row = read_manifest(corpus / "manifest.jsonl")[0]
    labels = load_labels(corpus / "labels", row)
    expected = faces_from_blendshapes(labels["blendshapes"], Representation.LANDMARKS_3D)
    np.testing.assert_array_equal(labels["landmarks3d"], expected)
    chin = labels["landmarks3d"][:, 152, 1]  # MediaPipe's chin point drops as the jaw opens
    jaw = labels["blendshapes"][:, arkit.INDEX["jawOpen"]]
    assert np.corrcoef(chin, jaw)[0, 1] > 0.99


def test_face_model_moves_the_right_way() -> None:
    pose = np.zeros((3, arkit.COUNT), np.float32)
    pose[1, arkit.INDEX["jawOpen"]] = 1.0
    pose[2, arkit.INDEX["mouthPucker"]] = 1.0
    flat = faces_from_blendshapes(pose, Representation.LANDMARKS_2D)
    np.testing.assert_allclose(flat[0], faces.neutral(Representation.LANDMARKS_2D))
    assert flat[1, 57, 1] - flat[0, 57, 1] == pytest.approx(faces.JAW_TRAVEL)  # lower lip
    width = flat[:, 54, 0] - flat[:, 48, 0]  # mouth corners
    assert width[2] < width[0] - 0.02  # pucker narrows the mouth


def test_same_seed_same_corpus_and_resume_does_no_work(corpus: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    bootstrap(again, 2, seed=7, progress=False)
    first = read_manifest(corpus / "manifest.jsonl")[:2]
    assert read_manifest(again / "manifest.jsonl") == [
        type(r)(**{**r.__dict__, "source": str(again / "audio" / Path(r.source).name)})
        for r in first
    ]
    for row in first:
        a = load_labels(corpus / "labels", row)
        b = load_labels(again / "labels", row)
        np.testing.assert_array_equal(a["audio"], b["audio"])
    stamp = (again / "labels" / f"{first[0].id}.npz").stat().st_mtime_ns
    bootstrap(again, 3, seed=7, progress=False)  # grows by one, keeps the two
    assert (again / "labels" / f"{first[0].id}.npz").stat().st_mtime_ns == stamp
    assert len(read_manifest(again / "manifest.jsonl")) == 3
    other = tmp_path / "other"
    bootstrap(other, 1, seed=8, progress=False)
    row = read_manifest(other / "manifest.jsonl")[0]
    assert not np.array_equal(
        load_labels(other / "labels", row)["audio"][:1000],
        load_labels(corpus / "labels", first[0])["audio"][:1000],
    )


def test_cli_reports_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "x"), "--utterances", "0", "--no-progress"]) == 2
    assert "at least one utterance" in capsys.readouterr().err


def test_bad_source_counts_are_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="needs --fsdd FOLDER"):
        bootstrap(tmp_path, 0, fsdd_utterances=3)
    with pytest.raises(CorpusError, match="at least one utterance"):
        bootstrap(tmp_path, 0, piper=-1)


def test_training_reads_and_fits_one_epoch(corpus: Path, tmp_path: Path) -> None:
    torch.set_num_threads(1)
    rows = read_manifest(corpus / "manifest.jsonl")
    clips, _ = load_clips(corpus / "labels", rows, "blendshapes")
    assert sum(len(c.targets) for c in clips) > 100
    _, pdm = load_clips(corpus / "labels", rows, "landmarks3d", components=5)
    assert pdm is not None and pdm.variance_kept > 0.99  # a face with few degrees of freedom
    sets = ["epochs=1", "batch_size=4", "segment_frames=10", "lr=1e-3"]
    argv = ["train", "fit", str(corpus), "--runs", str(tmp_path), "--name", "boot"]
    assert train_main([*argv, *(a for s in sets for a in ("--set", s))]) == 0
    (run,) = tmp_path.glob("*-boot")
    history = [json.loads(line) for line in (run / "history.jsonl").read_text().splitlines()]
    assert len(history) == 1 and np.isfinite(history[0]["train_loss"])


def test_augmentation_keeps_length_and_range() -> None:
    rng = np.random.default_rng(3)
    t = np.arange(16_000) / 16_000
    tone = (0.5 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    for out in (augment(tone, rng), equalize(tone, rng), reverberate(tone, 0.3, 0.5, rng)):
        assert out.shape == tone.shape and out.dtype == np.float32
        assert np.isfinite(out).all() and np.abs(out).max() <= 1.0
    noisy = add_noise(tone, 10.0, rng)
    snr = 10 * np.log10(np.mean(tone**2) / np.mean((noisy - tone) ** 2))
    assert snr == pytest.approx(10.0, abs=0.5)
    assert len(change_speed(tone, 1.25)) == pytest.approx(16_000 / 1.25, abs=2)
    with pytest.raises(AugmentError, match="speed factor"):
        change_speed(tone, 3.0)
    with pytest.raises(AugmentError, match="reverb"):
        reverberate(tone, 0.0, 0.5, rng)
