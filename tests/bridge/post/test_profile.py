"""Avatar profiles: arithmetic, naming, mouth-only, vowel mode, shipped presets, and bad files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from talkrig.bridge.post.profile import (
    VOWEL_PRESETS,
    AvatarProfile,
    ProfileError,
    load_profile,
    profile_from_file,
    shipped_profiles,
)
from talkrig.models import arkit

JAW = arkit.INDEX["jawOpen"]
BLINK_L = arkit.INDEX["eyeBlinkLeft"]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_presets_all_load() -> None:
    shipped = shipped_profiles()
    assert set(shipped) >= {"perfect_sync", "arkit_camel", "vrm0_vowels", "vrm1_vowels"}
    for name in shipped:
        assert load_profile(name).source == str(shipped[name])
    assert load_profile("perfect_sync").output_names == arkit.PASCAL_NAMES
    assert load_profile("arkit_camel").output_names == arkit.NAMES


@pytest.mark.parametrize("mode", ["vrm0", "vrm1"])
def test_vowel_mode_sends_exactly_the_vrm_presets(mode: str) -> None:
    profile = load_profile(f"{mode}_vowels")
    values = np.zeros(52, np.float32)
    values[JAW] = 0.8
    values[BLINK_L] = 1.0
    out, avatar_values = profile.apply(values)
    names = tuple(name for name, _ in avatar_values)
    assert names == VOWEL_PRESETS[mode]
    sent = dict(avatar_values)
    assert sent[names[0]] == pytest.approx(0.8)  # A / aa
    assert sent[names[5]] == 1.0  # left blink
    assert out[JAW] == pytest.approx(0.8)


def test_vrm_preset_names() -> None:
    assert VOWEL_PRESETS["vrm0"] == ("A", "I", "U", "E", "O", "Blink_L", "Blink_R")
    assert VOWEL_PRESETS["vrm1"] == ("aa", "ih", "ou", "ee", "oh", "blinkLeft", "blinkRight")


def test_gain_offset_clamp_with_either_spelling_and_defaults(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "avatar.toml",
        """
        names = "pascal"
        [gain]
        "*" = 2.0
        JawOpen = 1.5
        [offset]
        mouthSmileLeft = -0.1
        [clamp]
        "*" = [0.0, 0.9]
        EyeBlinkLeft = [0.2, 0.5]
        [rename]
        jawOpen = "MTH_Open"
        """,
    )
    profile = profile_from_file(path)
    assert profile.name == "avatar"
    values = np.full(52, 0.3, np.float32)
    out, avatar_values = profile.apply(values)
    assert out[JAW] == pytest.approx(0.45)
    assert out[arkit.INDEX["mouthSmileLeft"]] == pytest.approx(0.5)
    assert out[BLINK_L] == pytest.approx(0.5)
    assert out[arkit.INDEX["tongueOut"]] == pytest.approx(0.6)
    sent = dict(avatar_values)
    assert len(avatar_values) == 52
    assert sent["MTH_Open"] == pytest.approx(0.45)
    assert "JawOpen" not in sent and sent["TongueOut"] == pytest.approx(0.6)


def test_mouth_only_zeroes_and_omits_everything_else() -> None:
    profile = AvatarProfile(name="mouth", mouth_only=True)
    out, avatar_values = profile.apply(np.full(52, 0.5, np.float32))
    names = [name for name, _ in avatar_values]
    assert "jawOpen" in names and "tongueOut" in names and "cheekPuff" in names
    assert "eyeBlinkLeft" not in names and "browInnerUp" not in names
    assert len(names) == len(arkit.MOUTH_RELATED)
    assert out[BLINK_L] == 0.0 and out[JAW] == 0.5
    vowels = AvatarProfile(name="mouth-vowels", mouth_only=True, vowels="vrm1")
    assert [n for n, _ in vowels.apply(out)[1]] == ["aa", "ih", "ou", "ee", "oh"]


def test_json_profiles_read_like_toml(tmp_path: Path) -> None:
    data = {"name": "J", "names": "pascal", "gain": {"jawOpen": 0.5}, "vowels": "off"}
    profile = load_profile(_write(tmp_path, "j.json", json.dumps(data)))
    assert profile.name == "J"
    assert dict(profile.apply(np.full(52, 0.8, np.float32))[1])["JawOpen"] == pytest.approx(0.4)


@settings(max_examples=50, deadline=None)
@given(
    values=arrays(np.float32, 52, elements=st.floats(-5, 5, width=32)),
    gain=st.floats(-3, 3),
    offset=st.floats(-1, 1),
)
def test_output_always_in_unit_range(values: np.ndarray, gain: float, offset: float) -> None:
    profile = AvatarProfile(name="p", gain={"*": gain}, offset={"*": offset})
    out, avatar_values = profile.apply(values)
    assert np.all(out >= 0) and np.all(out <= 1)
    assert all(0.0 <= v <= 1.0 for _, v in avatar_values)


BAD_FILES = [
    ("garbage.toml", "gain = [1, 2\n[[", "not valid TOML"),
    ("garbage.json", '{"gain": ', "not valid JSON"),
    ("list.json", "[1, 2]", "top level"),
    ("key.toml", "colour = 'red'\n", "'colour'"),
    ("shape.toml", "[gain]\njawOpened = 1.0\n", "gain.jawOpened"),
    ("type.toml", "[gain]\njawOpen = 'loud'\n", "gain.jawOpen"),
    ("bool.json", '{"offset": {"JawOpen": true}}', "offset.JawOpen"),
    ("nan.toml", "[gain]\n'*' = nan\n", "gain.*"),
    ("clamp.toml", "[clamp]\njawOpen = [0.8, 0.2]\n", "clamp.jawOpen"),
    ("clamp1.toml", "[clamp]\njawOpen = 0.5\n", "clamp.jawOpen"),
    ("table.toml", "gain = 2.0\n", "gain: expected a table"),
    ("names.toml", "names = 'snake'\n", "names: 'snake'"),
    ("vowels.toml", "vowels = 'vrm2'\n", "vowels: 'vrm2'"),
    ("mouth.toml", "mouth_only = 'yes'\n", "mouth_only: expected"),
    ("name.json", '{"name": 5}', "name: expected"),
    (
        "twice.toml",
        "[gain]\njawOpen = 1.0\nJawOpen = 2.0\n",
        "gain.JawOpen: same shape as gain.jawOpen",
    ),
    ("rename.toml", "[rename]\njawOpen = 'eyeBlinkLeft'\n", "rename: several shapes"),
    ("rename2.toml", "[rename]\njawOpen = 3\n", "rename.jawOpen"),
    ("rename3.toml", "vowels = 'vrm0'\n[rename]\njawOpen = 'X'\n", "rename: has no effect"),
    ("profile.yaml", "gain: 1\n", "not '.yaml'"),
    ("desc.toml", "description = 3\n", "description: expected a string"),
]


@pytest.mark.parametrize(("name", "text", "says"), BAD_FILES)
def test_bad_files_give_one_error_naming_file_and_key(
    tmp_path: Path, name: str, text: str, says: str
) -> None:
    path = _write(tmp_path, name, text)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    message = str(info.value)
    assert str(path) in message
    assert says in message


def test_unreadable_and_missing_files(tmp_path: Path) -> None:
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(binary)
    with pytest.raises(ProfileError, match="perfect_sync"):
        load_profile("no_such_avatar")
    assert issubclass(ProfileError, ValueError)
