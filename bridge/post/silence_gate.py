"""Silence gate: hold the face at rest while nobody speaks.

A speech model fed with room noise still mumbles, and a mouth that hangs half open between
sentences looks broken. The gate watches the level of the audio that belongs to the predicted
frame and, with hysteresis, eases the values to the rest pose while it is closed.

Fixed thresholds alone miss the pauses of a loud, close voice: a breath between two phrases of
read speech peaking at -9 dBFS sits at -45..-50 dBFS, above a -50 dBFS floor, and the mouth
hangs ajar through it. So the thresholds also follow the voice: the gate closes on whatever is
``relative_db`` below the recent speech peak. The peak is taken over sounds that last (the
quieter of the two loudest of the last three frames: a vowel lasts longer than 40 ms, a click or
a knock on the desk does not) and it decays slowly, so one loud shout does not mute the next
minute of normal talk. The fixed thresholds stay the floor, so quiet voices behave as before.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

SILENCE_DB = -120.0  # level reported for digital silence (log10 of zero is -inf)
PEAK_DECAY_DB_PER_S = 3.0  # after a phrase at the peak, a 35 dB margin relaxes in about 12 s
# Two quiet frames (80 ms) close the gate. With three, the mouth of a model that learned real
# faces hung 0.16 s into a 0.2 s breath between two words (its look-ahead already hears the next
# one), over the 0.12 s the product promises; two shut it in 0.12 s and, on 60 s1 sentences,
# 3 read-speech clips and 120 FSDD digits, shut the gate on no more of the 3,754 loud frames
# (57 either way) and on 1 more frame between words (docs/model-studies.md, "Closing after
# speech").
HOLD_FRAMES = 2
RELEASE_FRAMES = 3  # a 120 ms ease to rest: a snap would read as a twitch


def level_dbfs(audio: np.ndarray) -> float:
    """RMS level of ``audio`` (float samples in [-1, 1], any shape) in dB re full scale 1.0.

    A full-scale square wave is 0 dBFS, a full-scale sine -3 dBFS; empty or silent audio gives
    :data:`SILENCE_DB`. Non-finite samples are left out and the level is capped at 0 dBFS, so
    it is always finite: a burst of +inf once made the gate's speech peak infinite and the mouth
    stayed shut for the rest of the stream (a huge finite burst would shut it for minutes).
    """
    samples = np.asarray(audio, dtype=np.float64)
    finite = np.isfinite(samples)
    if not finite.all():
        samples = samples[finite]
    if samples.size == 0:
        return SILENCE_DB
    rms = math.sqrt(float(np.mean(samples * samples)))
    return min(max(20.0 * math.log10(rms), SILENCE_DB), 0.0) if rms > 0 else SILENCE_DB


class SilenceGate:
    """Hysteresis gate on the frame's audio level; called on the engine thread.

    - Opens at once when the level reaches ``open_db``.
    - Closes only after the level stayed below ``close_db`` for ``hold_frames`` frames in a row
      (a level between the two thresholds keeps the current state and restarts the count).
    - While closed, the output is a linear blend from the live values to ``rest`` that reaches
      ``rest`` ``release_frames`` frames after closing; the values are never frozen, so a mouth
      cannot stay stuck open.

    - Both thresholds rise with a loud voice: the close threshold is at least ``relative_db``
      below the peak level (of sounds lasting 2 frames or more; it falls by ``peak_decay_db``
      per frame when nothing louder comes), and the open threshold keeps its distance
      ``open_db - close_db`` above it.

    The gate starts closed (at rest): a stream that starts with speech opens on its first frame.

    Args:
        open_db, close_db: thresholds in dBFS (:func:`level_dbfs`), ``close_db <= open_db``.
        hold_frames: frames below ``close_db`` before closing (>= 1).
        release_frames: frames to ease to rest after closing (0 = jump).
        rest: the rest pose, same shape as the values; ``None`` = zeros (blendshapes: mouth shut).
        relative_db: close below the recent peak minus this (> 0); ``None`` = fixed thresholds.
        peak_decay_db: how fast the remembered peak falls, dB per frame (>= 0; the default is
            :data:`PEAK_DECAY_DB_PER_S` at 25 frames/s).
    """

    _peak: float  # dBFS, the loudest lasting level less its decay since
    _recent: deque[float]  # the last three levels

    def __init__(
        self,
        open_db: float = -42.0,
        close_db: float = -50.0,
        hold_frames: int = HOLD_FRAMES,
        release_frames: int = RELEASE_FRAMES,
        rest: np.ndarray | None = None,
        relative_db: float | None = 35.0,
        peak_decay_db: float = PEAK_DECAY_DB_PER_S / 25.0,
    ) -> None:
        if close_db > open_db:
            raise ValueError(f"close_db ({close_db}) must not exceed open_db ({open_db})")
        if hold_frames < 1 or release_frames < 0:
            raise ValueError(
                f"hold_frames must be >= 1 and release_frames >= 0, got {hold_frames} and "
                f"{release_frames}"
            )
        if relative_db is not None and not relative_db > 0:
            raise ValueError(f"relative_db must be > 0 or None, got {relative_db}")
        if not peak_decay_db >= 0:
            raise ValueError(f"peak_decay_db must be >= 0, got {peak_decay_db}")
        self.open_db = open_db
        self.close_db = close_db
        self.hold_frames = hold_frames
        self.release_frames = release_frames
        self.rest = None if rest is None else np.asarray(rest, dtype=np.float32)
        self.relative_db = relative_db
        self.peak_decay_db = peak_decay_db
        self.reset()

    @property
    def is_open(self) -> bool:
        return self._open

    def thresholds(self) -> tuple[float, float]:
        """``(open, close)`` in dBFS as they stand now (the fixed ones, raised by the peak)."""
        close = self.close_db
        if self.relative_db is not None:
            close = max(close, self._peak - self.relative_db)
        return close + (self.open_db - self.close_db), close

    def __call__(self, values: np.ndarray, frame_audio: np.ndarray) -> tuple[np.ndarray, bool]:
        """Gate one frame by the level of its audio; returns ``(values, voiced)``.

        ``values`` has the rest pose's shape; ``frame_audio`` is the predicted frame's samples
        (float, [-1, 1]). The returned array is new, float32.
        """
        return self.step(values, level_dbfs(frame_audio))

    def step(self, values: np.ndarray, level_db: float) -> tuple[np.ndarray, bool]:
        """:meth:`__call__` with the level already measured (the chain delays levels, not audio).

        A non-finite ``level_db`` carries no information: it is taken as silence, so it can
        neither raise the remembered peak nor open the gate.
        """
        if not math.isfinite(level_db):
            level_db = SILENCE_DB
        self._recent.append(level_db)
        lasting = sorted(self._recent)[-2] if len(self._recent) > 1 else SILENCE_DB
        self._peak = max(lasting, self._peak - self.peak_decay_db)
        open_db, close_db = self.thresholds()
        if level_db >= open_db:
            self._open = True
            self._below = 0
        elif level_db < close_db:
            self._below += 1
            if self._open and self._below >= self.hold_frames:
                self._open = False
                self._closed_for = 0
        else:
            self._below = 0
        if self._open:
            return np.array(values, dtype=np.float32), True
        self._closed_for += 1
        return self._toward_rest(values), False

    def _toward_rest(self, values: np.ndarray) -> np.ndarray:
        live = np.asarray(values, dtype=np.float32)
        rest = np.zeros_like(live) if self.rest is None else self.rest
        if rest.shape != live.shape:
            raise ValueError(f"rest pose has shape {rest.shape}, values have {live.shape}")
        if self.release_frames == 0:
            return rest.copy()
        keep = max(0.0, 1.0 - self._closed_for / self.release_frames)
        return (rest + keep * (live - rest)).astype(np.float32)

    def reset(self) -> None:
        """Back to the start state: closed, fully at rest, no peak remembered."""
        self._peak = SILENCE_DB
        self._recent = deque(maxlen=3)
        self._open = False
        self._below = 0
        self._closed_for = self.release_frames
