"""The per-connection audio budget of ``talkrig serve`` on a clock the test moves."""

from __future__ import annotations

from talkrig.bridge.rate_limit import AudioBudget


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
