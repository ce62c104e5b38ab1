"""Non-finite input: every step ignores NaN/±inf and recovers; only finite values come out."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import savgol_coeffs

from talkrig.bridge.post.blink import Blinker
from talkrig.bridge.post.chain import PostChain, PostConfig
from talkrig.bridge.post.one_euro import OneEuro
from talkrig.bridge.post.profile import load_profile
from talkrig.bridge.post.savgol import SavitzkyGolay
from talkrig.bridge.post.silence_gate import SilenceGate, level_dbfs
from talkrig.models import arkit
from talkrig.models.card import ModelCard
from tests.bridge.post.helpers import HOP, noise_at_dbfs

JAW = arkit.INDEX["jawOpen"]
BAD = (np.nan, np.inf, -np.inf)
SILENT = np.zeros(HOP, np.float32)


def _ramp(n: int) -> list[np.ndarray]:
    """A smooth (52,) stream: every value follows a slow sine, float32."""
    t = np.arange(n)[:, None] / 25.0
    return list((0.5 + 0.4 * np.sin(2 * np.pi * 0.7 * t + np.arange(52) / 9)).astype(np.float32))


@pytest.mark.parametrize("bad", BAD)
def test_savgol_holds_a_bad_frame_and_forgets_it_after_one_window(bad: float) -> None:
    frames = _ramp(40)
    dirty = [f.copy() for f in frames]
    dirty[10][:] = bad
    dirty[11][JAW] = bad  # a partial one too
    clean_filter, dirty_filter = SavitzkyGolay(), SavitzkyGolay()
    clean = [clean_filter(f) for f in frames]
    out = [dirty_filter(f) for f in dirty]
    assert all(np.isfinite(o).all() for o in out)
    # Once the window (7 frames) has moved past the burst, the output is the clean stream's.
    np.testing.assert_allclose(out[19:], clean[19:], atol=1e-6)


def test_savgol_first_frame_bad_starts_at_zero() -> None:
    smooth = SavitzkyGolay(lookahead=0)
    first = smooth(np.full(52, np.nan, np.float32))
    np.testing.assert_array_equal(first, np.zeros(52, np.float32))


@pytest.mark.parametrize("bad", BAD)
def test_one_euro_survives_one_bad_frame(bad: float) -> None:
    flt = OneEuro(min_cutoff=1.0, beta=0.5)
    for _ in range(5):
        flt(np.full(52, 0.2, np.float32))
    held = flt(np.full(52, bad, np.float32))
    np.testing.assert_allclose(held, 0.2, atol=1e-6)  # the bad frame is ignored
    outs = [flt(np.full(52, 0.8, np.float32)) for _ in range(100)]
    assert all(np.isfinite(o).all() for o in outs)
    np.testing.assert_allclose(outs[-1], 0.8, atol=1e-3)  # and the filter still follows


def test_one_euro_first_frame_bad_is_zero_then_follows() -> None:
    flt = OneEuro()
    np.testing.assert_array_equal(flt(np.full(4, np.nan, np.float32)), np.zeros(4, np.float32))
    outs = [flt(np.full(4, 1.0, np.float32)) for _ in range(200)]
    np.testing.assert_allclose(outs[-1], 1.0, atol=1e-3)


def test_level_is_finite_and_capped_for_any_audio() -> None:
    assert level_dbfs(np.full(HOP, np.inf, np.float32)) == -120.0
    assert level_dbfs(np.full(HOP, np.nan, np.float32)) == -120.0
    assert level_dbfs(np.full(HOP, 1e30, np.float32)) == 0.0
    half = noise_at_dbfs(-20.0)
    mixed = half.copy()
    mixed[::2] = np.nan  # the finite half still has a level near -20 dBFS
    assert abs(level_dbfs(mixed) + 20.0) < 1.0


@pytest.mark.parametrize("burst", [np.inf, 1e30, np.nan])
def test_gate_opens_again_after_a_burst(burst: float) -> None:
    gate = SilenceGate()
    talking = np.full(52, 0.5, np.float32)
    for _ in range(5):
        assert gate(talking, noise_at_dbfs(-20.0))[1]
    for _ in range(25):  # one second of burst
        gate(talking, np.full(HOP, burst, np.float32))
    for _ in range(5):
        gate(talking, np.zeros(HOP, np.float32))
    assert not gate.is_open
    # Normal speech right after the burst opens the gate (an infinite peak kept it shut).
    assert gate(talking, noise_at_dbfs(-20.0))[1]


def test_gate_takes_a_nan_level_as_silence() -> None:
    gate = SilenceGate()
    for _ in range(5):
        gate.step(np.ones(52, np.float32), float("nan"))
    assert not gate.is_open
    assert np.isfinite(gate.thresholds()).all()


def test_blink_gives_way_over_a_nan_eye() -> None:
    blinker = Blinker(interval_s=0.2, jitter_s=0.0, probability=1.0, seed=0)
    eyes = [arkit.INDEX["eyeBlinkLeft"], arkit.INDEX["eyeBlinkRight"]]
    values = np.zeros(52, np.float32)
    values[eyes] = np.nan
    closures = [blinker(values)[eyes] for _ in range(12)]
    assert any(np.isfinite(c).all() and (c > 0).all() for c in closures)


def test_profile_turns_non_finite_into_rest() -> None:
    profile = load_profile("perfect_sync")
    values = np.full(52, 0.5, np.float32)
    values[:3] = BAD
    out, avatar = profile.apply(values)
    assert np.isfinite(out).all() and out[0] == 0.0
    assert all(np.isfinite(v) for _, v in avatar)


@pytest.mark.parametrize("bad", BAD)
def test_chain_replaces_a_bad_model_frame_by_the_last_good_one(
    bad: float, blend_card: ModelCard
) -> None:
    config = PostConfig(smoothing=False, blink=False, gate=False, one_euro=True)
    chain = PostChain(blend_card, config, np.zeros(52, np.float32))
    audio = noise_at_dbfs(-20.0)
    good = np.full(52, 0.3, np.float32)
    first = chain(good, audio)
    broken = good.copy()
    broken[JAW] = bad
    out = chain(broken, audio)
    assert out.replaced and chain.replaced_frames == 1
    np.testing.assert_allclose(out.values, first.values)
    later = [chain(np.full(52, 0.7, np.float32), audio) for _ in range(100)]
    assert not any(o.replaced for o in later)
    np.testing.assert_allclose(later[-1].values, 0.7, atol=1e-3)  # One-Euro not poisoned


def test_chain_starts_from_rest_when_the_first_frame_is_bad(landmark_card: ModelCard) -> None:
    rest = np.arange(136, dtype=np.float32).reshape(68, 2)
    chain = PostChain(landmark_card, PostConfig(blink=False), rest)
    out = chain(np.full((68, 2), np.nan, np.float32), np.zeros(HOP, np.float32))
    assert out.replaced
    np.testing.assert_array_equal(out.values, rest)


@pytest.mark.filterwarnings("ignore:overflow encountered in cast")
def test_chain_output_guard_catches_a_float32_overflow(landmark_card: ModelCard) -> None:
    # Savitzky-Golay weights of both signs: frames of ±float32 max in the weights' signs sum to
    # sum(|h|) × max, past float32's range.
    config = PostConfig(blink=False, gate=False)
    chain = PostChain(landmark_card, config, np.zeros((68, 2), np.float32))
    weights = savgol_coeffs(config.savgol_window, config.savgol_order, pos=5, use="dot")
    assert np.abs(weights).sum() > 1.0
    big = np.finfo(np.float32).max
    outs = [chain(np.full((68, 2), big * np.sign(w), np.float32), SILENT) for w in weights]
    assert outs[-1].replaced  # the overflow did happen, and was caught
    assert all(np.isfinite(o.values).all() for o in outs)
