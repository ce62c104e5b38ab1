"""``FaceFrame``: the one value object every consumer (senders, recorders, GUI) receives."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from talkrig.models.contract import Representation


@dataclass(frozen=True, slots=True)
class FrameTimes:
    """Per-stage timestamps of one frame, all ``time.perf_counter()`` seconds.

    ``audio_available`` is when the newest sample of the frame's window reached the engine.
    """

    audio_available: float
    inference_start: float
    inference_end: float
    post_end: float

    @property
    def inference_ms(self) -> float:
        return 1000.0 * (self.inference_end - self.inference_start)

    @property
    def processing_ms(self) -> float:
        """Audio available → post chain done (before sending)."""
        return 1000.0 * (self.post_end - self.audio_available)


@dataclass(frozen=True, slots=True)
class FaceFrame:
    """One 40 ms face frame.

    Attributes:
        sequence: frame number since the stream started (0, 1, 2, ...; gaps mean skipped windows).
        capture_time: wall-clock UNIX seconds when the window's audio was available; receivers
            compare it with their clock to measure end-to-end latency.
        stream_time: seconds of stream audio at the end of the predicted 40 ms frame.
        representation: what ``values`` holds.
        blendshapes: ``(52,)`` float32 in canonical ARKit order, [0, 1], after the avatar
            profile's gain/offset/clamp; ``None`` for a landmark model.
        landmarks: ``(points, dims)`` float32; ``None`` for a blendshape model.
        avatar_values: ``(name, value)`` pairs for name-based targets (VMC) after the profile's
            rename map or vowel mode; empty means "the 52 ARKit names".
        avatar: the avatar id this frame is meant for (the Unity address space carries it).
        times: per-stage timestamps.
        voiced: False while the silence gate holds the face at rest.
    """

    sequence: int
    capture_time: float
    stream_time: float
    representation: Representation
    times: FrameTimes
    blendshapes: np.ndarray | None = None
    landmarks: np.ndarray | None = None
    avatar_values: tuple[tuple[str, float], ...] = field(default=())
    avatar: str = "default"
    voiced: bool = True
