"""One model call for the windows of many connections: the stream server's batcher.

Threads: everything but the model call runs on the server's asyncio loop thread: connection
handlers :meth:`Batcher.submit` windows, :meth:`Batcher.run` is a task on the same loop. The
model runs on one inference thread (``talkrig-infer``), so the loop keeps reading sockets while
it runs; windows that fall due meanwhile wait in ``pending`` and go into the next call together.

When more windows wait than one call takes, the batch is filled in turns, one window per
connection per round, and a connection left out goes first next time: a client that sends a
second of audio at once cannot push the real-time clients' windows into a later call.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Hashable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from talkrig.models.loader import Model, ModelError

_Job = tuple[np.ndarray, "asyncio.Future[np.ndarray]"]


class Batcher:
    """Collects due windows from all connections; one model call per batch (loop thread).

    Args:
        model: the shared model; called with (B, window_samples) float32, B ≤ ``max_batch``.
        max_batch: the most windows in one call; more pending wait for the next one.
    """

    def __init__(self, model: Model, max_batch: int) -> None:
        self._model = model
        self._max = max_batch
        # per connection, in turn order: its windows, oldest first
        self._pending: dict[Hashable, deque[_Job]] = {}
        self._count = 0
        self.inferring = 0  # windows in the model call now running
        self._wake = asyncio.Event()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="talkrig-infer")

    def submit(self, window: np.ndarray, owner: Hashable = None) -> asyncio.Future[np.ndarray]:
        """Queue one (window_samples,) window of connection ``owner``; the future gets its raw
        model output (the model's output shape without the batch axis) or the ModelError of its
        batch."""
        future: asyncio.Future[np.ndarray] = asyncio.get_running_loop().create_future()
        self._pending.setdefault(owner, deque()).append((window, future))
        self._count += 1
        self._wake.set()
        return future

    def _next_batch(self) -> list[_Job]:
        """Up to ``max_batch`` windows, one per connection per round."""
        batch: list[_Job] = []
        while self._pending and len(batch) < self._max:
            for owner in list(self._pending):
                if len(batch) == self._max:
                    break
                queue = self._pending.pop(owner)
                batch.append(queue.popleft())
                if queue:
                    self._pending[owner] = queue  # to the back of the turn order
        self._count -= len(batch)
        return batch

    async def run(self) -> None:
        """Serve batches until cancelled (a task on the loop thread)."""
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch = self._next_batch()
                windows = np.stack([w for w, _ in batch])  # (B, window_samples)
                self.inferring = len(batch)
                try:
                    out = await loop.run_in_executor(self._executor, self._model, windows)
                except ModelError as exc:
                    self.inferring = 0
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                self.inferring = 0
                for (_, future), values in zip(batch, out, strict=True):
                    if not future.done():  # its connection may have gone meanwhile
                        future.set_result(values)

    @property
    def pending(self) -> int:
        """Windows waiting for the next model call."""
        return self._count

    def close(self) -> None:
        """Wait for the model call in flight, then stop the inference thread."""
        self._executor.shutdown(wait=True)
