"""The hand-built models: the energy baseline on real speech, the paper's CNN shape, the shipped
files and their regeneration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from talkrig.models import arkit, faces
from talkrig.models.build_shipped import build_all, main, shipped_cards
from talkrig.models.builders import build_cnn_model, build_energy_model, make_card
from talkrig.models.contract import HOP_SAMPLES, WINDOW_SAMPLES, Representation
from talkrig.models.loader import Model, load_model
from talkrig.models.registry import SHIPPED_DIR

JAW = arkit.INDEX["jawOpen"]


def _energy(tmp_path: Path, representation: Representation, lookahead: int = 1920) -> Model:
    card = make_card(
        f"energy-{representation.value}",
        representation,
        architecture="energy-baseline",
        training_data="none",
        lookahead_samples=lookahead,
    )
    path = tmp_path / f"{card.name}-{lookahead}.onnx"
    build_energy_model(path, card)
    return load_model(path, providers="cpu")


def _windows(audio: np.ndarray) -> np.ndarray:
    """Every hop-spaced window of ``audio``: (n, WINDOW_SAMPLES)."""
    n = (len(audio) - WINDOW_SAMPLES) // HOP_SAMPLES + 1
    return np.stack([audio[i * HOP_SAMPLES : i * HOP_SAMPLES + WINDOW_SAMPLES] for i in range(n)])


def _loudest(windows: np.ndarray, start: int, end: int) -> np.ndarray:
    frame = windows[:, start:end]
    return windows[int(np.argmax(np.std(frame, axis=1)))]


def test_loud_speech_opens_the_jaw_and_silence_does_not(tmp_path: Path, speech: np.ndarray) -> None:
    with _energy(tmp_path, Representation.BLENDSHAPES) as model:
        windows = _windows(speech)
        loud = _loudest(windows, 1920, 2560)
        silent = model(np.zeros((1, WINDOW_SAMPLES), np.float32))[0]
        hiss = np.random.default_rng(0).normal(0, 10 ** (-60 / 20), (1, WINDOW_SAMPLES))
        assert silent[JAW] < 0.05 and model(hiss)[0, JAW] < 0.05
        assert np.all(silent == 0.0)
        voiced = model(loud[None])[0]
        assert voiced[JAW] > 0.3 and voiced[JAW] > silent[JAW] + 0.25
        out = model(windows)
        assert out.min() >= 0.0 and out.max() <= 1.0
        moving = {arkit.NAMES[i] for i in np.flatnonzero(out.max(axis=0) > 0)}
        assert "jawOpen" in moving and moving <= {arkit.NAMES[i] for i in arkit.MOUTH_RELATED}
        # Speech has pauses and loud syllables: the jaw must follow, not sit at one value.
        assert np.percentile(out[:, JAW], 90) - np.percentile(out[:, JAW], 10) > 0.2


@pytest.mark.parametrize(("lookahead", "frame_end"), [(1920, 2560), (0, WINDOW_SAMPLES)])
def test_energy_model_reads_the_frame_the_lookahead_names(
    tmp_path: Path, lookahead: int, frame_end: int
) -> None:
    tone = 0.3 * np.sin(2 * np.pi * 220 * np.arange(HOP_SAMPLES) / 16000)
    with _energy(tmp_path, Representation.BLENDSHAPES, lookahead) as model:
        inside = np.zeros((1, WINDOW_SAMPLES), np.float32)
        inside[0, frame_end - HOP_SAMPLES : frame_end] = tone
        assert model(inside)[0, JAW] > 0.3
        for start in range(0, WINDOW_SAMPLES, HOP_SAMPLES):
            if start != frame_end - HOP_SAMPLES:
                outside = np.zeros((1, WINDOW_SAMPLES), np.float32)
                outside[0, start : start + HOP_SAMPLES] = tone
                assert model(outside)[0, JAW] == 0.0, f"burst at {start} leaked in"


def test_fricative_noise_widens_and_low_hum_rounds(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    t = np.arange(WINDOW_SAMPLES) / 16000
    hiss = np.diff(rng.normal(0, 0.2, WINDOW_SAMPLES + 1))[None].astype(np.float32)
    hum = (0.3 * np.sin(2 * np.pi * 150 * t))[None].astype(np.float32)
    with _energy(tmp_path, Representation.BLENDSHAPES) as model:
        s, h = model(hiss)[0], model(hum)[0]
    stretch, funnel = arkit.INDEX["mouthStretchLeft"], arkit.INDEX["mouthFunnel"]
    assert s[stretch] > 0.1 and s[funnel] == 0.0
    assert h[funnel] > 0.1 and h[stretch] == 0.0


@pytest.mark.parametrize(
    ("representation", "lower_lip", "upper_lip"),
    [(Representation.LANDMARKS_2D, [57, 66], [51, 62]),
     (Representation.LANDMARKS_3D, [17, 14], [0, 13])],
)  # fmt: skip
def test_energy_landmarks_drop_the_lower_lip(
    tmp_path: Path,
    speech: np.ndarray,
    representation: Representation,
    lower_lip: list[int],
    upper_lip: list[int],
) -> None:
    with _energy(tmp_path, representation) as model:
        rest = model.rest_output()
        assert np.allclose(rest, faces.neutral(representation))
        loud = model(_loudest(_windows(speech), 1920, 2560)[None])[0]
    drop = loud[:, 1] - rest[:, 1]
    assert np.all(drop[lower_lip] > 0.03)  # y points down: the lower lip opens downwards
    assert np.all(np.abs(drop[upper_lip]) < 1e-6)
    assert np.all(np.abs(loud[:, 0] - rest[:, 0]) < 0.03)


def test_cnn_has_the_paper_shape(tmp_path: Path) -> None:
    card = make_card("cnn", Representation.BLENDSHAPES, architecture="1d-cnn",
                     training_data="untrained reference for cost only")  # fmt: skip
    path = tmp_path / "cnn.onnx"
    build_cnn_model(path, card, seed=3)
    graph = onnx.load(str(path)).graph
    convs = [n for n in graph.node if n.op_type == "Conv"]
    weights = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    assert [weights[c.input[1]].shape for c in convs] == [
        (64, 1, 21), (128, 64, 21), (256, 128, 21), (512, 256, 21),
    ]  # fmt: skip
    assert [next(a.ints for a in c.attribute if a.name == "strides") for c in convs] == [
        [4], [4], [4], [2],
    ]  # fmt: skip
    with load_model(path, providers="cpu") as model:
        out = model(np.random.default_rng(0).normal(0, 0.1, (2, WINDOW_SAMPLES)))
        assert out.shape == (2, 52) and out.min() > 0.0 and out.max() < 1.0
    again = tmp_path / "again.onnx"
    build_cnn_model(again, card, seed=3)
    assert again.read_bytes() == path.read_bytes()
    build_cnn_model(again, card, seed=4)
    assert again.read_bytes() != path.read_bytes()


def test_cnn_landmarks_decode_twenty_components(tmp_path: Path) -> None:
    card = make_card("cnn3d", Representation.LANDMARKS_3D, architecture="1d-cnn",
                     training_data="untrained reference for cost only")  # fmt: skip
    path = tmp_path / "cnn3d.onnx"
    build_cnn_model(path, card)
    with load_model(path, providers="cpu") as model:
        # Silence: zero activations, zero coefficients, so the decode gives the mean face.
        assert np.allclose(model.rest_output(), faces.neutral(Representation.LANDMARKS_3D))
        out = model(np.random.default_rng(0).normal(0, 0.1, (4, WINDOW_SAMPLES)))
    assert out.shape == (4, 478, 3)
    offsets = (out - faces.neutral(Representation.LANDMARKS_3D)).reshape(4, -1)
    assert np.linalg.matrix_rank(offsets) <= 20 and np.abs(offsets).max() > 0


def test_build_shipped_is_deterministic(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = build_all(tmp_path / "a")
    second = build_all(tmp_path / "b")
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_shipped_files_are_what_the_builder_makes(tmp_path: Path, speech: np.ndarray) -> None:
    assert main(["--out", str(tmp_path)]) == 0
    names = {f"{c.name}.onnx" for c in shipped_cards()}
    # the trained models beside them are checked in test_trained_models.py
    assert {p.name for p in SHIPPED_DIR.glob("baseline-*.onnx")} == names
    windows = _windows(speech)[::5]
    for name in sorted(names):
        shipped = SHIPPED_DIR / name
        assert shipped.stat().st_size < 1_000_000
        with load_model(shipped, providers="cpu") as old, load_model(tmp_path / name) as new:
            assert old.card == new.card
            assert "placeholder" in old.card.description.lower()
            assert old.card.license == "MIT" and old.card.architecture == "energy-baseline"
            assert old.card.training_data.startswith("none: hand-built")
            np.testing.assert_allclose(old(windows), new(windows), atol=1e-5)


def test_schematic_mesh_is_said_in_the_card() -> None:
    card = next(c for c in shipped_cards() if c.representation is Representation.LANDMARKS_3D)
    assert "SCHEMATIC" in card.description
