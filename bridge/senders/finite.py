"""``wire_floats``: the last guard before a number leaves the process.

The post chain already emits only finite values, but a sender may be handed a frame from
elsewhere (a test, a plugin, a remote engine), and receivers take a NaN badly: Unity's
``Mathf.Clamp01`` passes it to the mesh, JSON parsers reject a bare ``NaN`` token. Every encoder
(OSC for Unity and VMC, Live Link, iFacialMocap, VTube Studio, the recorders) puts its values
through here, so no target ever sees a non-finite float.
"""

from __future__ import annotations

import numpy as np

_F32_MAX = float(np.finfo(np.float32).max)


def wire_floats(values: np.ndarray) -> np.ndarray:
    """``values`` (any shape) as finite float32: NaN and ±inf become 0 (the rest pose), finite
    values past float32's range are clipped to it (a cast would make them infinite).

    Returns ``values`` itself when it already is finite float32 (the usual case; no copy).
    """
    array = np.asarray(values)
    if array.dtype == np.float32 and np.isfinite(array).all():
        return array
    wide = np.asarray(array, dtype=np.float64)
    clean = np.where(np.isfinite(wide), wide, 0.0)
    return np.clip(clean, -_F32_MAX, _F32_MAX).astype(np.float32)


def wire_float(value: float) -> float:
    """One number as :func:`wire_floats` treats it (a Python float, finite, float32 range)."""
    return float(wire_floats(np.array([value], np.float64))[0])
