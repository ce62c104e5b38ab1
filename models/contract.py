"""The audio/model contract: named constants shared by the engine, the app and training.

A model takes ``audio`` float32 ``[batch, samples]`` (16 kHz mono, [-1, 1]) and returns either
``blendshapes`` ``[batch, 52]`` in canonical ARKit order or ``landmarks`` ``[batch, points, dims]``.
"""

from __future__ import annotations

import enum

SAMPLE_RATE = 16_000
FRAME_RATE = 25
HOP_SAMPLES = SAMPLE_RATE // FRAME_RATE  # 640 = 40 ms: one face frame
CONTEXT_FRAMES = 7  # the paper's 280 ms window: 3 frames past, the predicted one, 3 future
WINDOW_SAMPLES = CONTEXT_FRAMES * HOP_SAMPLES  # 4,480
# Audio after the end of the predicted frame, for the paper's centred window: 3 frames = 120 ms.
PAPER_LOOKAHEAD_SAMPLES = (CONTEXT_FRAMES // 2) * HOP_SAMPLES  # 1,920
FRAME_SECONDS = HOP_SAMPLES / SAMPLE_RATE

INPUT_NAME = "audio"
BLENDSHAPES_OUTPUT = "blendshapes"
LANDMARKS_OUTPUT = "landmarks"

# The paper's client sends 1,024-byte chunks: 512 s16le samples = 32 ms.
PAPER_CHUNK_BYTES = 1_024


class Representation(str, enum.Enum):
    """What a model predicts."""

    BLENDSHAPES = "blendshapes"
    LANDMARKS_2D = "landmarks2d"
    LANDMARKS_3D = "landmarks3d"

    @property
    def output_name(self) -> str:
        return BLENDSHAPES_OUTPUT if self is Representation.BLENDSHAPES else LANDMARKS_OUTPUT


class Family(str, enum.Enum):
    """Which corpus style a model was trained for (the paper's two families)."""

    EMOTIONAL = "emotional"
    NEUTRAL = "neutral"
