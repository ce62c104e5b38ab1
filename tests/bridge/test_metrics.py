"""Metrics: constant-memory histograms agree with exact percentiles."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from talkrig.bridge.metrics import LatencyHistogram, Metrics


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.01, 5000.0), min_size=1, max_size=400))
def test_histogram_percentiles_match_numpy_within_bin_resolution(values: list[float]) -> None:
    h = LatencyHistogram()
    for v in values:
        h.add(v)
    exact_p99 = float(np.percentile(values, 99, method="higher"))
    # Upper bin edge: never below the exact value, at most one bin (~1.2 %) above it.
    assert exact_p99 <= h.percentile(99) * (1 + 1e-9)
    assert h.percentile(99) <= exact_p99 * 1.02
    assert h.max == max(values)
    assert h.count == len(values)


def test_empty_histogram_is_nan_not_zero() -> None:
    assert np.isnan(LatencyHistogram().percentile(99))


def test_delivered_percentage_counts_skips() -> None:
    m = Metrics()
    for i in range(30):  # each face shown 120 ms after the newest audio it heard
        m.record(1.0, 2.0, sent_at=i * 0.04, skipped=1 if i == 10 else 0, stream_s=i * 0.04,
                 audio_s=i * 0.04 + 0.12)  # fmt: skip
    snap = m.snapshot()
    assert snap.frames == 30 and snap.skipped == 1
    assert abs(snap.delivered_pct - 100 * 30 / 31) < 1e-9
    assert abs(snap.fps - 25.0) < 1e-6
    assert abs(snap.average_fps - 25.0) < 1e-6
    assert 122.0 <= snap.mouth_to_avatar_ms <= 122.1


def test_metrics_memory_does_not_grow_with_frames() -> None:
    m = Metrics()
    before = (m.recent.nbytes, m.inference._counts.nbytes)
    for i in range(5000):
        m.record(1.0, 2.0, sent_at=i * 0.04, skipped=0, stream_s=i * 0.04)
    assert (m.recent.nbytes, m.inference._counts.nbytes) == before


def test_history_is_oldest_first_and_wraps() -> None:
    m = Metrics()
    for i in range(Metrics.RECENT + 10):
        m.record(float(i), 2.0 * i, sent_at=i * 0.04, skipped=0, stream_s=i * 0.04)
    h = m.history()
    assert h.shape == (Metrics.RECENT, 2)
    assert h[0, 0] == 10.0 and h[-1, 0] == Metrics.RECENT + 9
    assert np.all(np.diff(h[:, 1]) == 2.0)
