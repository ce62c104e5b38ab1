"""The paper's three networks, each taking raw 16 kHz audio.

Every network maps a window ``(B, window_samples)`` to the output of ONE frame ``(B, out_dim)``
(``forward``, what is exported to ONNX), and runs over a padded utterance
``(B, window_samples + (T - 1) * hop_samples)`` giving one output per 640-sample hop
``(B, T, out_dim)`` (``frames``, what training uses). Frame ``t`` of ``frames`` is exactly
``forward`` of the window starting at sample ``t * hop``.

Stride choices (the paper gives none):

* 1D-CNN: valid convolutions with strides 4/4/4/2, total stride 128, which divides the 640-sample
  hop, so ``frames`` is one fully-convolutional pass (the head is a convolution whose kernel spans
  the whole window and whose stride is 640 / 128 = 5) and an exact streaming twin exists
  (docs/environment.md). Strides 4/4/4/4 (256) would not divide 640.
* SincNet: sinc layer at stride 1 then max-pooling 4/4/4, total stride 64 (divides 640); the first
  linear layer is again a window-wide convolution with stride 10, the second a 1x1 convolution.
* LSTM: log-Mel (25 ms Hann, 10 ms hop, 40 bands) with Δ and ΔΔ computed inside the graph by
  fixed convolutions; the 4 LSTM layers read the window's feature frames and the last state
  predicts. A recurrent state depends on where the window starts, so ``frames`` unfolds the
  utterance into windows and batches them (exact, but not cheaper).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from talkrig.models.contract import HOP_SAMPLES, PAPER_LOOKAHEAD_SAMPLES, WINDOW_SAMPLES

from .frontends import LogMagnitude, LogMelDeltas, SincConv


class FaceNet(nn.Module):
    """Base class: window geometry and the constructor arguments a checkpoint stores."""

    architecture = ""

    def __init__(
        self, out_dim: int, window_samples: int, hop_samples: int, lookahead_samples: int
    ) -> None:
        super().__init__()
        self.out_dim = out_dim
        self.window_samples = window_samples
        self.hop_samples = hop_samples
        self.lookahead_samples = lookahead_samples
        self.args: dict[str, Any] = {}

    voice_gate = False  # networks that take ``voice_gate=True`` have one more output
    # lowers the gate's logit, so the gate opens less readily: set at export (training leaves it
    # 0, where the network would only learn it back); docs/model-studies.md, "The last hundredth"
    gate_offset = 0.0
    phones = 0  # networks that take ``phones=N`` have N more outputs: a phone classifier

    def _raw(self, audio: torch.Tensor) -> torch.Tensor:
        """``(B, window + (T-1) * hop)`` → ``(B, T, out_dim [+ 1 voice gate] [+ phones])``."""
        raise NotImplementedError

    def frames(self, audio: torch.Tensor) -> torch.Tensor:
        """``(B, window + (T-1) * hop)`` → ``(B, T, out_dim)``."""
        return self.heads(audio)[0]

    def heads(
        self, audio: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """The face ``(B, T, out_dim)``, the voice gate's logits ``(B, T)`` and the phone
        classifier's logits ``(B, T, phones)`` (``None`` for a head the network lacks). The
        phone head only teaches the shared layers during training: the face ignores it."""
        face, logits, phone_logits = self.parts(audio)
        return (face if logits is None else self.gate(face, logits)), logits, phone_logits

    def parts(
        self, audio: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """As :meth:`heads`, but the face head's output before the gate."""
        raw, phone_logits = self._raw(audio), None
        if self.phones:
            raw, phone_logits = raw[..., : -self.phones], raw[..., -self.phones :]
        if not self.voice_gate:
            return raw, None, phone_logits
        return raw[..., :-1], raw[..., -1], phone_logits

    def _add_heads(self, voice_gate: bool, phones: int = 0) -> int:
        """Set up a voice gate (or none) and a phone head of ``phones`` classes (or none): the
        count of extra head outputs they need."""
        self.voice_gate, self.phones = voice_gate, phones
        if voice_gate:  # the face where the gate is shut; fit sets it from the non-speech clips
            self.register_buffer("rest", torch.zeros(self.out_dim))
        return int(voice_gate) + phones

    def gate(self, face: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        """The face head's ``face`` ``(B, T, out_dim)`` through the voice gate's ``logits``
        ``(B, T)``: ``rest + σ(logit) · (face − rest)``. Where the gate is shut the face is the
        rest face whatever the face head says, so music and noise need not be taught to the face
        head, which is then free to follow any voice (docs/model-studies.md, "Voice gate")."""
        rest = self.get_buffer("rest")
        if self.gate_offset:  # no extra node in the graph of a model exported without one
            logits = logits - self.gate_offset
        return rest + torch.sigmoid(logits).unsqueeze(-1) * (face - rest)

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        """``(B, window_samples)`` float32 → ``(B, out_dim)``: the predicted frame's output."""
        return self.frames(windows)[:, 0]


def constructor_args(names: dict[str, Any]) -> dict[str, Any]:
    """The constructor's arguments from its ``locals()``, called first thing in ``__init__``, so
    a checkpoint can rebuild the same network."""
    return {key: value for key, value in names.items() if key not in ("self", "__class__")}


def _valid_length(length: int, kernel: int, stride: int) -> int:
    return (length - kernel) // stride + 1


class ConvNet(FaceNet):
    """1D-CNN: 4 valid conv layers (kernel 21, 64/128/256/512 channels, strides 4/4/4/2), each
    followed by batch norm, ReLU and dropout, then a linear layer over the whole window.
    ``log_front``: the first layer's output goes through :class:`LogMagnitude` (level
    robustness, TalkRig's addition)."""

    architecture = "1d-cnn"

    def __init__(
        self,
        out_dim: int,
        window_samples: int = WINDOW_SAMPLES,
        hop_samples: int = HOP_SAMPLES,
        lookahead_samples: int = PAPER_LOOKAHEAD_SAMPLES,
        channels: tuple[int, ...] = (64, 128, 256, 512),
        strides: tuple[int, ...] = (4, 4, 4, 2),
        kernel: int = 21,
        dropout: float = 0.1,
        log_front: bool = False,
        voice_gate: bool = False,
        phones: int = 0,
        log_floor: float = 1e-4,
    ) -> None:
        super().__init__(out_dim, window_samples, hop_samples, lookahead_samples)
        self.args = constructor_args(locals())
        extra = self._add_heads(voice_gate, phones)
        total = math.prod(strides)
        if hop_samples % total:
            raise ValueError(f"total stride {total} must divide the hop {hop_samples}")
        layers: list[nn.Module] = []
        length, previous = window_samples, 1
        for width, stride in zip(channels, strides, strict=True):
            first = log_front and not layers
            # no bias there: a gain scales a bias-free filter's output, and the log shifts it
            layers.append(nn.Conv1d(previous, width, kernel, stride=stride, bias=not first))
            if first:
                layers.append(LogMagnitude(log_floor))
            layers += [
                nn.BatchNorm1d(width),
                nn.ReLU(),
                nn.Dropout(dropout),
            ]
            length, previous = _valid_length(length, kernel, stride), width
        self.body = nn.Sequential(*layers)
        # The "linear layer" sees every time step of the window: a conv whose kernel is the
        # window's feature length, sliding one hop (hop / total steps) per output frame.
        self.head = nn.Conv1d(previous, out_dim + extra, length, stride=hop_samples // total)

    def _raw(self, audio: torch.Tensor) -> torch.Tensor:
        x = self.body(audio.unsqueeze(1))  # (B, 512, L)
        return self.head(x).transpose(1, 2)  # (B, T, out_dim + extra)


class SincNet(FaceNet):
    """Sinc band-pass layer (80 filters, 251 taps), 2 conv layers (60 channels, kernel 5), each
    stage max-pooled by 4, then 2 linear layers (256 hidden units).

    ``gate_channels`` > 0 gives the voice gate its own small log-Mel branch (a :class:`MelCnn`
    of that width) instead of one more output of the sinc head: a few short sinc filters do not
    resolve the low notes and mains hum that tell music and fans from a voice
    (docs/model-studies.md, "Voice gate"). ``log_front``: the band-passed signals go through
    :class:`LogMagnitude` before the first pooling (level robustness, TalkRig's addition)."""

    architecture = "sincnet"

    def __init__(
        self,
        out_dim: int,
        window_samples: int = WINDOW_SAMPLES,
        hop_samples: int = HOP_SAMPLES,
        lookahead_samples: int = PAPER_LOOKAHEAD_SAMPLES,
        filters: int = 80,
        taps: int = 251,
        channels: int = 60,
        hidden: int = 256,
        dropout: float = 0.1,
        voice_gate: bool = False,
        phones: int = 0,
        gate_channels: int = 0,
        log_front: bool = False,
        log_floor: float = 1e-4,
    ) -> None:
        super().__init__(out_dim, window_samples, hop_samples, lookahead_samples)
        self.args = constructor_args(locals())
        extra = self._add_heads(voice_gate, phones)
        self.gate_branch: MelCnn | None = None
        if gate_channels and voice_gate:
            self.gate_branch = MelCnn(
                1, window_samples, hop_samples, lookahead_samples, channels=gate_channels,
                dropout=dropout,
            )  # fmt: skip
            extra -= 1  # the gate's logit comes from the branch, not from the sinc head
        pool, kernel = 4, 5
        if hop_samples % pool**3:
            raise ValueError(f"total stride {pool**3} must divide the hop {hop_samples}")
        self.sinc = SincConv(filters, taps)
        # max-pooling the log magnitude is the log of the pooled magnitude: an envelope
        front: list[nn.Module] = [LogMagnitude(log_floor)] if log_front else []
        self.body = nn.Sequential(
            *front, nn.MaxPool1d(pool), nn.BatchNorm1d(filters), nn.LeakyReLU(0.2),
            nn.Conv1d(filters, channels, kernel), nn.MaxPool1d(pool), nn.BatchNorm1d(channels),
            nn.LeakyReLU(0.2), nn.Dropout(dropout),
            nn.Conv1d(channels, channels, kernel), nn.MaxPool1d(pool), nn.BatchNorm1d(channels),
            nn.LeakyReLU(0.2), nn.Dropout(dropout),
        )  # fmt: skip
        length = (window_samples - taps + 1) // pool
        length = (length - kernel + 1) // pool
        length = (length - kernel + 1) // pool
        self.head = nn.Sequential(
            nn.Conv1d(channels, hidden, length, stride=hop_samples // pool**3),
            nn.LeakyReLU(0.2),
            nn.Dropout(dropout),
            nn.Conv1d(hidden, out_dim + extra, 1),
        )

    def _raw(self, audio: torch.Tensor) -> torch.Tensor:
        x = self.body(self.sinc(audio.unsqueeze(1)))  # (B, channels, L)
        raw = self.head(x).transpose(1, 2)  # (B, T, out_dim + extra)
        if self.gate_branch is None:
            return raw
        # [face | gate | phones], the layout heads() reads
        gate = self.gate_branch._raw(audio)
        return torch.cat([raw[..., : self.out_dim], gate, raw[..., self.out_dim :]], dim=-1)


class LstmNet(FaceNet):
    """The paper's baseline: log-Mel + Δ + ΔΔ, batch-normalised, 4 LSTM layers, linear."""

    architecture = "lstm"

    def __init__(
        self,
        out_dim: int,
        window_samples: int = WINDOW_SAMPLES,
        hop_samples: int = HOP_SAMPLES,
        lookahead_samples: int = PAPER_LOOKAHEAD_SAMPLES,
        bands: int = 40,
        hidden: int = 128,
        layers: int = 4,
        dropout: float = 0.1,
    ) -> None:
        super().__init__(out_dim, window_samples, hop_samples, lookahead_samples)
        self.args = constructor_args(locals())
        self.features = LogMelDeltas(bands)
        self.norm = nn.BatchNorm1d(3 * bands)
        self.lstm = nn.LSTM(3 * bands, hidden, num_layers=layers, dropout=dropout, batch_first=True)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, out_dim)

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        feats = self.norm(self.features(windows).transpose(1, 2)).transpose(1, 2)  # (B, F, 3M)
        states, _ = self.lstm(feats)  # (B, F, hidden)
        return self.head(self.drop(states[:, -1]))

    def _raw(self, audio: torch.Tensor) -> torch.Tensor:
        windows = audio.unfold(1, self.window_samples, self.hop_samples)  # (B, T, W)
        batch, count = windows.shape[:2]
        out = self.forward(windows.reshape(batch * count, self.window_samples))
        return out.view(batch, count, self.out_dim)


class MelCnn(FaceNet):
    """Log-Mel + Δ + ΔΔ (10 ms frames, inside the graph), 3 conv layers (kernel 5) and a head
    over the window's remaining frames. TalkRig's addition: a fixed spectral front end needs far
    less data than learning one from the waveform, which is what a small, mostly synthetic
    corpus has to offer."""

    architecture = "mel-cnn"

    def __init__(
        self,
        out_dim: int,
        window_samples: int = WINDOW_SAMPLES,
        hop_samples: int = HOP_SAMPLES,
        lookahead_samples: int = PAPER_LOOKAHEAD_SAMPLES,
        bands: int = 40,
        channels: int = 128,
        dropout: float = 0.1,
        voice_gate: bool = False,
        phones: int = 0,
    ) -> None:
        super().__init__(out_dim, window_samples, hop_samples, lookahead_samples)
        self.args = constructor_args(locals())
        extra = self._add_heads(voice_gate, phones)
        self.features = LogMelDeltas(bands)
        step = self.features.hop
        if hop_samples % step:
            raise ValueError(f"the feature hop {step} must divide the hop {hop_samples}")
        layers: list[nn.Module] = [nn.BatchNorm1d(3 * bands)]
        previous = 3 * bands
        for _ in range(3):
            layers += [
                nn.Conv1d(previous, channels, 5),
                nn.BatchNorm1d(channels),
                nn.ReLU(),
                nn.Dropout(dropout),
            ]
            previous = channels
        self.body = nn.Sequential(*layers)
        frames = (window_samples - self.features.n_fft) // step + 1 - 8 - 3 * 4
        if frames < 1:
            raise ValueError(f"a window of {window_samples} samples is too short")
        self.head = nn.Conv1d(channels, out_dim + extra, frames, stride=hop_samples // step)

    def _raw(self, audio: torch.Tensor) -> torch.Tensor:
        x = self.body(self.features(audio).transpose(1, 2))  # (B, channels, L)
        return self.head(x).transpose(1, 2)  # (B, T, out_dim + extra)


NETWORKS: dict[str, type[FaceNet]] = {
    "cnn": ConvNet,
    "sincnet": SincNet,
    "lstm": LstmNet,
    "mel-cnn": MelCnn,
}


def build_network(kind: str, **args: Any) -> FaceNet:
    """A network by config name (``cnn``, ``sincnet``, ``lstm``, ``mel-cnn``) from arguments,
    e.g. the ``args`` a checkpoint stored; ValueError names an unknown kind."""
    if kind not in NETWORKS:
        raise ValueError(f"unknown architecture {kind!r} (known: {', '.join(NETWORKS)})")
    return NETWORKS[kind](**args)
