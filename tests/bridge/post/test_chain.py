"""The post chain: real speech then silence ends at rest; delays stay aligned; steps switch off."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from talkrig.bridge.audio.file_source import decode_file
from talkrig.bridge.post.chain import PostChain, PostConfig, frame_audio_slice
from talkrig.bridge.post.profile import load_profile
from talkrig.models import arkit
from talkrig.models.card import ModelCard
from tests.bridge.post.helpers import HOP, noise_at_dbfs

JAW = arkit.INDEX["jawOpen"]
MOUTH = sorted(arkit.MOUTH_RELATED)
SILENT_FRAME = np.zeros(HOP, np.float32)


def _mumbling(rng: np.random.Generator) -> np.ndarray:
    """What a model says about any frame: a half-open mouth with some jitter, (52,)."""
    values = np.clip(rng.normal(0.1, 0.05, 52), 0, 1).astype(np.float32)
    values[JAW] = 0.5 + rng.normal(0, 0.05)
    return values


def _frames(card: ModelCard, audio: np.ndarray) -> list[np.ndarray]:
    """The predicted frame's audio of every window, as the engine slices it."""
    part = frame_audio_slice(card)
    count = 1 + (len(audio) - card.window_samples) // card.hop_samples
    starts = range(0, count * card.hop_samples, card.hop_samples)
    return [audio[s : s + card.window_samples][part] for s in starts]


def test_frame_audio_slice_is_the_frame_before_the_lookahead(blend_card: ModelCard) -> None:
    # The paper's centred 280 ms window: 3 frames of past, the predicted one, 3 of future.
    assert frame_audio_slice(blend_card) == slice(3 * HOP, 4 * HOP)


def test_real_speech_then_silence_ends_at_rest(shared_data: Path, blend_card: ModelCard) -> None:
    speech = decode_file(shared_data / "speech" / "p240_00000.mp3")
    audio = np.concatenate([speech, np.zeros(16_000, np.float32)])
    chain = PostChain(blend_card, PostConfig(seed=1), np.zeros(52, np.float32))
    rng = np.random.default_rng(0)
    outputs = [chain(_mumbling(rng), frame) for frame in _frames(blend_card, audio)]
    speech_frames = len(speech) // HOP - 7
    voiced = [out.voiced for out in outputs]
    assert np.mean(voiced[:speech_frames]) > 0.9
    assert max(out.values[JAW] for out in outputs[:speech_frames]) > 0.4
    last = outputs[-1]
    assert not last.voiced
    np.testing.assert_array_equal(last.values[MOUTH], 0.0)
    assert all(out.values.dtype == np.float32 and out.values.shape == (52,) for out in outputs)
    assert all(np.all((out.values >= 0) & (out.values <= 1)) for out in outputs)


def test_landmarks_ease_to_the_models_rest_pose(landmark_card: ModelCard) -> None:
    rng = np.random.default_rng(4)
    rest = rng.random((68, 2)).astype(np.float32)
    chain = PostChain(landmark_card, PostConfig(blink=False), rest)
    loud = noise_at_dbfs(-20.0)
    talking = rest + 0.1
    for _ in range(10):
        out = chain(talking, loud)
        assert out.voiced and out.avatar_values == ()
    np.testing.assert_allclose(out.values, talking, atol=1e-5)
    for _ in range(10):
        out = chain(talking, SILENT_FRAME)
    assert not out.voiced
    np.testing.assert_allclose(out.values, rest, atol=1e-6)


@pytest.mark.parametrize(("lookahead", "hold"), [(0, 2), (1, 2), (2, 2), (1, 3), (1, 1)])
def test_gate_decision_is_delayed_like_the_smoothed_values(
    blend_card: ModelCard, lookahead: int, hold: int
) -> None:
    config = PostConfig(savgol_lookahead=lookahead, blink=False, gate_hold_frames=hold)
    chain = PostChain(blend_card, config, np.zeros(52, np.float32))
    assert chain.delay_frames == lookahead
    loud = noise_at_dbfs(-20.0)
    audio = [loud] * 20 + [SILENT_FRAME] * 20
    voiced = [chain(np.full(52, 0.5, np.float32), frame).voiced for frame in audio]
    # Silence starts at frame 20; the gate closes after `hold` frames of it, seen L frames later.
    assert voiced.index(False) == 20 + hold - 1 + lookahead


