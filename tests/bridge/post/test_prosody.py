"""The emotional family's upper face follows the voice's pitch and loudness as it streams."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from talkrig.bridge.post.chain import PostChain, PostConfig
from talkrig.bridge.post.prosody import (
    BROW_MAX,
    BROWS,
    CHEEKS,
    SMILE,
    SMILE_MAX,
    ProsodyFace,
    pitch_hz,
)
from talkrig.bridge.post.silence_gate import level_dbfs
from talkrig.models import arkit
from talkrig.models.card import ModelCard
from talkrig.models.contract import Family
from tests.bridge.post.helpers import HOP, noise_at_dbfs

JAW = arkit.INDEX["jawOpen"]
RATE = 16_000


def _voice(pitches_hz: list[float], frames_each: int = 5) -> list[np.ndarray]:
    """A buzzy voice (a pulse train's first harmonics) holding each pitch ``frames_each``
    frames, phase-continuous, at about -12 dBFS: its 40 ms frames in order."""
    f0 = np.repeat(np.asarray(pitches_hz, np.float64), frames_each * HOP)
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    audio = sum(np.sin(k * phase) / k for k in range(1, 6))
    audio = (0.25 * audio / np.abs(audio).max()).astype(np.float32)
    return [audio[i : i + HOP] for i in range(0, len(audio), HOP)]


def _run(face: ProsodyFace, frames: list[np.ndarray], jaw: float) -> np.ndarray:
    values = np.zeros(52, np.float32)
    values[JAW] = jaw
    out = [face.apply(values, face.analyse(f, level_dbfs(f))) for f in frames]
    return np.stack(out)


def test_pitch_of_a_voice_and_of_noise() -> None:
    frames = _voice([150.0], frames_each=2)
    f0, periodic = pitch_hz(np.concatenate(frames))
    assert f0 == pytest.approx(150.0, rel=0.02)
    assert periodic > 0.9
    assert pitch_hz(noise_at_dbfs(-20.0, 2 * HOP))[1] < 0.45
    assert pitch_hz(np.zeros(2 * HOP, np.float32)) == (0.0, 0.0)
    assert pitch_hz(np.ones(8, np.float32)) == (0.0, 0.0)  # shorter than one period


def test_a_monotone_voice_keeps_the_brows_down_and_does_not_smile() -> None:
    out = _run(ProsodyFace(), _voice([120.0] * 40), jaw=0.3)
    assert out[:, list(BROWS)].max() < 0.02
    assert out[:, list(SMILE)].max() < 0.02


def test_a_lively_voice_raises_the_brows_on_high_notes_and_smiles() -> None:
    # syllables jumping between 110 and 240 Hz (13.5 semitones): a wide, lively pitch range
    pitches = [110.0, 240.0, 130.0, 200.0, 115.0, 230.0, 125.0, 180.0] * 5
    frames = _voice(pitches)
    out = _run(ProsodyFace(), frames, jaw=0.3)
    brows = out[:, BROWS[0]]
    note = np.repeat(pitches, 5)[: len(out)]
    late = np.arange(len(out)) > 60  # once the voice's median is known
    high, low = brows[(note >= 200) & late].mean(), brows[(note <= 130) & late].mean()
    assert high > 0.15
    assert low < 0.4 * high  # (what is left of the last high note, easing down)
    assert out[-1, SMILE[0]] > 0.6 * SMILE_MAX  # smile eases in as the spread shows
    assert out[-1, CHEEKS[0]] == pytest.approx(0.6 * out[-1, SMILE[0]])
    assert out.max() <= max(BROW_MAX, SMILE_MAX)


def test_a_pitched_sound_while_the_model_keeps_the_mouth_shut_moves_nothing() -> None:
    """Music is pitched and lively too; only a face that talks takes its prosody."""
    pitches = [110.0, 240.0, 130.0, 200.0, 115.0, 230.0, 125.0, 180.0] * 5
    out = _run(ProsodyFace(), _voice(pitches), jaw=0.02)
    assert out[:, [*BROWS, *SMILE, *CHEEKS]].max() == 0.0


def test_the_smile_eases_off_after_the_voice_stops() -> None:
    face = ProsodyFace()
    pitches = [110.0, 240.0, 130.0, 200.0, 115.0, 230.0, 125.0, 180.0] * 5
    talking = _run(face, _voice(pitches), jaw=0.3)
    quiet = _run(face, [np.zeros(HOP, np.float32)] * 30, jaw=0.0)
    assert talking[-1, SMILE[0]] > 0.2
    assert quiet[-1, SMILE[0]] < 0.02
    assert quiet[:, BROWS[0]].max() < talking[:, BROWS[0]].max()


@pytest.mark.parametrize(
    ("family", "prosody", "follows"),
    [
        (Family.EMOTIONAL, True, True),
        (Family.EMOTIONAL, False, False),
        (Family.NEUTRAL, True, False),
    ],
)
def test_the_chain_applies_it_to_emotional_models_only(
    blend_card: ModelCard, family: Family, prosody: bool, follows: bool
) -> None:
    card = dataclasses.replace(blend_card, family=family)
    chain = PostChain(card, PostConfig(prosody=prosody, blink=False, seed=0), np.zeros(52))
    values = np.zeros(52, np.float32)
    values[JAW], values[SMILE[0]], values[BROWS[0]] = 0.3, 0.25, 0.1  # the network's own
    pitches = [110.0, 240.0, 130.0, 200.0, 115.0, 230.0, 125.0, 180.0] * 5
    out = np.stack([chain(values, f).values for f in _voice(pitches)])
    brows, smile = out[20:, BROWS[0]], out[20:, SMILE[0]]
    if follows:  # the voice's: brows rise and fall with the notes, the smile grows
        assert brows.max() - brows.min() > 0.15
        assert smile[-1] != pytest.approx(0.25, abs=0.02)
    else:  # the network's own values, smoothed
        assert brows == pytest.approx(0.1, abs=1e-3)
        assert smile == pytest.approx(0.25, abs=1e-3)
    chain.reset()  # a new stream forgets the voice
    first = chain(values, _voice([120.0])[0]).values
    assert first[SMILE[0]] == pytest.approx(0.0 if follows else 0.25, abs=1e-3)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1e30])
def test_garbage_audio_leaves_the_upper_face_finite_and_the_voice_remembered(bad: float) -> None:
    """A burst of non-finite or absurd samples mid-stream: every value stays finite and the
    voice heard before it still sets the brows and the smile after it."""
    face = ProsodyFace()
    pitches = [110.0, 240.0, 130.0, 200.0, 115.0, 230.0, 125.0, 180.0] * 5
    before = _run(face, _voice(pitches), jaw=0.3)
    junk = np.full(HOP, bad, np.float32)
    semitone, level = face.analyse(junk, level_dbfs(junk))
    assert np.isfinite(level) and (np.isnan(semitone) or np.isfinite(semitone))
    values = np.zeros(52, np.float32)
    values[JAW] = 0.3
    during = face.apply(values, (semitone, level))
    after = _run(face, _voice(pitches), jaw=0.3)
    assert np.isfinite(during).all() and np.isfinite(after).all()
    assert after[:, BROWS[0]].max() > 0.15  # the voice's median survived the burst
    assert before[-1, SMILE[0]] > 0.2 and after[-1, SMILE[0]] > 0.2
