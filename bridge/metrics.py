"""Per-frame metrics with constant memory, so an hour-long stream does not grow.

The engine thread calls :meth:`Metrics.record` once per frame; any thread may call
:meth:`Metrics.snapshot`. Percentiles come from fixed log-spaced histograms (≈1 % resolution),
not from a list of every frame.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import psutil

from talkrig.models.contract import FRAME_RATE


class LatencyHistogram:
    """Milliseconds in 1,200 log-spaced bins from 1 µs to 100 s; exact count, max and mean."""

    _EDGES = np.geomspace(1e-3, 1e5, 1201)

    def __init__(self) -> None:
        self._counts = np.zeros(len(self._EDGES) + 1, dtype=np.int64)
        self.count = 0
        self.total = 0.0
        self.max = 0.0

    def add(self, ms: float) -> None:
        self._counts[int(np.searchsorted(self._EDGES, ms))] += 1
        self.count += 1
        self.total += ms
        self.max = max(self.max, ms)

    def percentile(self, q: float) -> float:
        """Upper edge of the bin holding the q-th percentile (a slight over-estimate)."""
        if self.count == 0:
            return float("nan")
        rank = int(np.ceil(q / 100.0 * self.count))
        idx = int(np.searchsorted(np.cumsum(self._counts), max(rank, 1)))
        return float(self._EDGES[min(idx, len(self._EDGES) - 1)])

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else float("nan")

    def summary(self) -> dict[str, float]:
        return {
            "p50": self.percentile(50),
            "p99": self.percentile(99),
            "max": self.max,
            "mean": self.mean,
        }


@dataclass(frozen=True)
class MetricsSnapshot:
    """What the CLI report and the GUI show."""

    frames: int
    skipped: int
    delivered_pct: float
    fps: float  # over the last RECENT frames (the live figure)
    average_fps: float  # first to last frame sent, wall clock (the whole run)
    inference_ms: dict[str, float]
    processing_ms: dict[str, float]  # audio available → last datagram sent
    # p50 of (audio heard at emission − the face's stream time) + processing: how far the face
    # on the avatar trails the voice, measured per frame from its stream_time
    mouth_to_avatar_ms: float
    rss_mb: float
    rss_start_mb: float
    rss_max_mb: float
    rss_warm_mb: float  # RSS after WARMUP_S of stream: the baseline for growth over long runs
    wall_s: float
    stream_s: float
    # Faults repaired on the way (bridge/audio/sanitise.py, bridge/post/chain.py): input samples
    # that were NaN/inf (made 0) or past full scale (clipped), and frames whose model output was
    # not finite (the last good frame stood in).
    input_nonfinite: int = 0
    input_clipped: int = 0
    frames_replaced: int = 0

    def to_dict(self) -> dict[str, object]:
        """JSON-safe: NaN (not measured yet) becomes ``None``."""
        return _no_nan(asdict(self))


def _no_nan(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


class Metrics:
    """Counts frames and skips and keeps latency histograms (engine thread writes)."""

    # ~10 s of frames for the live FPS and the GUI's recent-history plots.
    RECENT = 256
    WARMUP_S = 60.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process = psutil.Process()
        self.inference = LatencyHistogram()
        self.processing = LatencyHistogram()
        self.mouth_to_avatar = LatencyHistogram()
        self.frames = 0
        self.skipped = 0
        self.input_nonfinite = 0
        self.input_clipped = 0
        self.frames_replaced = 0
        self._started = time.perf_counter()
        self._stream_s = 0.0
        self._send_times = np.zeros(self.RECENT)
        self._first_sent = 0.0
        # Per recent frame: inference ms, processing ms (for plots).
        self.recent = np.zeros((self.RECENT, 2), dtype=np.float64)
        self._rss_start = self._rss_mb()
        self._rss = self._rss_start
        self._rss_max = self._rss_start
        self._rss_warm = float("nan")
        self._rss_checked = self._started

    def _rss_mb(self) -> float:
        return float(self._process.memory_info().rss) / 2**20

    def record(
        self, inference_ms: float, processing_ms: float, sent_at: float, skipped: int,
        stream_s: float, audio_s: float | None = None,
    ) -> None:  # fmt: skip
        """One delivered frame (engine thread).

        ``stream_s`` is the frame's stream time (the face it shows), ``audio_s`` the stream time
        of the newest audio it heard (its window's end); None when unknown (no delay figure).
        """
        with self._lock:
            slot = self.frames % self.RECENT
            if self.frames == 0:
                self._first_sent = sent_at
            self._send_times[slot] = sent_at
            self.recent[slot] = (inference_ms, processing_ms)
            self.frames += 1
            self.skipped += skipped
            self._stream_s = stream_s
            self.inference.add(inference_ms)
            self.processing.add(processing_ms)
            if audio_s is not None:
                self.mouth_to_avatar.add(1000.0 * (audio_s - stream_s) + processing_ms)
            if sent_at - self._rss_checked >= 1.0:  # psutil costs ~20 µs: once a second is enough
                self._rss_checked = sent_at
                self._rss = self._rss_mb()
                self._rss_max = max(self._rss_max, self._rss)
                if stream_s >= self.WARMUP_S and self._rss_warm != self._rss_warm:  # still NaN
                    self._rss_warm = self._rss

    def history(self) -> np.ndarray:
        """``(n, 2)`` inference and processing ms of the last ``n ≤ RECENT`` frames, oldest
        first, a copy (any thread: the GUI's plots)."""
        with self._lock:
            n = min(self.frames, self.RECENT)
            slots = np.arange(self.frames - n, self.frames) % self.RECENT
            return self.recent[slots].copy()

    def add_skipped(self, n: int) -> None:
        with self._lock:
            self.skipped += n

    def count_faults(self, nonfinite: int = 0, clipped: int = 0, replaced: int = 0) -> None:
        """Add repaired input samples and replaced frames (engine thread)."""
        with self._lock:
            self.input_nonfinite += nonfinite
            self.input_clipped += clipped
            self.frames_replaced += replaced

    def fps(self) -> float:
        """Frames per second over the recent frames (wall clock of sending)."""
        with self._lock:
            n = min(self.frames, self.RECENT)
            if n < 2:
                return 0.0
            newest = self._send_times[(self.frames - 1) % self.RECENT]
            oldest = self._send_times[(self.frames - n) % self.RECENT]
        return (n - 1) / (newest - oldest) if newest > oldest else float(FRAME_RATE)

    def snapshot(self) -> MetricsSnapshot:
        """Thread-safe summary (any thread)."""
        fps = self.fps()
        with self._lock:
            total = self.frames + self.skipped
            span = self._send_times[(self.frames - 1) % self.RECENT] - self._first_sent
            average = (self.frames - 1) / span if self.frames > 1 and span > 0 else float("nan")
            return MetricsSnapshot(
                frames=self.frames,
                skipped=self.skipped,
                delivered_pct=100.0 * self.frames / total if total else 100.0,
                fps=fps,
                average_fps=average,
                inference_ms=self.inference.summary(),
                processing_ms=self.processing.summary(),
                mouth_to_avatar_ms=(
                    self.mouth_to_avatar.percentile(50) if self.mouth_to_avatar.count else 0.0
                ),
                rss_mb=self._rss,
                rss_start_mb=self._rss_start,
                rss_max_mb=self._rss_max,
                rss_warm_mb=self._rss_warm,
                wall_s=time.perf_counter() - self._started,
                stream_s=self._stream_s,
                input_nonfinite=self.input_nonfinite,
                input_clipped=self.input_clipped,
                frames_replaced=self.frames_replaced,
            )
