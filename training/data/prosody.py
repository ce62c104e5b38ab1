"""Prosody → the emotional family's brows, cheeks and smile, computed from the take's own audio.

The viseme table moves only the mouth and jaw. The *emotional* models also move the upper face
the way speakers do with their voice (Cavé et al. 1996; Granström & House 2005: brows rise with
pitch accents and emphasis; a smile raises the voice and widens its range):

- **brows** (``browInnerUp``, ``browOuterUpLeft/Right``): rise with the pitch above the take's
  median, in semitones (from 1 st, full at +7 st), and with loudness peaks above the take's
  median level;
- **smile** (``mouthSmileLeft/Right``, ``cheekSquintLeft/Right``): the take's liveliness, the
  spread of its pitch (inter-quartile range in semitones) from 2 st (none) to 8 st (full), held
  over the voiced part of the take and eased at its ends.

Because every curve is a function of the audio, a network can learn it; but these use the
whole take (its median pitch, its pitch spread), which a 280 ms window does not hear, so the
engine applies the same rules as the audio streams (``bridge/post/prosody.py``, which holds
them) and the emotional model's own upper face is not what the avatar shows. Pitch comes from a
normalised autocorrelation (70–400 Hz) over 80 ms around each 40 ms frame. Pure functions,
called when a corpus is loaded (``dataset.py``), so the same corpus serves both families.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from talkrig.bridge.post.prosody import (
    BROW_MAX,
    F0_RANGE_HZ,
    SMILE_MAX,
    VOICING,
    brow_raise,
    liveliness,
)
from talkrig.models import arkit
from talkrig.models.contract import HOP_SAMPLES, SAMPLE_RATE

_SILENT_DB = -45.0


def frame_pitch(audio: np.ndarray, frames: int) -> np.ndarray:
    """(frames,) F0 in Hz per 40 ms frame (0 where unvoiced or silent)."""
    width = 2 * HOP_SAMPLES
    padded = np.concatenate(
        [np.zeros(HOP_SAMPLES // 2, np.float32), audio, np.zeros(width, np.float32)]
    )
    starts = np.arange(frames) * HOP_SAMPLES
    segments = padded[starts[:, None] + np.arange(width)[None]]
    segments = segments - segments.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(segments * np.hanning(width)[None], n=2 * width)
    corr = np.fft.irfft(np.abs(spectrum) ** 2)[:, :width]
    energy = corr[:, 0]
    low, high = int(SAMPLE_RATE / F0_RANGE_HZ[1]), int(SAMPLE_RATE / F0_RANGE_HZ[0])
    lag = low + np.argmax(corr[:, low:high], axis=1)
    peak = corr[np.arange(frames), lag] / np.maximum(energy, 1e-12)
    level = 10 * np.log10(
        np.maximum(energy / width, 1e-12) / max(float(np.max(energy / width)), 1e-12)
    )
    voiced = (peak > VOICING) & (level > _SILENT_DB + 20)
    return np.where(voiced, SAMPLE_RATE / lag, 0.0)


def frame_level_db(audio: np.ndarray, frames: int) -> np.ndarray:
    """(frames,) RMS level in dB relative to the loudest frame."""
    body = np.zeros(frames * HOP_SAMPLES, np.float32)
    body[: min(len(audio), len(body))] = audio[: len(body)]
    power = (body.reshape(frames, HOP_SAMPLES) ** 2).mean(axis=1)
    return 10 * np.log10(np.maximum(power, 1e-12) / max(float(power.max()), 1e-12))


def prosody_curves(audio: np.ndarray, frames: int) -> np.ndarray:
    """(frames, 52) float32 values for the brow, cheek and smile shapes (0 elsewhere)."""
    out = np.zeros((frames, arkit.COUNT), np.float32)
    f0 = frame_pitch(audio, frames)
    voiced = f0 > 0
    if voiced.sum() < 3:
        return out
    semitones = np.zeros(frames)
    semitones[voiced] = 12 * np.log2(f0[voiced] / np.median(f0[voiced]))
    level = frame_level_db(audio, frames)
    loud = level - np.median(level[voiced])
    brow = ndimage.gaussian_filter1d(np.where(voiced, brow_raise(semitones, loud), 0.0), 1.5)
    brow = brow * BROW_MAX
    lively = liveliness(semitones[voiced])
    span = np.zeros(frames)
    first, last = np.nonzero(voiced)[0][[0, -1]]
    span[first : last + 1] = 1.0
    smile = ndimage.gaussian_filter1d(span, 3.0) * lively * SMILE_MAX
    for name in ("browInnerUp", "browOuterUpLeft", "browOuterUpRight"):
        out[:, arkit.INDEX[name]] = brow
    for name in ("mouthSmileLeft", "mouthSmileRight"):
        out[:, arkit.INDEX[name]] = smile
    for name in ("cheekSquintLeft", "cheekSquintRight"):
        out[:, arkit.INDEX[name]] = 0.6 * smile
    return np.clip(out, 0.0, 1.0).astype(np.float32)
