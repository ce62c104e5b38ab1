"""Layers that read raw 16 kHz audio inside the graph: SincNet's learnable band-pass filters and
the LSTM baseline's log-Mel with Δ and ΔΔ (fixed convolutions, so ONNX export needs no STFT op).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from talkrig.models.contract import SAMPLE_RATE


class SincConv(nn.Module):
    """Learnable band-pass filters parametrised by low cut-off and bandwidth (Ravanelli & Bengio
    2018); filters are rebuilt from the two parameters on every call, so they export too."""

    t_left: torch.Tensor  # (1, taps // 2) buffer: 2π t for the left half, in seconds
    window: torch.Tensor  # (taps // 2,) buffer: left half of a Hamming window

    def __init__(self, filters: int = 80, taps: int = 251, sample_rate: int = SAMPLE_RATE) -> None:
        super().__init__()
        if taps % 2 == 0:
            raise ValueError("sinc filters need an odd number of taps")
        self.min_low_hz, self.min_band_hz = 50.0, 50.0
        mel = np.linspace(_hz_to_mel(30.0), _hz_to_mel(sample_rate / 2 - 100.0), filters + 1)
        hz = _mel_to_hz(mel)
        self.low_hz = nn.Parameter(torch.tensor(hz[:-1] - self.min_low_hz).float().view(-1, 1))
        self.band_hz = nn.Parameter(torch.tensor(np.diff(hz)).float().view(-1, 1))
        half = taps // 2
        n = torch.arange(-half, 0).float() / sample_rate  # (half,) seconds, left half
        self.register_buffer("t_left", 2 * math.pi * n.view(1, -1))
        self.register_buffer("window", torch.hamming_window(taps, periodic=False)[:half])
        self.sample_rate = sample_rate
        self.taps = taps

    def filters(self) -> torch.Tensor:
        """``(filters, 1, taps)`` band-pass impulse responses, peak gain normalised."""
        low = self.min_low_hz + torch.abs(self.low_hz)
        high = torch.clamp(
            low + self.min_band_hz + torch.abs(self.band_hz), self.min_low_hz, self.sample_rate / 2
        )
        band = (high - low)[:, 0]
        t = self.t_left
        left = (torch.sin(high * t) - torch.sin(low * t)) / (t / 2) * self.window
        centre = 2 * band.view(-1, 1)
        kernels = torch.cat([left, centre, torch.flip(left, dims=[1])], dim=1)
        return (kernels / (2 * band.view(-1, 1))).unsqueeze(1)

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        """``(B, 1, N)`` → ``(B, filters, N - taps + 1)``."""
        return nn.functional.conv1d(audio, self.filters())


class LogMagnitude(nn.Module):
    """``log(|x| + floor)``, element by element: after a raw-waveform network's first layer it
    turns a microphone's gain into an offset shared by every channel and instant, which training
    at many levels teaches the layers after it to ignore (as the log-Mel networks learn); on the
    linear samples a gain scales every activation instead, and quiet voices barely open the mouth
    (docs/model-studies.md, "Input level"). ``floor`` (-80 dBFS by default) keeps digital
    silence finite; a higher one makes a quiet room tail read as silence."""

    def __init__(self, floor: float = 1e-4) -> None:
        super().__init__()
        self.floor = floor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.log(torch.abs(x) + self.floor)


def _hz_to_mel(hz: float | np.ndarray) -> Any:
    return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


def mel_filterbank(bands: int, n_fft: int, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """``(bands, n_fft // 2 + 1)`` HTK-mel triangular filters from 0 Hz to Nyquist."""
    freqs = np.linspace(0.0, sample_rate / 2, n_fft // 2 + 1)
    edges = _mel_to_hz(np.linspace(0.0, _hz_to_mel(sample_rate / 2), bands + 2))
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs - lower) / (centre - lower)
    falling = (upper - freqs) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling)).astype(np.float32)


class LogMelDeltas(nn.Module):
    """Log-Mel with Δ and ΔΔ (regression over ±2 frames), all as fixed convolutions so that the
    exported graph takes raw audio. ``(B, N)`` → ``(B, frames - 8, 3 * bands)``."""

    dft: torch.Tensor  # (2 * bins, 1, n_fft) buffer: Hann-windowed cos and -sin rows
    mel: torch.Tensor  # (bands, bins) buffer
    delta: torch.Tensor  # (bands, 1, 5) buffer: depthwise regression kernel

    def __init__(self, bands: int = 40, n_fft: int = 400, hop: int = 160) -> None:
        super().__init__()
        bins = n_fft // 2 + 1
        k = np.arange(bins)[:, None] * np.arange(n_fft)[None, :] * 2 * np.pi / n_fft
        hann = np.hanning(n_fft + 1)[:-1]
        dft = np.concatenate([np.cos(k), -np.sin(k)]) * hann  # (2 * bins, n_fft)
        self.register_buffer("dft", torch.tensor(dft, dtype=torch.float32).unsqueeze(1))
        self.register_buffer("mel", torch.tensor(mel_filterbank(bands, n_fft)))
        delta = torch.tensor([-2.0, -1.0, 0.0, 1.0, 2.0]) / 10.0
        self.register_buffer("delta", delta.repeat(bands, 1, 1))  # (bands, 1, 5) depthwise
        self.hop, self.bins, self.bands, self.n_fft = hop, bins, bands, n_fft

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        spec = nn.functional.conv1d(audio.unsqueeze(1), self.dft, stride=self.hop)
        power = spec[:, : self.bins] ** 2 + spec[:, self.bins :] ** 2  # (B, bins, F)
        logmel = torch.log(torch.matmul(self.mel, power) + 1e-6)  # (B, bands, F)
        d1 = nn.functional.conv1d(logmel, self.delta, groups=self.bands)  # (B, bands, F - 4)
        d2 = nn.functional.conv1d(d1, self.delta, groups=self.bands)  # (B, bands, F - 8)
        feats = torch.cat([logmel[:, :, 4:-4], d1[:, :, 2:-2], d2], dim=1)
        return feats.transpose(1, 2)
