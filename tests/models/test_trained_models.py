"""The shipped trained models: cards say what they learned from; they move a real mouth."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from talkrig.bridge.audio.sources import decode_file
from talkrig.models import arkit
from talkrig.models.loader import load_model
from talkrig.models.registry import DEFAULT_MODEL, SHIPPED_DIR
from talkrig.training.judge import frame_levels, raw_outputs


def test_default_is_trained_and_its_card_is_complete() -> None:
    path = SHIPPED_DIR / f"{DEFAULT_MODEL}.onnx"
    assert path.stat().st_size < 20_000_000
    with load_model(path, providers="cpu") as model:
        card = model.card
    assert card.architecture == "mel-cnn"
    assert "FSDD" in card.training_data or "Free Spoken Digit" in card.training_data
    assert "CC BY-SA" in card.license
    assert "grid: jawOpen r" in card.metrics


def test_opens_on_real_speech_and_rests_in_silence(shared_data: Path) -> None:
    audio = decode_file(shared_data / "speech" / "1320_00000.mp3")
    with load_model(DEFAULT_MODEL, providers="cpu") as model:
        jaw = raw_outputs(model, audio)[:, arkit.INDEX["jawOpen"]]
        silent = raw_outputs(model, np.zeros(32_000, np.float32))[:, arkit.INDEX["jawOpen"]]
    loud = frame_levels(audio)[: len(jaw)] > -10
    assert np.median(jaw[loud]) > 0.08
    assert silent.max() < 0.05
