"""The batcher on the real shared model: more windows than one call takes are served in turns."""

from __future__ import annotations

import asyncio
from typing import cast

import numpy as np

from talkrig.bridge.server_batcher import Batcher
from talkrig.models.loader import Model

LEVEL = {"a": 0.125, "b": 0.25, "c": 0.5}  # each owner's windows carry its own constant


class Recording:
    """The real model, noting whose windows each call held (read back from their samples)."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.calls: list[list[str]] = []

    def __call__(self, windows: np.ndarray) -> np.ndarray:
        owner_of = {level: owner for owner, level in LEVEL.items()}
        self.calls.append([owner_of[float(w[0])] for w in windows])
        return self.model(windows)


def test_a_connection_with_a_backlog_does_not_take_the_whole_call(model: Model) -> None:
    recording = Recording(model)

    async def run() -> None:
        batcher = Batcher(cast(Model, recording), max_batch=4)
        window = np.ones(model.card.window_samples, np.float32)
        futures = [
            batcher.submit(window * LEVEL[owner], owner) for owner in ["a"] * 10 + ["b", "b", "c"]
        ]
        assert batcher.pending == 13
        runner = asyncio.create_task(batcher.run())
        try:
            outputs = await asyncio.wait_for(asyncio.gather(*futures), 10.0)
        finally:
            runner.cancel()
            batcher.close()
        assert batcher.pending == 0
        assert all(out.shape == tuple(model.card.output_shape) for out in outputs)

    asyncio.run(run())
    assert [len(c) for c in recording.calls] == [4, 4, 4, 1]
    assert recording.calls[0] == ["a", "b", "c", "a"]  # b and c in the first call, not the 4th
    assert recording.calls[1] == ["b", "a", "a", "a"]
    assert recording.calls[2:] == [["a"] * 4, ["a"]]
