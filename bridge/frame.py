"""``FaceFrame``: the one value object every consumer (senders, recorders, GUI) receives."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from talkrig.models import arkit
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
    """One 40 ms face frame: one payload, ``values``, of the kind ``representation`` says.

    Attributes:
        sequence: frame number since the stream started (0, 1, 2, ...; gaps mean skipped windows).
        capture_time: wall-clock UNIX seconds when the window's audio was available; receivers
            compare it with their clock to measure end-to-end latency.
        stream_time: seconds of stream audio at the face this frame shows (frame k of a file is
            the face at k × 40 ms; see :mod:`talkrig.bridge.pipeline`).
        representation: what ``values`` holds.
        times: per-stage timestamps.
        values: float32; ``(52,)`` blendshapes in canonical ARKit order, [0, 1], after the avatar
            profile's gain/offset/clamp, or ``(points, 2 | 3)`` landmarks. Checked against
            ``representation`` when the frame is built (ValueError).
        avatar_values: ``(name, value)`` pairs for name-based targets (VMC) after the profile's
            rename map or vowel mode; empty means "the 52 ARKit names".
        avatar: the avatar id this frame is meant for (the Unity address space carries it).
        voiced: False while the silence gate holds the face at rest.
    """

    sequence: int
    capture_time: float
    stream_time: float
    representation: Representation
    times: FrameTimes
    values: np.ndarray
    avatar_values: tuple[tuple[str, float], ...] = field(default=())
    avatar: str = "default"
    voiced: bool = True

    def __post_init__(self) -> None:
        values = self.values
        rep = self.representation
        if not isinstance(values, np.ndarray) or values.dtype != np.float32:
            kind = values.dtype if isinstance(values, np.ndarray) else type(values).__name__
            raise ValueError(
                f"frame {self.sequence} ({rep.value}): values must be float32, not {kind}"
            )
        if rep is Representation.BLENDSHAPES:
            fits, want = values.shape == (arkit.COUNT,), f"({arkit.COUNT},)"
        else:
            dims = 2 if rep is Representation.LANDMARKS_2D else 3
            fits = values.ndim == 2 and values.shape[0] > 0 and values.shape[1] == dims
            want = f"(points, {dims})"
        if not fits:
            raise ValueError(
                f"frame {self.sequence} ({rep.value}): values have shape {values.shape}, "
                f"expected {want}"
            )

    @property
    def blendshapes(self) -> np.ndarray | None:
        """``values`` of a blendshape frame, else None (prefer ``values``)."""
        return self.values if self.representation is Representation.BLENDSHAPES else None

    @property
    def landmarks(self) -> np.ndarray | None:
        """``values`` of a landmark frame, else None (prefer ``values``)."""
        return None if self.representation is Representation.BLENDSHAPES else self.values
