"""bench/soak.py's verdict from the counters (the soak itself runs for an hour, never in tests)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


@pytest.fixture(scope="module")
def soak() -> ModuleType:
    spec = importlib.util.spec_from_file_location("soak_bench", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def report(frames: int = 1500, p99: float | None = 4.0, skipped: int = 0) -> dict[str, Any]:
    """What ``talkrig run --report`` writes, the parts the summary reads."""
    latency = {"p50": 1.0, "p99": p99, "max": 9.0, "mean": 1.2}
    metrics = {"frames": frames, "skipped": skipped, "frames_replaced": 0, "stream_s": 60.0,
               "average_fps": 25.0, "processing_ms": latency}  # fmt: skip
    return {"metrics": metrics, "targets": [{"spec": "vmc://127.0.0.1:1", "errors": 0}],
            "error": None}  # fmt: skip


RSS = [(0.0, 290.0), (60.2, 291.0), (120.1, 291.5)]


def test_a_clean_run_meets_every_goal(soak: ModuleType) -> None:
    got = soak.summarise(report(), {"unity": 1500, "vmc": 1500, "csv": 1500}, RSS, 60.0, 121.0)
    assert got["frames"]["lost"] == {"unity": 0, "vmc": 0, "csv": 0}
    assert got["rss_mb"]["start"] == 290.0
    assert got["rss_mb"]["after_warmup"] == 291.0  # the first sample at or after the warm-up
    assert got["rss_mb"]["growth"] == pytest.approx(0.5)
    assert got["met"] == {"frames_lost": True, "latency_p99_ms": True, "rss_growth_mb": True}
    assert got["run_s"] == 121.0 and got["latency_ms"]["p99"] == 4.0


def test_each_goal_fails_on_its_own(soak: ModuleType) -> None:
    lost = soak.summarise(report(), {"unity": 1499, "vmc": 1500}, RSS, 60.0, 121.0)
    assert lost["frames"]["lost"] == {"unity": 1, "vmc": 0}
    assert lost["met"]["frames_lost"] is False and lost["met"]["rss_growth_mb"] is True

    slow = soak.summarise(report(p99=10.5), {"unity": 1500}, RSS, 60.0, 121.0)
    assert slow["met"]["latency_p99_ms"] is False and slow["met"]["frames_lost"] is True

    grown = [(0.0, 290.0), (60.0, 291.0), (3600.0, 296.0)]
    big = soak.summarise(report(), {"unity": 1500}, grown, 60.0, 3600.0)
    assert big["rss_mb"]["growth"] == 5.0 and big["met"]["rss_growth_mb"] is False


def test_a_run_shorter_than_the_warmup_has_no_growth_figure(soak: ModuleType) -> None:
    got = soak.summarise(report(p99=None), {"unity": 10}, [(0.0, 290.0), (30.0, 290.5)], 60.0, 31.0)
    assert got["rss_mb"]["after_warmup"] is None and got["rss_mb"]["growth"] is None
    assert got["met"]["rss_growth_mb"] is False  # not measured is not met
    assert got["met"]["latency_p99_ms"] is False  # no frames, no latency figure
