"""Artificial blinks: speech says nothing about the eyes, so a talking face would stare.

The paper adds a blink about every 5 s with some probability. :class:`BlinkSchedule` decides when
and how far the eyes are closed; :class:`Blinker` applies that to the ARKit blink shapes and
:class:`LandmarkBlinker` to the eyelid points of a landmark face.
"""

from __future__ import annotations

import logging

import numpy as np

from talkrig.models import arkit

log = logging.getLogger(__name__)

# dlib 68 (iBUG 300-W): eyes are 36-41 and 42-47, each ring starting at the outer corner; the
# upper lid points 37, 38 / 43, 44 sit above 41, 40 / 47, 46.
DLIB68_UPPER = (37, 38, 43, 44)
DLIB68_LOWER = (41, 40, 47, 46)
# MediaPipe FaceMesh: the eye contours FACEMESH_LEFT_EYE / FACEMESH_RIGHT_EYE of
# mediapipe/python/solutions/face_mesh_connections.py, corners (33/133, 263/362) left out and the
# upper lid paired with the lower lid point in the same order from the outer corner.
FACEMESH_UPPER = (246, 161, 160, 159, 158, 157, 173, 466, 388, 387, 386, 385, 384, 398)
FACEMESH_LOWER = (7, 163, 144, 145, 153, 154, 155, 249, 390, 373, 374, 380, 381, 382)
# The 468-point mesh without the 10 iris points has the same eyelid indices.
LAYOUTS: dict[int, tuple[tuple[int, ...], tuple[int, ...]]] = {
    68: (DLIB68_UPPER, DLIB68_LOWER),
    468: (FACEMESH_UPPER, FACEMESH_LOWER),
    478: (FACEMESH_UPPER, FACEMESH_LOWER),
}


def blink_curve(duration_frames: int) -> np.ndarray:
    """Closure per frame of one blink, ``(duration_frames,)`` float32: close fast, open slower.

    About a third of the frames close the lid linearly to 1, the rest open it back to exactly 0.
    """
    if duration_frames < 2:
        raise ValueError(f"a blink needs duration_frames >= 2, not {duration_frames}")
    closing = max(1, round(duration_frames / 3))
    opening = duration_frames - closing
    down = np.arange(1, closing + 1) / closing
    up = 1.0 - np.arange(1, opening + 1) / opening
    return np.concatenate([down, up]).astype(np.float32)


class BlinkSchedule:
    """When to blink and how closed the eyes are, one frame at a time (engine thread).

    Every ``interval_s ± jitter_s`` (uniform) a blink is due; it is played with ``probability``.

    Args:
        rate: frames per second.
        interval_s, jitter_s: mean time between due blinks and its uniform spread
            (``0 <= jitter_s <= interval_s``).
        probability: chance that a due blink is played, in [0, 1].
        duration_frames: frames one blink lasts (>= 2).
        seed: seed of the random generator (``None`` = fresh entropy).
    """

    def __init__(
        self,
        rate: float = 25.0,
        interval_s: float = 5.0,
        jitter_s: float = 1.5,
        probability: float = 0.8,
        duration_frames: int = 5,
        seed: int | None = None,
    ) -> None:
        if rate <= 0 or interval_s <= 0 or not 0 <= jitter_s <= interval_s:
            raise ValueError(
                f"blinks need rate > 0, interval_s > 0 and 0 <= jitter_s <= interval_s, got "
                f"{rate}, {interval_s} and {jitter_s}"
            )
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"blink probability must lie in [0, 1], not {probability}")
        self.rate = rate
        self.interval_s = interval_s
        self.jitter_s = jitter_s
        self.probability = probability
        self.curve = blink_curve(duration_frames)
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        """Restart the schedule (and, with a seed, the same sequence of blinks)."""
        self._rng = np.random.default_rng(self.seed)
        self._frames_left = self._draw_wait()
        self._phase = -1  # index into the curve while a blink plays

    def _draw_wait(self) -> int:
        seconds = self._rng.uniform(
            self.interval_s - self.jitter_s, self.interval_s + self.jitter_s
        )
        return max(1, round(seconds * self.rate))

    def step(self) -> float:
        """Advance one frame; the eye closure for it, in [0, 1] (0 = no blink)."""
        self._frames_left -= 1
        if self._frames_left <= 0:
            self._frames_left = self._draw_wait()
            if self._phase < 0 and self._rng.random() < self.probability:
                self._phase = 0
        if self._phase < 0:
            return 0.0
        closure = float(self.curve[self._phase])
        self._phase += 1
        if self._phase >= len(self.curve):
            self._phase = -1
        return closure


class Blinker(BlinkSchedule):
    """Blinks on ``eyeBlinkLeft`` / ``eyeBlinkRight`` of ``(52,)`` blendshapes (engine thread).

    The blink is ``max(existing, curve)``: a model that already closes the eyes keeps them closed.
    A NaN eye value gives way to the blink (``fmax``); the schedule itself never sees the values,
    so no input can stop the blinks.
    """

    _EYES = (arkit.INDEX["eyeBlinkLeft"], arkit.INDEX["eyeBlinkRight"])

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """One frame: returns a new float32 ``(52,)`` array."""
        out = np.array(values, dtype=np.float32)
        closure = self.step()
        if closure > 0.0:
            eyes = list(self._EYES)
            out[eyes] = np.fmax(out[eyes], closure)
        return out


class LandmarkBlinker(BlinkSchedule):
    """Blinks on ``(points, dims)`` landmarks by moving upper-lid points toward the lower lid.

    The layout is chosen by the point count (:data:`LAYOUTS`: dlib 68, MediaPipe 468/478). Any
    other count passes unchanged, and ``notice`` says why (logged once).
    """

    notice: str | None = None

    def __call__(self, points: np.ndarray) -> np.ndarray:
        """One frame: returns a new float32 array of the same shape."""
        out = np.array(points, dtype=np.float32)
        closure = self.step()
        layout = LAYOUTS.get(out.shape[0]) if out.ndim == 2 else None
        if layout is None:
            if self.notice is None:
                self.notice = f"no eyelid layout for landmarks of shape {out.shape}: blinks are off"
                log.warning(self.notice)
            return out
        if closure > 0.0:
            upper, lower = list(layout[0]), list(layout[1])
            out[upper] += closure * (out[lower] - out[upper])
        return out
