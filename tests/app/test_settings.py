"""Settings persist as values and reading them never crashes (no Qt needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talkrig.app.settings import (
    MAX_SETTINGS_BYTES,
    SETTINGS_FILE,
    AppSettings,
    SettingsStore,
    TargetSetting,
    default_config_dir,
    json_depth,
)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def test_round_trip_keeps_every_value(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "cfg")
    saved = AppSettings(
        device="CABLE Output (VB-Audio)",
        model="baseline-energy-lowlatency",
        profile="perfect_sync",
        avatar="ミカ",
        gain_db=-7.5,
        targets=(TargetSetting("vmc://127.0.0.1:39539"), TargetSetting("csv:/x.csv", False)),
        geometry="AdnQywAD",
    )
    assert store.save(saved) is None
    loaded = store.load()
    assert loaded == saved
    assert loaded.notices == ()
    raw = json.loads((tmp_path / "cfg" / SETTINGS_FILE).read_text())
    assert raw["model"] == "baseline-energy-lowlatency"  # a value, not a dropdown index
    assert raw["targets"][1] == {"spec": "csv:/x.csv", "enabled": False}


def test_missing_file_gives_defaults_quietly(tmp_path: Path) -> None:
    loaded = SettingsStore(tmp_path).load()
    assert loaded == AppSettings()
    assert loaded.notices == ()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\xff\xfe{not json", "not UTF-8"),
        (b'{"model": "x",', "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b"", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "deeper than"),  # json.loads: RecursionError
        (b'{"a": ' * 5_000 + b"1" + b"}" * 5_000, "deeper than"),
        (b'{"device": "' + b"x" * (MAX_SETTINGS_BYTES + 10) + b'"}', "larger than"),
    ],
    ids=["binary", "truncated", "list", "empty", "nested-lists", "nested-objects", "huge"],
)
def test_damaged_file_is_kept_aside_and_the_notice_says_where(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / SETTINGS_FILE
    path.write_bytes(content)
    loaded = SettingsStore(tmp_path).load()
    assert loaded == AppSettings()
    assert len(loaded.notices) == 1
    (kept,) = tmp_path.glob(f"{SETTINGS_FILE}.bad-*")
    assert kept.read_bytes() == content  # the user's file, byte for byte
    assert not path.exists()  # the next save cannot overwrite it
    assert reason in loaded.notices[0] and str(kept) in loaded.notices[0]


def test_two_damaged_files_in_one_second_keep_both(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path)
    for content in (b"one", b"two"):
        (tmp_path / SETTINGS_FILE).write_bytes(content)
        store.load()
    kept = sorted(p.read_bytes() for p in tmp_path.glob(f"{SETTINGS_FILE}.bad-*"))
    assert kept == [b"one", b"two"]


def test_brackets_inside_strings_do_not_count_as_depth() -> None:
    assert json_depth('{"a": "[[[[{{{{", "b": [1, {"c": "\\"}]}') == 3
    assert json_depth("[" * 40) == 40


def test_a_newer_version_is_a_notice_and_its_file_is_copied(tmp_path: Path) -> None:
    path = tmp_path / SETTINGS_FILE
    text = json.dumps({"version": 99, "device": "USB Mic", "hologram": {"x": 1}})
    path.write_text(text)
    loaded = SettingsStore(tmp_path).load()
    assert loaded.device == "USB Mic"  # what this version knows is still used
    assert len(loaded.notices) == 1
    assert "newer TalkRig" in loaded.notices[0] and "99" in loaded.notices[0]
    (copy,) = tmp_path.glob(f"{SETTINGS_FILE}.v99-*")
    assert copy.read_text() == text and str(copy) in loaded.notices[0]
    assert path.read_text() == text


@pytest.mark.parametrize("version", ["2", 0, -3, None, True, 1.5])
def test_a_strange_version_is_a_notice(tmp_path: Path, version: object) -> None:
    (tmp_path / SETTINGS_FILE).write_text(json.dumps({"version": version, "model": "m"}))
    loaded = SettingsStore(tmp_path).load()
    assert loaded.model == "m"
    assert any("settings version" in n for n in loaded.notices)


def test_a_folder_in_place_of_the_file_is_a_notice(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE).mkdir()
    loaded = SettingsStore(tmp_path).load()
    assert loaded == AppSettings()
    assert "cannot read settings" in loaded.notices[0]


def test_first_run_streams_to_vmc_on_the_vseeface_port() -> None:
    assert AppSettings().targets == (TargetSetting("vmc://127.0.0.1:39539", enabled=True),)


def test_bad_values_are_replaced_one_by_one(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE).write_text(
        json.dumps(
            {"model": 3, "device": "USB Mic", "targets": [{"spec": 5}], "gain_db": "loud",
             "avatar": ["x"]}
        )
    )  # fmt: skip
    loaded = SettingsStore(tmp_path).load()
    assert loaded.device == "USB Mic"
    assert loaded.model == AppSettings().model
    assert loaded.targets == ()
    assert loaded.gain_db == 0.0 and loaded.avatar == "default"
    assert any("gain_db" in n and "'loud'" in n for n in loaded.notices)
    assert any("avatar" in n for n in loaded.notices)
    assert any("model" in n for n in loaded.notices)
    assert any("targets" in n for n in loaded.notices)


@settings(max_examples=60, deadline=None)
@given(data=JSON)
def test_any_json_loads_without_raising(
    tmp_path_factory: pytest.TempPathFactory, data: object
) -> None:
    folder = tmp_path_factory.mktemp("s")
    (folder / SETTINGS_FILE).write_text(json.dumps(data))
    loaded = SettingsStore(folder).load()  # never raises, whatever the JSON
    assert isinstance(loaded.model, str)
    assert all(isinstance(t.spec, str) for t in loaded.targets)


def test_save_into_an_impossible_folder_returns_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    problem = SettingsStore(blocker / "cfg").save(AppSettings())
    assert problem is not None
    assert "cannot save settings" in problem


def test_default_folder_is_the_platform_config_folder() -> None:
    assert default_config_dir().name.lower() == "talkrig"
    assert SettingsStore().path == default_config_dir() / SETTINGS_FILE


def test_no_display_is_a_clear_error_not_a_qt_abort() -> None:
    from talkrig.app.main import no_display_reason

    assert "DISPLAY" in (no_display_reason({}, "linux") or "")
    assert no_display_reason({"DISPLAY": ":0"}, "linux") is None
    assert no_display_reason({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert no_display_reason({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert no_display_reason({}, "win32") is None


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


@settings(max_examples=200, deadline=None)
@given(data=JSON)
def test_json_depth_is_the_nesting_of_the_value(data: object) -> None:
    assert json_depth(json.dumps(data)) == _depth(data)
    assert json_depth(json.dumps(data, ensure_ascii=False)) == _depth(data)


def test_the_depth_scan_stops_once_past_the_limit() -> None:
    assert json_depth("[" * 1000 + "]" * 1000, stop_above=32) == 33
    assert json_depth("[[1]]", stop_above=32) == 2