def test_the_default_gate_closes_after_two_quiet_frames_and_eases_in_three(
    blend_card: ModelCard,
) -> None:
    chain = PostChain(blend_card, PostConfig(blink=False, smoothing=False), np.zeros(52))
    audio = [noise_at_dbfs(-20.0)] * 10 + [SILENT_FRAME] * 6
    jaw = [float(chain(np.full(52, 0.6, np.float32), frame).values[0]) for frame in audio]
    # 80 ms of quiet closes it; then 0.4, 0.2, 0: at rest 120 ms after closing
    np.testing.assert_allclose(jaw[9:15], [0.6, 0.6, 0.4, 0.2, 0.0, 0.0], atol=1e-6)


def test_every_step_can_be_switched_off(blend_card: ModelCard) -> None:
    config = PostConfig(smoothing=False, one_euro=False, gate=False, blink=False)
    chain = PostChain(blend_card, config, np.zeros(52, np.float32))
    assert chain.delay_frames == 0
    rng = np.random.default_rng(5)
    for _ in range(20):
        raw = rng.random(52).astype(np.float32)
        out = chain(raw, SILENT_FRAME)
        assert out.voiced
        np.testing.assert_array_equal(out.values, raw)


def test_one_euro_smooths_when_switched_on(blend_card: ModelCard) -> None:
    config = PostConfig(smoothing=False, one_euro=True, gate=False, blink=False)
    chain = PostChain(blend_card, config, np.zeros(52, np.float32))
    chain(np.zeros(52, np.float32), SILENT_FRAME)
    out = chain(np.ones(52, np.float32), SILENT_FRAME)
    assert 0.0 < out.values[0] < 0.5


def test_profile_applies_to_blendshapes_and_swaps(blend_card: ModelCard) -> None:
    config = PostConfig(gate=False, blink=False, smoothing=False)
    chain = PostChain(blend_card, config, np.zeros(52, np.float32), load_profile("vrm0_vowels"))
    raw = np.zeros(52, np.float32)
    raw[JAW] = 0.9
    out = chain(raw, SILENT_FRAME)
    assert [name for name, _ in out.avatar_values] == [
        "A",
        "I",
        "U",
        "E",
        "O",
        "Blink_L",
        "Blink_R",
    ]
    chain.set_profile(load_profile("perfect_sync"))
    assert dict(chain(raw, SILENT_FRAME).avatar_values)["JawOpen"] == pytest.approx(0.9)
    chain.set_profile(None)
    assert chain(raw, SILENT_FRAME).avatar_values == ()


def test_landmark_models_ignore_profiles(landmark_card: ModelCard) -> None:
    rest = np.zeros((68, 2), np.float32)
    chain = PostChain(landmark_card, PostConfig(), rest, load_profile("perfect_sync"))
    assert chain.profile is None
    assert chain(rest, SILENT_FRAME).avatar_values == ()


def test_reset_replays_the_same_stream(blend_card: ModelCard) -> None:
    chain = PostChain(blend_card, PostConfig(seed=3, blink_interval_s=1.0), np.zeros(52))
    rng = np.random.default_rng(6)
    raws = [rng.random(52).astype(np.float32) for _ in range(60)]
    audio = [noise_at_dbfs(-30.0 if i % 20 < 12 else -70.0, seed=i) for i in range(60)]
    first = [chain(r, a).values for r, a in zip(raws, audio, strict=True)]
    chain.reset()
    again = [chain(r, a).values for r, a in zip(raws, audio, strict=True)]
    np.testing.assert_array_equal(np.stack(first), np.stack(again))


def test_wrong_shapes_are_refused(blend_card: ModelCard) -> None:
    with pytest.raises(ValueError, match="rest pose"):
        PostChain(blend_card, PostConfig(), np.zeros((68, 2)))
    chain = PostChain(blend_card, PostConfig(), np.zeros(52))
    with pytest.raises(ValueError, match="model output"):
        chain(np.zeros(51, np.float32), SILENT_FRAME)
