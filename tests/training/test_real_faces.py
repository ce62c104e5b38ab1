"""Models from real faces: the held-out list, the time rule of a training target, the voice
copies and non-speech negatives, and the judge's shift search."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from talkrig.models.contract import HOP_SAMPLES, SAMPLE_RATE
from talkrig.training.data.holdout import held_out, without_held_out
from talkrig.training.data.manifest import Utterance
from talkrig.training.data.nonspeech import PROGRAMS, NonSpeechError, mix_under, nonspeech_set
from talkrig.training.judging import judge
from talkrig.training.learning.config import ConfigError, TrainConfig
from talkrig.training.learning.dataset import Clip, SegmentDataset
from talkrig.training.learning.fit import network_for
from talkrig.training.learning.frontends import LogMagnitude
from talkrig.training.learning.real_mix import (
    MixSettings,
    mixed_clips,
    rest_face,
    retime,
    warp_formants,
)
from tests.conftest import need


def test_the_held_out_list_is_ten_percent_of_s1_and_holds_the_shared_clip(
    shared_data: Path,
) -> None:
    names = held_out()
    assert len(names) == 100 and "bbaf2n" in names
    s1 = shared_data / "grid_s1" / "s1"
    need(s1.is_dir(), f"{s1} is missing")
    assert all((s1 / f"{name}.mkv").is_file() for name in names)
    # the other speakers' shared clips are not s1's, so they are not on s1's list
    assert not {"lbax4n", "id2_vcd_swwp2s"} & names


def test_training_never_sees_a_held_out_utterance() -> None:
    def row(stem: str) -> Utterance:
        return Utterance(f"grid-s1-{stem}", "grid", "s1", f"/x/s1/{stem}.mkv", 25.0, 16000, 3.0)

    kept = without_held_out([row("bbaf2n"), row("bbal8p"), row("zzzz9z")])
    assert [u.id for u in kept] == ["grid-s1-zzzz9z"]


@pytest.mark.parametrize("lookahead", [0, HOP_SAMPLES, 3 * HOP_SAMPLES])
def test_a_target_is_the_face_at_its_window_end_minus_the_look_ahead(lookahead: int) -> None:
    frames, window = 20, 7 * HOP_SAMPLES
    audio = np.arange(frames * HOP_SAMPLES, dtype=np.float32) + 1.0  # sample i holds i + 1
    clip = Clip("c", audio, np.zeros((frames, 1), np.float32), np.ones(frames, bool))
    data = SegmentDataset([clip], 1, window, HOP_SAMPLES, lookahead)
    for t in (0, 5, frames - 1):
        x = data[t][0].numpy()
        end = t * HOP_SAMPLES + lookahead  # the window ends L samples after frame t's instant
        inside = np.array([i for i in range(end - window, end) if 0 <= i < len(audio)], int)
        expected = np.zeros(window, np.float32)
        expected[inside - (end - window)] = audio[inside]
        np.testing.assert_array_equal(x, expected)


def test_best_shift_finds_a_late_face() -> None:
    rng = np.random.default_rng(0)
    truth = [rng.normal(size=200).cumsum() for _ in range(3)]
    late = [np.concatenate([np.zeros(3), t[:-3]]) for t in truth]  # 3 frames = 120 ms late
    ms, r = judge.best_shift(late, truth)
    assert ms == pytest.approx(-120.0) and r > 0.99
    assert judge.best_shift(truth, truth)[0] == 0.0


def _speechlike(seconds: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    envelope = (np.sin(2 * np.pi * 3 * t) > 0).astype(float)
    return (0.3 * envelope * np.sin(2 * np.pi * 150 * t * (1 + 0.1 * rng.random()))).astype(
        np.float32
    )


def test_retime_follows_a_faster_voice() -> None:
    frames = 50
    targets = np.linspace(0, 1, frames, dtype=np.float32)[:, None]
    clip = Clip("c", np.zeros(frames * HOP_SAMPLES, np.float32), targets, np.ones(frames, bool))
    faster = retime(clip, 1.25, np.zeros(40 * HOP_SAMPLES, np.float32))
    assert len(faster.targets) == 40
    # frame k of the faster take shows what frame 1.25 k of the original showed
    assert faster.targets[20, 0] == pytest.approx(targets[25, 0], abs=1e-6)


def test_formant_warp_moves_the_spectrum_up_and_keeps_the_timing() -> None:
    rng = np.random.default_rng(1)
    audio = _speechlike(1.0, rng)

    def centroid(x: np.ndarray) -> float:
        spectrum = np.abs(np.fft.rfft(x))
        return float((spectrum * np.arange(len(spectrum))).sum() / spectrum.sum())

    up = warp_formants(audio, 1.15)
    assert len(up) == len(audio)
    assert centroid(up) > 1.08 * centroid(audio)
    with pytest.raises(ValueError, match="formant warp"):
        warp_formants(audio, 3.0)


def _fluidsynth() -> None:
    need(shutil.which("fluidsynth") is not None, "fluidsynth is not installed (apt)")


def test_nonspeech_sets_are_sound_and_disjoint() -> None:
    _fluidsynth()
    judge_set, again = nonspeech_set("judge", 2.0, pieces=2), nonspeech_set("judge", 2.0, pieces=2)
    train_set = nonspeech_set("train", 2.0, pieces=2)
    dev_set = nonspeech_set("dev", 2.0, pieces=2)
    played = [{p for ps in PROGRAMS[split].values() for p in ps} for split in PROGRAMS]
    assert sum(len(p) for p in played) == len(set().union(*played))  # no instrument in two sets
    assert set(judge_set) == {"music-0", "music-1", "noise-white", "noise-pink", "noise-brown",
                              "keyboard", "fan-hum"}  # fmt: skip
    for name, audio in judge_set.items():
        np.testing.assert_array_equal(audio, again[name])  # seeded
        assert np.isfinite(audio).all() and np.abs(audio).max() <= 1.0
        assert np.sqrt(np.mean(audio**2)) > 1e-3, name  # not silence
    noise_rms = np.sqrt(np.mean(judge_set["noise-pink"] ** 2))
    assert 20 * np.log10(noise_rms) == pytest.approx(-30.0, abs=0.1)
    assert not np.allclose(judge_set["music-0"], train_set["music-0"])
    for name in ("music-0", "noise-white", "keyboard"):
        assert not np.allclose(dev_set[name], train_set[name])
        assert not np.allclose(dev_set[name], judge_set[name])
    with pytest.raises(ValueError, match="split"):
        nonspeech_set("test")


def test_missing_soundfont_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from talkrig.training.data import nonspeech

    monkeypatch.setattr(nonspeech, "SOUNDFONTS", (Path("/nonexistent.sf2"),))
    with pytest.raises(NonSpeechError, match="apt-get install fluidsynth timgm6mb-soundfont"):
        nonspeech.soundfont()


def test_music_under_speech_sits_at_the_level_asked() -> None:
    rng = np.random.default_rng(2)
    speech = _speechlike(2.0, rng)
    bed = rng.normal(size=8000).astype(np.float32)
    mixed = mix_under(speech, bed, 10.0)
    added = mixed - speech
    frames = speech.reshape(-1, HOP_SAMPLES)
    power = np.sort((frames**2).mean(1))
    active = power[len(power) // 2 :].mean()
    assert 10 * np.log10(active / np.mean(added**2)) == pytest.approx(10.0, abs=0.3)


def test_mixed_clips_add_voice_copies_and_rest_faced_negatives() -> None:
    _fluidsynth()
    clips = []
    for k in range(2):
        t = np.arange(int(1.5 * SAMPLE_RATE)) / SAMPLE_RATE
        voice = (0.3 * np.sin(2 * np.pi * (140 + 20 * k) * t)).astype(np.float32)
        audio = np.concatenate([np.zeros(SAMPLE_RATE // 2, np.float32), voice])
        frames = len(audio) // HOP_SAMPLES
        targets = np.full((frames, 2), 0.5, np.float32)
        targets[: SAMPLE_RATE // 2 // HOP_SAMPLES] = (0.1, 0.2)  # the face in the silence
        clips.append(Clip(f"c{k}", audio, targets, np.ones(frames, bool)))
    rest = rest_face(clips)
    np.testing.assert_allclose(rest, [0.1, 0.2])
    out = mixed_clips(clips, MixSettings(voice_copies=2, nonspeech_clips=3), seed=0)
    assert len(out) == 2 + 4 + 3
    negatives = [c for c in out if c.id.startswith("nonspeech-")]
    assert len(negatives) == 3
    for clip in negatives:
        np.testing.assert_allclose(clip.targets, np.tile(rest, (len(clip.targets), 1)))
    for clip in out:
        assert len(clip.targets) == len(clip.valid) == len(clip.audio) // HOP_SAMPLES
        assert np.isfinite(clip.audio).all()
    again = mixed_clips(clips, MixSettings(voice_copies=2, nonspeech_clips=3), seed=0)
    np.testing.assert_array_equal(out[3].audio, again[3].audio)  # seeded
    # bed and room copies keep the voice's timing, so the face track is the clip's own
    kept = mixed_clips(clips, MixSettings(bed_copies=1, room_copies=1), seed=0)
    assert [c.id.split("~")[0] for c in kept] == ["c0", "c1", "c0", "c0", "c1", "c1"]
    for copy, source in ((kept[2], clips[0]), (kept[3], clips[0]), (kept[5], clips[1])):
        np.testing.assert_array_equal(copy.targets, source.targets)
        assert len(copy.audio) == len(source.audio)
        assert not np.allclose(copy.audio, source.audio)
    # a bed copy's silence now holds the bed: the sound under the voice
    bed = kept[2].audio[: SAMPLE_RATE // 2]
    assert np.sqrt(np.mean(bed**2)) > 1e-3


def test_room_copies_come_in_as_quiet_as_the_recipe_asks() -> None:
    t = np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE
    voice = (0.3 * np.sin(2 * np.pi * 150 * t)).astype(np.float32)
    frames = len(voice) // HOP_SAMPLES
    clips = [Clip("c", voice, np.full((frames, 2), 0.5, np.float32), np.ones(frames, bool))]

    def peaks(gain_db: tuple[float, float]) -> np.ndarray:
        settings = MixSettings(room_copies=40, room_gain_db=gain_db)
        copies = mixed_clips(clips, settings, seed=0)[1:]
        return np.array([20 * np.log10(np.abs(c.audio).max()) for c in copies])

    usual = peaks((-12.0, 3.0))  # the default: -15 to 0 dBFS
    assert usual.min() >= -15.1 and usual.max() <= 0.0
    quiet = peaks((-30.0, 3.0))
    assert quiet.min() >= -33.1 and quiet.min() < -20.0  # some copies as quiet as a far mic
    assert MixSettings().room_gain_db == (-12.0, 3.0)
    assert TrainConfig().room_gain_low_db == -12.0


@pytest.mark.parametrize("value", [-61.0, 4.0, float("nan")])
def test_room_gain_out_of_range_is_one_config_error(value: float) -> None:
    with pytest.raises(ConfigError, match="room_gain_low_db"):
        TrainConfig(room_gain_low_db=value)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"architecture": "mel-cnn", "log_front": 1}, "needs a raw-waveform architecture"),
        ({"architecture": "sincnet", "log_front": 2}, "log_front must be 0 or 1"),
        ({"architecture": "cnn", "log_front": 1, "log_floor_db": -10.0}, "log_floor_db must lie"),
    ],
)
def test_log_front_on_a_network_without_raw_input_is_one_config_error(
    settings: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        TrainConfig(**settings)  # type: ignore[arg-type]
    assert TrainConfig(architecture="cnn", log_front=1).log_front == 1


def test_the_log_floor_reaches_the_network() -> None:
    config = TrainConfig(architecture="cnn", width=4, log_front=1, log_floor_db=-60.0)
    fronts = [m for m in network_for(config, 52).modules() if isinstance(m, LogMagnitude)]
    assert len(fronts) == 1 and fronts[0].floor == pytest.approx(1e-3)
    plain = network_for(TrainConfig(architecture="cnn", width=4), 52)
    assert not any(isinstance(m, LogMagnitude) for m in plain.modules())
