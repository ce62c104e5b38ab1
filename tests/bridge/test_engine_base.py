"""One engine interface: a local and a remote engine answer the same questions, and the input
resolver gives both the same kind of source."""

from __future__ import annotations

import pytest

from talkrig.bridge.audio.base import AudioSource
from talkrig.bridge.audio.retry import RetryingInput
from talkrig.bridge.audio.sources import FileSource, demo_path, open_source
from talkrig.bridge.engine import Engine
from talkrig.bridge.engine_base import BaseEngine, EngineKind
from talkrig.bridge.remote import RemoteEngine
from talkrig.models.loader import Model

URL = "ws://127.0.0.1:9"


def test_a_local_engine_names_its_model_and_has_no_connection(energy_model: Model) -> None:
    engine: BaseEngine = Engine(FileSource(demo_path()), energy_model, [])
    assert engine.kind is EngineKind.LOCAL
    assert engine.model is energy_model
    assert engine.link() is None
    assert engine.describe() == f"{energy_model.card.name} ({energy_model.provider})"
    info = engine.model_info()
    assert (info["model"], info["provider"]) == (energy_model.card.name, energy_model.provider)
    engine.set_gain_db(6.0)
    assert engine.options.gain_db == 6.0


def test_a_remote_engine_runs_no_model_here(energy_model: Model) -> None:
    engine: BaseEngine = RemoteEngine(FileSource(demo_path()), URL, [])
    assert engine.kind is EngineKind.REMOTE
    assert engine.model is None
    assert engine.describe() == URL
    link = engine.link()
    assert link is not None and (link.url, link.status) == (URL, "stopped")
    assert engine.model_info()["provider"] == f"remote {URL}"
    with pytest.raises(ValueError, match="server's model"):
        engine.swap_model(energy_model)
    engine.set_gain_db(-3.0)
    assert engine.options.gain_db == -3.0


def test_an_engine_kind_is_its_settings_value() -> None:
    assert [kind.value for kind in EngineKind] == ["local", "remote"]
    assert EngineKind("remote") is EngineKind.REMOTE


def test_a_device_named_with_an_opener_is_reopened_by_that_name() -> None:
    opened: list[tuple[str, bool]] = []

    def opener(name: str, rescan: bool) -> AudioSource:
        opened.append((name, rescan))
        return FileSource(demo_path())

    source = open_source("USB Mic", opener=opener)
    assert isinstance(source, RetryingInput)
    assert (source.name, opened) == ("USB Mic", [("USB Mic", False)])
    assert source.poll() is None  # not started: nothing to notice
