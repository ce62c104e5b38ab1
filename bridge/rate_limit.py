"""Per-connection speed limit of ``talkrig serve``: a token bucket measured in audio seconds.

A performer streams audio in real time (speed 1); a client that replays a file as fast as it can
would take the inference thread from everyone else. Each connection may send ``speed`` seconds of
audio per wall-clock second, with a ``burst`` of saved-up seconds for network hiccups.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class AudioBudget:
    """Token bucket of audio seconds for one connection (one asyncio handler, not shared).

    Args:
        speed: audio seconds allowed per wall-clock second; ``<= 0`` means no limit.
        burst_s: the most audio seconds that can be saved up (the bucket starts full).
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(
        self, speed: float, burst_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.speed = speed
        self.burst = burst_s
        self.allowance = burst_s
        self._clock = clock
        self._last = clock()

    def take(self, seconds: float) -> bool:
        """Spend ``seconds`` of audio; False when the connection is over its budget."""
        if self.speed <= 0:
            return True
        now = self._clock()
        self.allowance = min(self.burst, self.allowance + (now - self._last) * self.speed)
        self._last = now
        self.allowance -= seconds
        return self.allowance >= 0
