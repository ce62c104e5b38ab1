"""Fixtures for the stream server tests: one shared model, a server factory, real audio."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest

from talkrig.bridge.audio.sources import decode_file, demo_path
from talkrig.bridge.server import ServerConfig, StreamServer
from talkrig.bridge.stream_protocol import PCM_SCALE, encode_pcm
from talkrig.models.loader import Model, load_model


@pytest.fixture(scope="module")
def model() -> Iterator[Model]:
    """The shipped energy baseline, one ONNX Runtime session for the module: it gives the same
    numbers in a batch of 20 as alone, so frames can be compared exactly (the trained default
    model is streamed in test_server.py::test_trained_default_model_streams_too)."""
    with load_model("baseline-energy-blendshapes", providers="cpu") as loaded:
        yield loaded


@pytest.fixture
def start_server(model: Model) -> Iterator[Callable[..., StreamServer]]:
    """``start_server(**config)`` → a running server on a free loopback port; all stopped after."""
    servers: list[StreamServer] = []

    def start(model: Model = model, **options: object) -> StreamServer:
        options.setdefault("port", 0)
        server = StreamServer(model, ServerConfig(**options))
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def speech() -> np.ndarray:
    """4 s of the bundled demo speech, quantised to s16 so the wire carries it exactly."""
    audio = decode_file(demo_path())[: 4 * 16_000]
    pcm = np.frombuffer(encode_pcm(audio), dtype="<i2")
    return pcm.astype(np.float32) / PCM_SCALE
