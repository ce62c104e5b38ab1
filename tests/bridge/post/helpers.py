"""Audio helpers for the post-chain tests (fixtures are in conftest.py)."""

from __future__ import annotations

import numpy as np

HOP = 640


def noise_at_dbfs(level_db: float, samples: int = HOP, seed: int = 0) -> np.ndarray:
    """White noise whose RMS is exactly ``level_db`` dBFS, ``(samples,)`` float32."""
    noise = np.random.default_rng(seed).standard_normal(samples)
    noise *= 10 ** (level_db / 20) / np.sqrt(np.mean(noise**2))
    return noise.astype(np.float32)
