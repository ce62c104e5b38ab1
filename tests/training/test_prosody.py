"""Prosody curves of the emotional family: brows follow pitch, a lively voice smiles."""

from __future__ import annotations

import numpy as np

from talkrig.models import arkit
from talkrig.models.contract import SAMPLE_RATE
from talkrig.training.data.prosody import frame_pitch, prosody_curves
from talkrig.training.learning.dataset import clip_from_arrays


def _tone(f0: np.ndarray) -> np.ndarray:
    """A buzzy voiced sound following the per-sample pitch ``f0`` (Hz)."""
    phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE
    return (0.3 * np.sign(np.sin(phase)) * 0.5 + 0.2 * np.sin(phase)).astype(np.float32)


def test_pitch_of_a_steady_tone() -> None:
    f0 = frame_pitch(_tone(np.full(SAMPLE_RATE, 150.0)), 25)
    assert np.allclose(f0[2:-2], 150.0, rtol=0.03)
    assert frame_pitch(np.zeros(SAMPLE_RATE, np.float32), 25).max() == 0.0


def test_brows_rise_with_a_pitch_accent_and_rest_otherwise() -> None:
    f0 = np.full(2 * SAMPLE_RATE, 120.0)
    f0[SAMPLE_RATE : SAMPLE_RATE + 4000] = 200.0  # +8.8 semitones for 250 ms
    curves = prosody_curves(_tone(f0), 50)
    brow = curves[:, arkit.INDEX["browInnerUp"]]
    assert brow[25:31].max() > 0.3
    assert brow[:15].max() < 0.05
    # only brows, cheeks and smile move
    moved = {arkit.NAMES[i] for i in np.nonzero(curves.max(axis=0) > 0)[0]}
    assert moved <= {
        "browInnerUp", "browOuterUpLeft", "browOuterUpRight", "mouthSmileLeft",
        "mouthSmileRight", "cheekSquintLeft", "cheekSquintRight",
    }  # fmt: skip


def test_a_lively_voice_smiles_a_flat_one_does_not() -> None:
    t = np.arange(3 * SAMPLE_RATE) / SAMPLE_RATE
    lively = prosody_curves(_tone(150 * 2 ** (0.6 * np.sin(2 * np.pi * 1.5 * t))), 75)
    flat = prosody_curves(_tone(np.full(len(t), 150.0)), 75)
    smile = arkit.INDEX["mouthSmileLeft"]
    assert lively[:, smile].max() > 0.2
    assert flat[:, smile].max() == 0.0


def test_prosody_is_added_to_blendshape_targets_only_when_asked() -> None:
    t = np.arange(3 * SAMPLE_RATE) / SAMPLE_RATE
    audio = _tone(150 * 2 ** (0.6 * np.sin(2 * np.pi * 1.5 * t)))
    jaw = np.zeros((75, arkit.COUNT), np.float32)
    jaw[:, arkit.INDEX["jawOpen"]] = 0.3
    arrays = {"audio": audio, "valid": np.ones(75, bool), "blendshapes": jaw}
    plain = clip_from_arrays("u", arrays, "blendshapes")
    assert np.array_equal(plain.targets, jaw)
    emotional = clip_from_arrays("u", arrays, "blendshapes", prosody=True)
    assert emotional.targets[:, arkit.INDEX["mouthSmileLeft"]].max() > 0.2
    assert np.array_equal(
        emotional.targets[:, arkit.INDEX["jawOpen"]], jaw[:, arkit.INDEX["jawOpen"]]
    )
