"""AIUEO vowel weights from the 52 ARKit values, for VRM avatars that only have vowel presets.

Most VRM avatars are not Perfect Sync: their mouth moves through five presets (VRM 0.x
``A I U E O``, VRM 1.0 ``aa ih ou ee oh``). This is a small hand-made heuristic, not a model:

- ``open`` = jawOpen − mouthClose, ``wide`` = max(mean stretch, mean smile),
  ``round`` = max(mouthPucker, mouthFunnel);
- A = open × (1 − round): an open, unrounded mouth;
- I = wide × (1 − open) × (1 − round): spread lips, jaw nearly shut;
- U = mouthPucker × (1 − open): rounded, nearly shut;
- E = wide × mid(open), where mid peaks at open = 0.3 and is 0 at 0 and 0.6: spread, half open;
- O = mouthFunnel × open: rounded and open.

The five are scaled down together when their sum exceeds 1, as VRM expects (presets add up).
"""

from __future__ import annotations

import numpy as np

from talkrig.models import arkit

VOWELS = ("A", "I", "U", "E", "O")
_MID_OPEN = 0.3  # jaw opening where E is strongest


def _get(values: np.ndarray, name: str) -> float:
    return float(values[arkit.INDEX[name]])


def vowel_weights(blendshapes: np.ndarray) -> np.ndarray:
    """``(52,)`` ARKit values in [0, 1] → ``(5,)`` float32 weights for A, I, U, E, O.

    Each weight lies in [0, 1] and their sum is at most 1.
    """
    v = np.clip(np.asarray(blendshapes, dtype=np.float64), 0.0, 1.0)
    opening = max(0.0, _get(v, "jawOpen") - _get(v, "mouthClose"))
    stretch = (_get(v, "mouthStretchLeft") + _get(v, "mouthStretchRight")) / 2
    smile = (_get(v, "mouthSmileLeft") + _get(v, "mouthSmileRight")) / 2
    wide = max(stretch, smile)
    pucker = _get(v, "mouthPucker")
    funnel = _get(v, "mouthFunnel")
    rounded = max(pucker, funnel)
    mid = max(0.0, 1.0 - abs(opening - _MID_OPEN) / _MID_OPEN)
    weights = np.array(
        [
            opening * (1.0 - rounded),
            wide * (1.0 - opening) * (1.0 - rounded),
            pucker * (1.0 - opening),
            wide * mid,
            funnel * opening,
        ]
    )
    total = float(weights.sum())
    if total > 1.0:
        weights /= total
    return weights.astype(np.float32)
