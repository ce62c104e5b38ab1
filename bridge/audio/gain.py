"""The input gain: the range the CLI and the app offer, decibels → factor, and applying it."""

from __future__ import annotations

import numpy as np

GAIN_DB_MIN, GAIN_DB_MAX = -20.0, 30.0  # the input gain range the CLI and the app offer


def db_to_gain(db: float) -> float:
    """Decibels → amplitude factor (+6 dB ≈ × 2)."""
    return float(10.0 ** (db / 20.0))


def apply_gain(audio: np.ndarray, gain: float) -> np.ndarray:
    """``(n,)`` 16 kHz audio × ``gain``, kept in the model's [-1, 1] (``audio`` itself at 1)."""
    if gain == 1.0:
        return audio
    return np.clip(audio * np.float32(gain), -1.0, 1.0).astype(np.float32, copy=False)
