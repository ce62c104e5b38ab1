"""The per-connection limits of ``talkrig serve`` (audio, messages, stalls) on a clock the test
moves."""

from __future__ import annotations

import pytest

from talkrig.bridge.rate_limit import AudioBudget, ConnectionLimits, LoopLag, StallMeter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_real_time_passes_and_a_replay_is_stopped_after_the_burst() -> None:
    clock = Clock()
    budget = AudioBudget(speed=1.0, burst_s=0.5, clock=clock)
    for _ in range(50):  # 2 s of real-time audio in 40 ms messages
        clock.now += 0.04
        assert budget.take(0.04)
    # then as fast as it can: 0.46 s are saved (the burst less the last message), which 11
    # messages spend; no wall-clock time passes, so nothing more is earned
    taken = [budget.take(0.04) for _ in range(20)]
    assert taken == [True] * 11 + [False] * 9


def test_savings_are_capped_at_the_burst() -> None:
    clock = Clock()
    budget = AudioBudget(speed=1.0, burst_s=0.5, clock=clock)
    clock.now += 60.0  # a minute of silence earns no more than the burst
    assert budget.take(0.5)
    assert not budget.take(0.04)


def test_no_limit_when_speed_is_zero() -> None:
    budget = AudioBudget(speed=0.0, burst_s=0.0, clock=Clock())
    assert all(budget.take(10.0) for _ in range(100))


def test_a_stall_the_server_caused_keeps_what_was_earned_meanwhile() -> None:
    clock = Clock()
    budget = AudioBudget(speed=1.0, burst_s=0.5, clock=clock)
    clock.now += 3.0  # the server did not read for 3 s; the client kept sending in real time
    assert all(budget.take(0.04, stalled_s=3.0 if i == 0 else 0.0) for i in range(75))
    assert not budget.take(0.5)  # and nothing beyond what those 3 s earned


def test_without_the_stall_the_same_backlog_is_refused() -> None:
    clock = Clock()
    budget = AudioBudget(speed=1.0, burst_s=0.5, clock=clock)
    clock.now += 3.0
    assert not all(budget.take(0.04) for _ in range(75))


def test_a_stall_never_raises_the_long_run_rate() -> None:
    clock = Clock()
    budget = AudioBudget(speed=1.0, burst_s=0.5, clock=clock)
    sent = 0.0
    for _ in range(100):  # a client claiming a stall at every message still gets 1 s per s
        clock.now += 0.1
        if budget.take(0.2, stalled_s=10.0):
            sent += 0.2
    assert sent <= 10.0 + 0.5 + 1e-9


def test_empty_messages_are_limited_by_count() -> None:
    clock = Clock()
    limits = ConnectionLimits(speed=4.0, messages=100.0, burst_s=0.5, clock=clock)
    verdicts = [limits.check(0.0) for _ in range(60)]
    assert verdicts[:50] == [None] * 50
    assert verdicts[50] is not None
    assert "100 messages/s" in verdicts[50] and "--max-messages" in verdicts[50]


def test_audio_over_speed_names_max_speed() -> None:
    limits = ConnectionLimits(speed=1.0, messages=100.0, burst_s=0.5, clock=Clock())
    assert limits.check(0.4) is None
    reason = limits.check(0.4)
    assert reason is not None and "1x real time" in reason and "--max-speed" in reason


def test_zero_disables_both_limits() -> None:
    limits = ConnectionLimits(speed=0.0, messages=0.0, burst_s=0.0, clock=Clock())
    assert all(limits.check(10.0) is None for _ in range(10_000))


def on_time(clock: Clock, lag: LoopLag, seconds: float) -> None:
    """Time passes while the loop runs freely: the lag monitor wakes every tick, on time."""
    for _ in range(round(seconds / lag.tick_s)):
        clock.now += lag.tick_s
        lag.tick()


def test_stall_meter_counts_busy_time_and_loop_lag() -> None:
    clock = Clock()
    lag = LoopLag(tick_s=0.02, clock=clock)
    lag.tick()
    meter = StallMeter(lag, clock=clock)
    on_time(clock, lag, 0.3)  # the handler waits for its frames and sends them
    meter.reading()
    on_time(clock, lag, 0.1)  # then waits for the client's next message
    assert meter.stalled() == pytest.approx(0.3)
    meter.reading()
    clock.now += 1.0  # the loop stalls for a second while the handler waits to read
    assert meter.stalled() == pytest.approx(1.0, abs=0.02)  # seen before the monitor wakes
    lag.tick()
    meter.reading()
    assert meter.stalled() == pytest.approx(0.0)  # the stall is counted once
