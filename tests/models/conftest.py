"""Fixtures for the model tests: cards, tiny real ONNX files, real speech at 16 kHz."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from talkrig.bridge.audio.sources import decode_file
from talkrig.models.builders import build_test_model, make_card
from talkrig.models.card import ModelCard
from talkrig.models.contract import SAMPLE_RATE, Representation

SPEECH_FILE = "speech/1320_00000.mp3"


def card_for(
    representation: Representation = Representation.BLENDSHAPES, name: str = "tiny", **kw: object
) -> ModelCard:
    """A valid card for test models."""
    return make_card(
        name,
        representation,
        architecture="test",
        training_data="none: test graph",
        **kw,
    )


@pytest.fixture
def tiny_model(tmp_path: Path) -> Callable[..., Path]:
    """``tiny_model(name="x.onnx", card=None, **build_test_model options)`` → the file's path."""

    def make(filename: str = "tiny.onnx", card: ModelCard | None = None, **kw: object) -> Path:
        path = tmp_path / filename
        build_test_model(path, card or card_for(), **kw)
        return path

    return make


@pytest.fixture(scope="session")
def speech(shared_data: Path) -> np.ndarray:
    """~5 s of real read speech (LibriSpeech), (samples,) float32 at 16 kHz."""
    audio = decode_file(shared_data / SPEECH_FILE)
    assert len(audio) > 4 * SAMPLE_RATE
    return audio
