"""Settings persist as values and reading them never crashes (no Qt needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talkrig.app.settings import (
    SETTINGS_FILE,
    AppSettings,
    SettingsStore,
    TargetSetting,
    default_config_dir,
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


def test_garbage_file_gives_defaults_and_a_notice_naming_it(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE).write_bytes(b"\xff\xfe{not json")
    loaded = SettingsStore(tmp_path).load()
    assert loaded == AppSettings()
    assert len(loaded.notices) == 1
    assert str(tmp_path / SETTINGS_FILE) in loaded.notices[0]


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
    loaded = SettingsStore(folder).load()
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
