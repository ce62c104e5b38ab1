"""Fixtures for engine-level tests: real shipped models, real files, tiny test models."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import av
import numpy as np
import pytest

from talkrig.models.builders import build_test_model, make_card
from talkrig.models.contract import SAMPLE_RATE, Representation
from talkrig.models.loader import Model, load_model


@pytest.fixture
def energy_model() -> Iterator[Model]:
    """The shipped energy baseline (its mouth follows loudness exactly) in a real ONNX Runtime
    session."""
    with load_model("baseline-energy-blendshapes", providers="cpu") as model:
        yield model


@pytest.fixture
def open_mouth_model(tmp_path: Path) -> Iterator[Model]:
    """A tiny real model whose mouth is open even on silence (jawOpen ≈ 0.13 at rest)."""
    path = tmp_path / "open.onnx"
    card = make_card(
        "open-mouth", Representation.BLENDSHAPES, architecture="test", training_data="none"
    )
    build_test_model(path, card)
    with load_model(path, providers="cpu") as model:
        yield model


@pytest.fixture
def write_wav(tmp_path: Path) -> Callable[[np.ndarray, str], Path]:
    """Write (n,) float32 16 kHz mono audio to a real WAV file through PyAV."""

    def write(audio: np.ndarray, name: str = "clip.wav") -> Path:
        path = tmp_path / name
        pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)[None, :]
        with av.open(str(path), "w") as out:
            stream = out.add_stream("pcm_s16le", rate=SAMPLE_RATE, layout="mono")
            frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
            frame.sample_rate = SAMPLE_RATE
            for packet in stream.encode(frame):
                out.mux(packet)
            for packet in stream.encode(None):
                out.mux(packet)
        return path

    return write
