"""No NaN or infinity reaches a stream client (issue 13, point 1): the server's frames go
through ``wire_floats`` like every sender's datagrams."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable

import numpy as np
import pytest

from talkrig.bridge import server as server_module
from talkrig.bridge.frame import FaceFrame
from talkrig.bridge.pipeline import FramePipeline
from talkrig.bridge.senders.finite import wire_floats
from talkrig.bridge.server import StreamServer
from talkrig.bridge.stream_protocol import decode_frame, encode_frame
from talkrig.models.contract import Representation

from .helpers import stream

BAD = (np.nan, np.inf, -np.inf, 1e39)  # 1e39: finite in float64, infinite once cast to float32


def test_encode_frame_writes_finite_floats_only() -> None:
    values = np.full(52, 0.5, np.float64)
    values[[0, 17, 30, 51]] = BAD
    frame = decode_frame(encode_frame(3, Representation.BLENDSHAPES, True, 0.12, 1.0, 2.0,
                                      values), (52,))  # fmt: skip
    assert np.isfinite(frame.values).all()
    np.testing.assert_array_equal(frame.values, wire_floats(values))
    assert frame.values[0] == 0.0 and frame.values[51] == np.finfo(np.float32).max
    assert (frame.values[np.setdiff1d(np.arange(52), [0, 17, 30, 51])] == 0.5).all()


class _PoisonedPipeline(FramePipeline):
    """A pipeline whose frames carry NaN and ±inf, as if a post step had let them through."""

    def emit(self, *args: object, **kwargs: object) -> FaceFrame | None:
        frame = super().emit(*args, **kwargs)  # type: ignore[arg-type]
        if frame is None:
            return None
        values = frame.values.copy()
        values[: len(BAD) - 1] = BAD[:-1]
        return dataclasses.replace(frame, values=values)


def test_server_frames_reach_the_client_finite(
    start_server: Callable[..., StreamServer], speech: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server_module, "FramePipeline", _PoisonedPipeline)
    server = start_server(max_speed=0)
    frames = asyncio.run(stream(server.port, speech[: 16000 * 2]))
    assert frames
    for frame in frames:
        assert np.isfinite(frame.values).all(), frame.sequence
        assert (frame.values[:3] == 0.0).all()  # NaN and ±inf go out as the rest value, 0
