"""End to end on one real GRID clip, through the command line: prepare (MediaPipe labels) →
PDM → a 1-epoch fit → export with the card → ONNX parity on the clip's own real audio."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from talkrig.models.contract import HOP_SAMPLES
from talkrig.models.loader import load_model
from talkrig.training.cli import main
from talkrig.training.data.labels import load_labels
from talkrig.training.data.manifest import read_manifest
from talkrig.training.learning.export import Exported
from talkrig.training.learning.face_map import placed_pdm, video_size
from talkrig.training.learning.fit import CHECKPOINT, load_checkpoint


@pytest.fixture(scope="module")
def one_clip(grid_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    (folder / "swwp2s.mpg").symlink_to(grid_dir / "id2_vcd_swwp2s.mpg")
    return folder


def test_one_grid_clip_from_video_to_onnx(one_clip: Path, face_model: Path, tmp_path: Path) -> None:
    torch.set_num_threads(1)
    data, runs, onnx_file = tmp_path / "prepared", tmp_path / "runs", tmp_path / "grid3d.onnx"
    prepare = ["prepare", "grid", str(one_clip), "--out", str(data), "--model", str(face_model)]
    assert main(["train", *prepare, "--speaker", "s2", "--no-progress"]) == 0
    (utterance,) = read_manifest(data / "manifest.jsonl")
    labels = load_labels(data / "labels", utterance)
    assert labels["valid"].mean() > 0.9  # a real face, found in (nearly) every frame

    sets = ["epochs=1", "batch_size=4", "segment_frames=25", "representation=landmarks3d"]
    fit = ["fit", str(data), "--runs", str(runs), "--name", "e2e"]
    assert main(["train", *fit, *(a for s in sets for a in ("--set", s))]) == 0
    (run,) = runs.iterdir()
    assert json.loads((run / "config.json").read_text())["representation"] == "landmarks3d"
    network, _, pdm = load_checkpoint(run / CHECKPOINT)
    assert pdm is not None and pdm.components == 20 and 0.9 < pdm.variance_kept <= 1.0

    export = ["export", str(run), "--out", str(onnx_file), "--name", "grid-e2e"]
    assert main(["train", *export, "--training-data", "GRID (1 clip)", "--eval", str(data)]) == 0
    audio = labels["audio"]
    starts = range(0, len(audio) - network.window_samples, HOP_SAMPLES)
    windows = np.stack([audio[s : s + network.window_samples] for s in starts])
    with load_model(onnx_file) as model:
        assert model.card.training_data == "GRID (1 clip)"
        assert any(k.startswith("L-D") for k in model.card.metrics)
        got = model(windows)
    # the PDM learned the video's image fractions; the file's points are placed in the face frame
    placed = placed_pdm(pdm, *video_size(one_clip / "swwp2s.mpg"))
    with torch.no_grad():
        want = Exported(network, placed)(torch.from_numpy(windows)).numpy()
    assert got.shape == (len(windows), 478, 3)
    assert np.abs(got - want).max() < 1e-4
    centre = got[:, :, :2].mean(axis=1)
    np.testing.assert_allclose(centre, 0.5, atol=0.05)  # the face sits in the frame's middle
