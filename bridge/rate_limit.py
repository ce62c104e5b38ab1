"""Per-connection limits of ``talkrig serve``: audio seconds and messages, as token buckets.

A performer streams audio in real time (speed 1); a client that replays a file as fast as it can
would take the inference thread from everyone else, and one that sends empty messages costs the
server's loop time without sending any audio. So each connection may send ``speed`` seconds of
audio and ``messages`` messages per wall-clock second, each with a burst of saved-up allowance
for network hiccups.

A burst the server caused itself must not count against a client: when the server's loop stalls
(a long model call, CPU taken by another process) a real-time client's messages pile up unread and
then arrive all at once. The handler measures such stalls (its own busy time and the loop's
lateness, :class:`LoopLag`) and passes them as ``stalled_s``: the allowance earned during a stall
is kept instead of being cut at the burst. The long-run rate never changes: tokens are only ever
earned at ``rate`` per wall second.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable


class TokenBucket:
    """Allowance of some unit (audio seconds, messages) for one connection (one handler).

    Args:
        rate: units earned per wall-clock second; ``<= 0`` means no limit.
        capacity: the most units that can be saved up (the bucket starts full).
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(
        self, rate: float, capacity: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.capacity = capacity
        self.allowance = capacity
        self._clock = clock
        self._last = clock()

    def take(self, amount: float, stalled_s: float = 0.0) -> bool:
        """Spend ``amount``; False when the connection is over its allowance.

        ``stalled_s``: seconds since the last call during which the server, not the client, held
        things up; what was earned then may exceed the capacity.
        """
        if self.rate <= 0:
            return True
        now = self._clock()
        earned = (now - self._last) * self.rate
        self._last = now
        cap = max(self.allowance, self.capacity + max(0.0, stalled_s) * self.rate)
        self.allowance = min(self.allowance + earned, cap) - amount
        return self.allowance >= 0


class AudioBudget(TokenBucket):
    """Audio seconds: ``speed`` seconds per wall second, ``burst_s`` seconds saved up."""

    def __init__(
        self, speed: float, burst_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(speed, burst_s, clock)
        self.speed = speed
        self.burst = burst_s


class ConnectionLimits:
    """Both budgets of one connection; :meth:`check` names the limit a message broke.

    Args:
        speed: audio seconds per wall second (``--max-speed``); 0 = no limit.
        messages: messages per wall second (``--max-messages``); 0 = no limit.
        burst_s: seconds of either allowance that can be saved up.
    """

    def __init__(
        self,
        speed: float,
        messages: float,
        burst_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.audio = AudioBudget(speed, burst_s, clock)
        self.messages = TokenBucket(messages, messages * burst_s, clock)

    def check(self, audio_s: float, stalled_s: float = 0.0) -> str | None:
        """Spend one message of ``audio_s`` seconds; None, or the close reason for the client."""
        if not self.messages.take(1.0, stalled_s):
            return (
                f"rate limit: more than {self.messages.rate:g} messages/s (server's --max-messages)"
            )
        if not self.audio.take(audio_s, stalled_s):
            return f"rate limit: more than {self.audio.speed:g}x real time (server's --max-speed)"
        return None


class LoopLag:
    """How late the asyncio loop runs, summed: time the server itself held every handler up.

    :meth:`run` is a task on the loop (it wakes every ``tick_s`` and adds its lateness);
    :meth:`total` is read by handlers on the same loop, and counts a stall in progress too (the
    handler that wakes first after a stall would otherwise not see it yet).
    """

    def __init__(self, tick_s: float = 0.02, clock: Callable[[], float] = time.monotonic) -> None:
        self.tick_s = tick_s
        self._clock = clock
        self._total = 0.0
        self._due = math.inf  # nothing is late before run starts

    async def run(self) -> None:
        """Measure until cancelled (a task on the server loop)."""
        self._due = self._clock() + self.tick_s
        while True:
            await asyncio.sleep(self.tick_s)
            self.tick()

    def tick(self) -> None:
        """One wake-up of :meth:`run`: add how late it came, expect the next one."""
        now = self._clock()
        self._total += max(0.0, now - self._due)
        self._due = now + self.tick_s

    def total(self) -> float:
        """Seconds of lateness so far, including the stall now in progress."""
        return self._total + max(0.0, self._clock() - self._due)


class StallMeter:
    """For one handler: how long the server, not the client, held it up between two messages.

    That is the time from one message's check to the handler's next read (inference, sending
    its frames, waiting for its turn on the loop) plus the loop's lateness meanwhile (a client's
    messages that arrive during a stall are read late, all at once). Loop thread only.
    """

    def __init__(self, lag: LoopLag, clock: Callable[[], float] = time.monotonic) -> None:
        self._lag = lag
        self._clock = clock
        self._checked = clock()
        self._lag_at = lag.total()
        self._busy = 0.0

    def reading(self) -> None:
        """The handler starts to wait for the next message."""
        self._busy = self._clock() - self._checked

    def stalled(self) -> float:
        """Seconds the server held this handler up since the last call (which it resets)."""
        lag = self._lag.total()
        stalled = self._busy + (lag - self._lag_at)
        self._checked, self._lag_at, self._busy = self._clock(), lag, 0.0
        return stalled
