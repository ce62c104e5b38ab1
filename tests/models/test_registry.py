"""The registry: shipped models, the user's folder, broken files listed instead of raised."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from talkrig.models.contract import PAPER_LOOKAHEAD_SAMPLES, Family, Representation
from talkrig.models.loader import ModelError
from talkrig.models.registry import DEFAULT_MODEL, SHIPPED_DIR, Registry, user_model_dir
from tests.models.conftest import card_for

SHIPPED = {
    "baseline-energy-blendshapes": Representation.BLENDSHAPES,
    "baseline-energy-landmarks2d": Representation.LANDMARKS_2D,
    "baseline-energy-landmarks3d": Representation.LANDMARKS_3D,
}


@pytest.fixture
def user_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A fresh user model folder, through the XDG variable platformdirs reads."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    folder = user_model_dir()
    assert folder == tmp_path / "xdg" / "talkrig" / "models"
    folder.mkdir(parents=True)
    return folder


def test_shipped_models_are_listed_with_their_cards(user_dir: Path) -> None:
    entries = {e.name: e for e in Registry().entries()}
    assert DEFAULT_MODEL in entries
    for name, representation in SHIPPED.items():
        entry = entries[name]
        assert entry.error is None and entry.card is not None, entry.error
        assert entry.shipped and entry.path.parent == SHIPPED_DIR
        assert entry.card.representation is representation
        assert entry.card.family is Family.NEUTRAL
        assert entry.card.lookahead_samples == PAPER_LOOKAHEAD_SAMPLES
    assert entries["baseline-energy-lowlatency"].card is not None
    assert entries["baseline-energy-lowlatency"].card.lookahead_samples == 0


def test_a_model_dropped_into_the_user_folder_appears(
    user_dir: Path, tiny_model: Callable[..., Path]
) -> None:
    before = {e.name for e in Registry().entries()}
    tiny_model("retrained.onnx", card_for(name="my-retrained")).rename(user_dir / "mine.onnx")
    entries = {e.name: e for e in Registry().entries()}
    assert set(entries) == before | {"my-retrained"}
    mine = entries["my-retrained"]
    assert mine.path == user_dir / "mine.onnx" and not mine.shipped and mine.card is not None
    assert Registry().find("my-retrained").path == user_dir / "mine.onnx"


def test_broken_files_are_listed_with_an_error(user_dir: Path) -> None:
    (user_dir / "garbage.onnx").write_bytes(b"\x00\xff" * 300)
    (user_dir / "empty.onnx").write_bytes(b"")
    (user_dir / "notes.txt").write_text("not a model, not listed")
    entries = {e.name: e for e in Registry().entries()}
    for stem, problem in (("garbage", "not a loadable ONNX model"), ("empty", "empty file")):
        entry = entries[stem]
        assert entry.card is None and not entry.shipped
        assert entry.error is not None and problem in entry.error
    assert "notes" not in entries
    with pytest.raises(ModelError, match=r"model 'garbage' .* is broken: .*not a loadable"):
        Registry().find("garbage")


def test_entries_are_sorted_by_name(tmp_path: Path, tiny_model: Callable[..., Path]) -> None:
    for name in ("zeta", "alpha", "mid"):
        tiny_model(f"{name}-file.onnx", card_for(name=name))
    assert [e.name for e in Registry([tmp_path]).entries()] == ["alpha", "mid", "zeta"]


def test_a_duplicate_name_does_not_replace_the_first(
    tmp_path: Path, tiny_model: Callable[..., Path]
) -> None:
    first = tiny_model("first.onnx", card_for(name="same"))
    later = tmp_path / "later"
    later.mkdir()
    tiny_model("second.onnx", card_for(name="same")).rename(later / "second.onnx")
    registry = Registry([tmp_path, later])
    assert registry.find("same").path == first
    [duplicate] = [e for e in registry.entries() if e.card is None]
    assert duplicate.path == later / "second.onnx"
    assert duplicate.error is not None and "already used by" in duplicate.error


def test_unknown_name_and_missing_folders(tmp_path: Path) -> None:
    registry = Registry([tmp_path / "does-not-exist"])
    assert registry.entries() == []
    with pytest.raises(ModelError, match=r"unknown model 'x'; available: none"):
        registry.find("x")
