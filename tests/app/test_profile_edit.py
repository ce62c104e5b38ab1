"""The avatar editor's model (no Qt): rows ↔ profiles, and saved files that load back equal."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from talkrig.app.profile_edit import build_profile, regions, rows_of, user_profile_path
from talkrig.bridge.post.profile import (
    ProfileError,
    load_profile,
    save_profile,
    shipped_profiles,
    to_toml,
)
from talkrig.models import arkit


def test_regions_cover_every_shape_once() -> None:
    indices = [i for _, group in regions() for i in group]
    assert sorted(indices) == list(range(arkit.COUNT))
    assert [name for name, _ in regions()][-1] == "other"


@pytest.mark.parametrize("preset", sorted(shipped_profiles()))
def test_every_preset_survives_to_toml_and_back(preset: str, tmp_path: Path) -> None:
    profile = load_profile(preset)
    again = load_profile(str(save_profile(profile, tmp_path / "copy.toml")))
    assert dataclasses.replace(again, source=profile.source) == profile
    assert again.output_names == profile.output_names


def test_edited_profile_saves_and_loads_back_identically(tmp_path: Path) -> None:
    base = load_profile("perfect_sync")
    rows = rows_of(base)
    jaw = arkit.INDEX["jawOpen"]
    smile = arkit.INDEX["mouthSmileLeft"]
    rows[jaw] = dataclasses.replace(rows[jaw], gain=1.3, offset=0.05)
    rows[smile] = dataclasses.replace(rows[smile], lo=0.1, hi=0.8)
    edited = build_profile(base, rows, mouth_only=True, name="My avatar")
    path = save_profile(edited, user_profile_path(tmp_path / "profiles", edited.name))
    assert path == tmp_path / "profiles" / "My_avatar.toml"
    loaded = load_profile(str(path))
    assert dataclasses.replace(loaded, source="") == edited
    assert loaded.names == "pascal" and loaded.mouth_only
    assert rows_of(loaded) == rows_of(edited)
    values = np.random.default_rng(1).random(arkit.COUNT).astype(np.float32)
    np.testing.assert_array_equal(loaded.apply(values)[0], edited.apply(values)[0])
    assert loaded.apply(values)[1] == edited.apply(values)[1]
    gain, offset, lo, hi = loaded.shape_settings()
    assert gain[jaw] == pytest.approx(1.3) and offset[jaw] == pytest.approx(0.05)
    assert (lo[smile], hi[smile]) == pytest.approx((0.1, 0.8))
    assert "jawOpen = 1.3" in to_toml(edited)  # unchanged shapes stay out of the file
    assert "eyeBlinkLeft" not in to_toml(edited)


def test_bad_edits_and_names_are_refused(tmp_path: Path) -> None:
    rows = rows_of(None)
    rows[0] = dataclasses.replace(rows[0], lo=0.9, hi=0.1)
    with pytest.raises(ProfileError, match=r"clamp\.eyeBlinkLeft"):
        build_profile(None, rows, mouth_only=False)
    with pytest.raises(ProfileError, match="52 shapes"):
        build_profile(None, rows_of(None)[:10], mouth_only=False)
    with pytest.raises(ProfileError, match="letter or digit"):
        user_profile_path(tmp_path, " ../ ")
    with pytest.raises(ProfileError, match=r"\.toml"):
        save_profile(load_profile("perfect_sync"), tmp_path / "x.json")
    (tmp_path / "file").write_text("")
    with pytest.raises(ProfileError, match="cannot save"):
        save_profile(load_profile("perfect_sync"), tmp_path / "file" / "x.toml")
