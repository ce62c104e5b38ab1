"""The blendshapes → landmarks map fitted on real faces."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from talkrig.models import arkit
from talkrig.training.cli import main as train_main
from talkrig.training.data.labels import LabelError, save_labels
from talkrig.training.data.manifest import Utterance, read_manifest, write_manifest
from talkrig.training.learning.face_map import (
    MESH_TO_DLIB68,
    FaceMap,
    fit_face_map,
    grid_face_maps,
    placed_pdm,
    prepared_face_maps,
    to_square,
)
from talkrig.training.learning.pdm import Pdm, PdmError
from tests.training.synthetic import synthetic_clip


def test_fit_recovers_a_linear_face() -> None:
    rng = np.random.default_rng(1)
    neutral = rng.uniform(0, 100, size=(68, 2))
    neutral[0], neutral[16] = (0.0, 50.0), (80.0, 50.0)  # the jaw ends 80 apart
    basis = np.zeros((52, 68, 2))
    basis[arkit.INDEX["jawOpen"], 57:60, 1] = 20.0  # the lower lip drops 20 units
    scores = rng.uniform(0, 0.5, size=(200, 52))
    shapes = neutral[None] + np.einsum("nk,kpd->npd", scores, basis)
    face = fit_face_map(scores, shapes, ridge=1e-6)
    assert face.neutral.shape == (68, 2) and face.basis.shape == (52, 68, 2)
    # placed in the faces.py frame: jaw 0.8 wide, so 20 units are 0.2
    assert np.linalg.norm(face.neutral[16] - face.neutral[0]) == pytest.approx(0.8, abs=1e-3)
    drop = face.basis[arkit.INDEX["jawOpen"], 58, 1]
    assert drop == pytest.approx(0.2, abs=0.02)
    assert np.abs(face.basis[arkit.INDEX["mouthSmileLeft"]]).max() < 0.02
    opened = face.apply(np.eye(52, dtype=np.float32)[[arkit.INDEX["jawOpen"]]])[0]
    assert opened[58, 1] - face.neutral[58, 1] == pytest.approx(drop, abs=1e-6)


def test_too_few_frames_and_no_clips_are_errors(tmp_path: Path) -> None:
    with pytest.raises(PdmError, match=">= 20 frames"):
        fit_face_map(np.zeros((5, 52)), np.zeros((5, 68, 2)))
    with pytest.raises(PdmError, match="no talking-face clips"):
        grid_face_maps(tmp_path, tmp_path / "face_landmarker.task")


def test_the_68_points_are_distinct_mesh_vertices_in_dlib_order() -> None:
    assert len(MESH_TO_DLIB68) == 68 and len(set(MESH_TO_DLIB68)) == 68
    assert max(MESH_TO_DLIB68) < 468  # face vertices, not the iris points
    # dlib 8 (chin) is the mesh's chin 152; 62/66 (inner lips, top/bottom) are 13/14
    assert (MESH_TO_DLIB68[8], MESH_TO_DLIB68[62], MESH_TO_DLIB68[66]) == (152, 13, 14)


def test_save_load_and_square_units(tmp_path: Path) -> None:
    face = FaceMap(np.ones((478, 3), np.float32), np.zeros((52, 478, 3), np.float32))
    face.save(tmp_path / "m.npz")
    again = FaceMap.load(tmp_path / "m.npz")
    assert np.array_equal(again.neutral, face.neutral)
    assert to_square(np.array([[0.5, 0.5, 0.1]]), 360, 288).tolist() == [[180.0, 144.0, 36.0]]


def test_maps_from_the_real_grid_clips_open_the_lips(shared_data: Path, tmp_path: Path) -> None:
    code = train_main(["train", "face-map", str(shared_data / "grid"), "--out-dir", str(tmp_path)])
    assert code == 0
    jaw = arkit.INDEX["jawOpen"]
    mesh = FaceMap.load(tmp_path / "facemap-landmarks3d.npz")
    flat = FaceMap.load(tmp_path / "facemap-landmarks2d.npz")
    assert mesh.neutral.shape == (478, 3) and flat.neutral.shape == (68, 2)
    # jawOpen drops the lower lip (y grows downwards) more than the upper lip
    assert mesh.basis[jaw, 14, 1] - mesh.basis[jaw, 13, 1] > 0.05
    assert flat.basis[jaw, 66, 1] - flat.basis[jaw, 62, 1] > 0.01
    assert mesh.neutral[:, :2].min() > 0.0 and mesh.neutral[:, :2].max() < 1.0


def test_maps_from_a_prepared_folder_never_use_held_out_utterances(
    shared_data: Path, tmp_path: Path
) -> None:
    def folder(name: str, stems: list[str]) -> Path:
        out = tmp_path / name
        rows = []
        for k, stem in enumerate(stems):
            video = shared_data / "grid" / f"{stem}.mpg"  # a real video: the map needs its size
            row = Utterance(f"u-{stem}", "grid", "s", str(video), 25.0, 16000, 2.0)
            labels = synthetic_clip(50, seed=k)
            if stem == "bbaf2n":  # on s1's held-out list: a face unlike the others
                labels["landmarks3d"] = labels["landmarks3d"] * np.float32(1.7)
                labels["blendshapes"] = labels["blendshapes"][::-1].copy()
            save_labels(out / "labels", row, labels)
            rows.append(row)
        write_manifest(out / "manifest.jsonl", rows)
        return out

    with_held = prepared_face_maps(folder("a", ["lbax4n", "id2_vcd_swwp2s", "bbaf2n"]), every=1)
    without = prepared_face_maps(folder("b", ["lbax4n", "id2_vcd_swwp2s"]), every=1)
    for key in ("landmarks3d", "landmarks2d"):
        np.testing.assert_array_equal(with_held[key].basis, without[key].basis)
    assert with_held["landmarks2d"].neutral.shape == (68, 2)
    with pytest.raises(PdmError, match="no labelled faces"):
        prepared_face_maps(folder("c", ["bbaf2n"]))
    # a damaged label file is an error naming it, not a clip quietly left out
    damaged = folder("d", ["lbax4n", "id2_vcd_swwp2s"])
    (damaged / "labels" / "u-lbax4n.npz").write_bytes(b"PK\x03\x04 torn")
    with pytest.raises(LabelError, match=r"u-lbax4n\.npz"):
        prepared_face_maps(damaged)
    # a video moved away since prepare: its size is unknown, said so
    moved = folder("e", ["lbax4n", "id2_vcd_swwp2s"])
    rows = read_manifest(moved / "manifest.jsonl")
    rows[0] = dataclasses.replace(rows[0], source=str(tmp_path / "gone.mpg"))
    write_manifest(moved / "manifest.jsonl", rows)
    with pytest.raises(PdmError, match=r"gone\.mpg"):
        prepared_face_maps(moved)


def test_a_pdm_fitted_on_video_fractions_is_placed_in_the_face_frame() -> None:
    rng = np.random.default_rng(4)
    mesh = np.zeros((478, 3))
    mesh[:, 0] = rng.uniform(0.35, 0.6, 478)  # a face in a 360 × 288 picture, as fractions
    mesh[:, 1] = rng.uniform(0.3, 0.75, 478)
    mesh[:, 2] = rng.normal(0, 0.02, 478)
    pdm = Pdm(mesh.astype(np.float32), rng.normal(0, 0.01, (3, 478 * 3)).astype(np.float32), 0.9)
    placed = placed_pdm(pdm, 360, 288)
    assert placed.mean[:, 1].max() - placed.mean[:, 1].min() == pytest.approx(0.9, abs=1e-5)
    np.testing.assert_allclose(placed.mean[:, :2].mean(axis=0), 0.5, atol=1e-5)
    # linear: the placed decode is the original decode moved the same way
    coeffs = rng.normal(size=(5, 3)).astype(np.float32)
    square = np.array([360.0, 288.0, 360.0])
    original = (coeffs @ pdm.basis).reshape(5, 478, 3) + pdm.mean
    moved = (coeffs @ placed.basis).reshape(5, 478, 3) + placed.mean
    size = np.ptp(pdm.mean[:, 1] * 288.0) / 0.9
    np.testing.assert_allclose(
        (moved - placed.mean) * size, (original - pdm.mean) * square, rtol=1e-3, atol=1e-4
    )
