"""Silence gate: closes the mouth on silence, hysteresis between thresholds, opens at once."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from talkrig.bridge.audio.file_source import decode_file
from talkrig.bridge.post.silence_gate import SILENCE_DB, SilenceGate, level_dbfs
from talkrig.models import arkit
from tests.bridge.post.helpers import HOP, noise_at_dbfs

JAW = arkit.INDEX["jawOpen"]
LOUD = noise_at_dbfs(-20.0)
BETWEEN = noise_at_dbfs(-46.0)  # between close (-50) and open (-42)
SILENCE = np.zeros(HOP, np.float32)


def _talking() -> np.ndarray:
    values = np.zeros(52, np.float32)
    values[JAW] = 0.6
    return values


def _opened(**kwargs: int) -> SilenceGate:
    gate = SilenceGate(**kwargs)
    _, voiced = gate(_talking(), LOUD)
    assert voiced
    return gate


def test_level_dbfs() -> None:
    t = np.arange(16_000) / 16_000
    assert level_dbfs(np.sin(2 * np.pi * 440 * t)) == pytest.approx(-3.01, abs=0.01)
    assert level_dbfs(noise_at_dbfs(-37.5)) == pytest.approx(-37.5, abs=1e-6)
    assert level_dbfs(SILENCE) == SILENCE_DB
    assert level_dbfs(np.zeros(0)) == SILENCE_DB


@pytest.mark.parametrize(("hold", "release"), [(3, 3), (1, 0), (2, 5)])
def test_silence_closes_the_mouth(hold: int, release: int) -> None:
    gate = _opened(hold_frames=hold, release_frames=release)
    jaw, voiced = [], []
    for _ in range(hold + release):
        out, v = gate(_talking(), SILENCE)
        jaw.append(float(out[JAW]))
        voiced.append(v)
    assert voiced[: hold - 1] == [True] * (hold - 1)  # held open while the hold lasts
    assert voiced[hold - 1 :] == [False] * (release + 1)
    assert jaw[-1] < 0.05
    assert all(later <= earlier for earlier, later in itertools.pairwise(jaw))


def test_hysteresis_keeps_the_state_between_thresholds() -> None:
    gate = _opened()
    for _ in range(20):
        out, voiced = gate(_talking(), BETWEEN)
        assert voiced and out[JAW] == pytest.approx(0.6)
    closed = SilenceGate()
    for _ in range(20):
        out, voiced = closed(_talking(), BETWEEN)
        assert not voiced and out[JAW] == 0.0


def test_a_level_between_thresholds_restarts_the_hold() -> None:
    gate = _opened(hold_frames=3)
    for audio in (SILENCE, SILENCE, BETWEEN, SILENCE, SILENCE):
        _, voiced = gate(_talking(), audio)
        assert voiced
    assert gate(_talking(), SILENCE)[1] is False


def test_opening_is_immediate() -> None:
    gate = _opened()
    for _ in range(10):
        gate(_talking(), SILENCE)
    out, voiced = gate(_talking(), LOUD)
    assert voiced
    np.testing.assert_array_equal(out, _talking())


def test_starts_closed_at_the_rest_pose() -> None:
    rest = np.full((68, 2), 0.5, np.float32)
    gate = SilenceGate(rest=rest)
    out, voiced = gate(np.zeros((68, 2), np.float32), SILENCE)
    assert not voiced
    np.testing.assert_array_equal(out, rest)


@settings(max_examples=50, deadline=None)
@given(
    values=arrays(np.float32, 52, elements=st.floats(0, 1, width=32)),
    levels=st.lists(st.floats(-130, 0), min_size=1, max_size=30),
)
def test_output_lies_between_rest_and_values(values: np.ndarray, levels: list[float]) -> None:
    gate = SilenceGate()
    for level in levels:
        out, voiced = gate.step(values, level)
        assert np.all(out >= -1e-7) and np.all(out <= values + 1e-7)
        if voiced:
            np.testing.assert_array_equal(out, values)


def test_rejects_bad_settings_and_shapes() -> None:
    with pytest.raises(ValueError, match="close_db"):
        SilenceGate(open_db=-50.0, close_db=-42.0)
    with pytest.raises(ValueError, match="hold_frames"):
        SilenceGate(hold_frames=0)
    gate = SilenceGate(rest=np.zeros(52, np.float32))
    with pytest.raises(ValueError, match="rest pose"):
        gate(np.zeros((68, 2), np.float32), SILENCE)


def test_a_breath_in_loud_speech_closes_the_mouth() -> None:
    # read speech peaking at -9 dBFS breathes at -45..-50 dBFS: above the fixed -50 floor
    breath = noise_at_dbfs(-46.0)
    follows, fixed = SilenceGate(), SilenceGate(relative_db=None)
    for gate in (follows, fixed):
        for _ in range(2):  # a vowel: two frames
            assert gate(_talking(), noise_at_dbfs(-9.0))[1]
    assert follows.thresholds() == pytest.approx((-36.0, -44.0))
    assert fixed.thresholds() == (-42.0, -50.0)
    voiced = [follows(_talking(), breath)[1] for _ in range(4)]
    assert voiced == [True, False, False, False]  # the usual 2-frame hold
    assert all(fixed(_talking(), breath)[1] for _ in range(20))


def test_a_quiet_voice_keeps_the_fixed_thresholds() -> None:
    gate = _opened()  # LOUD is -20 dBFS: 35 dB below it is under the -50 floor
    assert gate.thresholds() == (-42.0, -50.0)
    assert all(gate(_talking(), BETWEEN)[1] for _ in range(20))


def test_the_remembered_peak_fades() -> None:
    gate = SilenceGate(peak_decay_db=0.12)
    for _ in range(2):
        gate(_talking(), noise_at_dbfs(-5.0))
    for _ in range(10):
        gate(_talking(), SILENCE)
    assert gate(_talking(), noise_at_dbfs(-38.0))[1] is False  # opens only above -32 now
    for _ in range(300):  # 12 s of silence at 25 frames/s: 36 dB of decay
        gate(_talking(), SILENCE)
    assert gate.thresholds() == (-42.0, -50.0)
    assert gate(_talking(), noise_at_dbfs(-38.0))[1] is True
    gate.reset()
    assert gate.thresholds() == (-42.0, -50.0)


def test_a_click_does_not_raise_the_thresholds() -> None:
    gate = _opened()
    voice = noise_at_dbfs(-25.0)
    for level in (voice, noise_at_dbfs(-1.0), voice, voice):  # a knock on the desk mid-sentence
        gate(_talking(), level)
    assert gate.thresholds() == (-42.0, -50.0)  # -1 dBFS lasted one frame: the voice's -25 counts
    for _ in range(2):
        gate(_talking(), noise_at_dbfs(-1.0))  # a shout: two frames
    assert gate.thresholds() == pytest.approx((-28.0, -36.0))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"relative_db": 0.0}, "relative_db"),
        ({"relative_db": -3.0}, "relative_db"),
        ({"peak_decay_db": -0.1}, "peak_decay_db"),
        ({"peak_decay_db": float("nan")}, "peak_decay_db"),
    ],
)
def test_rejects_bad_peak_settings(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SilenceGate(**kwargs)  # type: ignore[arg-type]


def test_on_real_speech_the_peak_closes_only_the_breath(shared_data: Path) -> None:
    """Inside real sentences (first to last frame within 20 dB of the loudest) the peak-relative
    thresholds must not shut the mouth where the fixed ones kept it open, except in the one
    breath of 1320_00000 (frames 16-19, -45..-50 dBFS in a -9 dBFS voice)."""
    clips = sorted((shared_data / "speech").glob("*.mp3")) + sorted(
        (shared_data / "grid").glob("*.mpg")
    )
    assert len(clips) == 6
    newly_closed = {}
    for clip in clips:
        audio = decode_file(clip)
        levels = [level_dbfs(audio[i : i + HOP]) for i in range(0, len(audio) - HOP + 1, HOP)]
        loud = np.nonzero(np.array(levels) > max(levels) - 20)[0]
        voiced = {}
        for name, gate in (("fixed", SilenceGate(relative_db=None)), ("follow", SilenceGate())):
            voiced[name] = np.array([gate.step(_talking(), level)[1] for level in levels])
        span = np.arange(loud[0], loud[-1] + 1)
        newly_closed[clip.stem] = span[voiced["fixed"][span] & ~voiced["follow"][span]].tolist()
    assert newly_closed.pop("1320_00000") == [16, 17, 18, 19]
    assert all(frames == [] for frames in newly_closed.values()), newly_closed
