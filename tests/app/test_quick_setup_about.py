"""Quick setup presets and the About text, without Qt: every preset opens as a real target and
says what to switch on in one sentence; About reads the real model card and package metadata."""

from __future__ import annotations

import email.message
import math

import pytest

from talkrig.app.about import about_text, card_lines, licence_of, third_party_lines
from talkrig.app.quick_setup import PRESETS, Preset
from talkrig.app.widgets.plots import IDLE_DELAY_TEXT, obs_advice
from talkrig.bridge.senders.targets import make_target
from talkrig.models.registry import DEFAULT_MODEL, Registry


@pytest.mark.parametrize("preset", PRESETS, ids=[p.label for p in PRESETS])
def test_each_preset_is_a_working_target_with_one_sentence(preset: Preset) -> None:
    make_target(preset.spec).close()  # opens for real (binds, resolves) and closes again
    assert preset.advice.endswith(".") and ". " not in preset.advice  # one sentence
    port = preset.spec.rsplit(":", 1)[1]
    assert port in preset.advice  # the user reads the port to check at the other end


def test_the_apps_a_user_names_are_all_offered() -> None:
    labels = " ".join(p.label for p in PRESETS)
    for app in ("VSeeFace", "VNyan", "Warudo", "VTube Studio", "iFacialMocap", "Unity", "Unreal"):
        assert app in labels


def test_about_names_version_model_card_and_licences() -> None:
    registry = Registry()
    card = registry.find(DEFAULT_MODEL).card
    assert card is not None
    text = about_text(registry, DEFAULT_MODEL)
    assert text.startswith("TalkRig ")
    assert card.training_data in text and card.license in text
    assert "Figures:" in text and next(iter(card.metrics)) in text
    assert "pyqtgraph" in text and "MIT" in text and "onnxruntime" in text
    assert "LGPL" in text  # Qt for Python


def test_about_for_a_missing_model_says_so_instead_of_raising() -> None:
    text = about_text(Registry(), "no-such-model")
    assert "unknown model 'no-such-model'" in text and "Third-party software" in text


def test_licence_words_come_from_the_package_metadata() -> None:
    lines = third_party_lines()
    assert any(line.startswith("numpy ") and "BSD" in line for line in lines)
    meta = email.message.Message()  # what importlib.metadata returns, built by hand
    meta["License"] = "Copyright (c) 2001 All rights reserved. " * 20
    assert licence_of(meta) == "see the package's licence file"  # type: ignore[arg-type]
    meta["Classifier"] = "License :: OSI Approved :: BSD License"
    assert licence_of(meta) == "BSD License"  # type: ignore[arg-type]


def test_card_lines_round_figures() -> None:
    card = Registry().find(DEFAULT_MODEL).card
    assert card is not None
    figures = [line for line in card_lines(card) if line.startswith("  ")]
    assert figures and all(len(line) < 80 for line in figures)


@pytest.mark.parametrize(("delay", "offset"), [(163.0, 160), (125.4, 130), (40.0, 40)])
def test_obs_advice_rounds_to_ten_ms(delay: float, offset: int) -> None:
    assert f"set your audio delay in OBS to {offset} ms" in obs_advice(delay)


def test_obs_advice_before_any_measure() -> None:
    assert obs_advice(math.nan) == IDLE_DELAY_TEXT
