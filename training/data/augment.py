"""Audio augmentation for the synthetic corpus: speed, EQ, reverberation, noise and gain.

Synthetic voices are clean and alike; these make the models hear rooms, microphones and noise.
Every function is pure: ``(n,)`` float32 16 kHz in, float32 out, randomness from the ``rng``
passed in (the bootstrap builder seeds one per utterance). Only :func:`change_speed` changes the
length (and with it pitch, like a tape): the caller scales the phone timings by the same factor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from talkrig.models.contract import SAMPLE_RATE


class AugmentError(ValueError):
    """A parameter outside its meaningful range (named in the message)."""


@dataclass(frozen=True)
class AugmentSettings:
    """Ranges the random chain draws from (uniform unless stated)."""

    speed: tuple[float, float] = (0.9, 1.1)
    gain_db: tuple[float, float] = (-12.0, 3.0)
    snr_db: tuple[float, float] = (10.0, 40.0)
    noise_probability: float = 0.7
    rt60_s: tuple[float, float] = (0.1, 0.6)
    reverb_probability: float = 0.5
    eq_probability: float = 0.7


def change_speed(audio: np.ndarray, factor: float) -> np.ndarray:
    """Play ``factor`` times faster (shorter and higher, like a tape): polyphase resampling
    to ``len / factor`` samples."""
    if not 0.5 <= factor <= 2.0:
        raise AugmentError(f"speed factor {factor} outside [0.5, 2]")
    up, down = 1000, round(1000 * factor)
    return signal.resample_poly(audio, up, down).astype(np.float32)


def apply_gain(audio: np.ndarray, gain_db: float) -> np.ndarray:
    """Scale by ``gain_db`` decibels, then clip to [-1, 1] as a real converter would."""
    return np.clip(audio * 10.0 ** (gain_db / 20.0), -1.0, 1.0).astype(np.float32)


def add_noise(audio: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """Add white, pink or brown noise at ``snr_db`` below the speech's active power (the
    loudest half of 40 ms frames, so pauses do not lower the reference)."""
    white = rng.normal(size=len(audio))
    colour = rng.integers(3)
    if colour > 0:
        # 1/f^colour spectrum shaped in the frequency domain
        spectrum = np.fft.rfft(white)
        f = np.maximum(np.fft.rfftfreq(len(audio)), 1.0 / len(audio))
        white = np.fft.irfft(spectrum / f ** (colour / 2.0), n=len(audio))
    frames = audio[: len(audio) // 640 * 640].reshape(-1, 640)
    power = np.mean(frames**2, axis=1) if len(frames) else np.array([np.mean(audio**2)])
    reference = float(np.mean(np.sort(power)[len(power) // 2 :])) + 1e-12
    noise = white * np.sqrt(reference / (np.mean(white**2) + 1e-20) / 10.0 ** (snr_db / 10.0))
    return (audio + noise).astype(np.float32)


def reverberate(
    audio: np.ndarray, rt60_s: float, wet: float, rng: np.random.Generator
) -> np.ndarray:
    """Convolve with a synthetic room: exponentially decaying noise reaching -60 dB after
    ``rt60_s``, mixed ``wet`` (0..1) with the dry sound; loudness kept."""
    if not 0.0 < rt60_s <= 2.0 or not 0.0 <= wet <= 1.0:
        raise AugmentError(f"reverb rt60 {rt60_s} s / wet {wet} outside (0, 2] / [0, 1]")
    t = np.arange(int(rt60_s * SAMPLE_RATE)) / SAMPLE_RATE
    response = rng.normal(size=len(t)) * 10.0 ** (-3.0 * t / rt60_s)
    response /= np.sqrt(np.sum(response**2))
    tail = signal.fftconvolve(audio, response)[: len(audio)]
    mixed = (1.0 - wet) * audio + wet * tail
    scale = np.sqrt((np.mean(audio**2) + 1e-20) / (np.mean(mixed**2) + 1e-20))
    return (mixed * scale).astype(np.float32)


def equalize(audio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random microphone/channel: a band limit (telephone to full band) and a tilt, as two
    Butterworth filters (second-order sections)."""
    low = rng.uniform(50.0, 300.0)
    high = rng.uniform(3400.0, 7900.0)
    band = signal.butter(2, [low, high], btype="bandpass", fs=SAMPLE_RATE, output="sos")
    out = signal.sosfilt(band, audio)
    # tilt: mix a low- or high-passed copy back in (+-6 dB shelf-like emphasis)
    corner = rng.uniform(500.0, 3000.0)
    kind = "lowpass" if rng.random() < 0.5 else "highpass"
    shelf = signal.butter(1, corner, btype=kind, fs=SAMPLE_RATE, output="sos")
    out = out + rng.uniform(-0.5, 1.0) * signal.sosfilt(shelf, out)
    return out.astype(np.float32)


def augment(
    audio: np.ndarray, rng: np.random.Generator, settings: AugmentSettings = AugmentSettings()
) -> np.ndarray:
    """The random chain without speed change: EQ, reverberation, noise, then gain (each with
    its probability), the take scaled to peak 0.7 before the gain. Same length as ``audio``;
    float32 in [-1, 1]."""
    out = audio.astype(np.float32)
    if rng.random() < settings.eq_probability:
        out = equalize(out, rng)
    if rng.random() < settings.reverb_probability:
        out = reverberate(out, rng.uniform(*settings.rt60_s), rng.uniform(0.1, 0.6), rng)
    if rng.random() < settings.noise_probability:
        out = add_noise(out, rng.uniform(*settings.snr_db), rng)
    # a common reference level (peak 0.7) first, so gain_db alone sets how loud the take is
    out = out * (0.7 / (float(np.max(np.abs(out))) + 1e-9))
    return apply_gain(out, rng.uniform(*settings.gain_db))
