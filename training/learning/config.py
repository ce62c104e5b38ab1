"""The training configuration: one typed dataclass holding the paper's defaults.

Values come from three places, later ones winning: the defaults below, a TOML or JSON file, and
``key=value`` overrides from the command line (``--set lr=3e-4``). :func:`resolve` does all three
and :func:`save_config` writes the result next to a run's outputs.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from talkrig.models.contract import HOP_SAMPLES, PAPER_LOOKAHEAD_SAMPLES, WINDOW_SAMPLES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the pyproject pins tomli there
    import tomli as tomllib


class ConfigError(ValueError):
    """A configuration file or override is unreadable, names an unknown key or has a bad value."""


CHECKPOINT = "checkpoint.pt"  # name of a run folder's checkpoint (see fit.py)
ARCHITECTURES = ("cnn", "sincnet", "lstm", "mel-cnn")
# those that can carry a voice gate or phone head
GATED_ARCHITECTURES = ("mel-cnn", "sincnet", "cnn")
REPRESENTATIONS = ("blendshapes", "landmarks2d", "landmarks3d")
LR_SCHEDULES = ("constant", "cosine")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on (paper defaults: Smooth-L1, Adam, batch 32,
    lr 1e-5, dropout 0.1, 20 epochs, 280 ms centred window, 20 PDM components)."""

    architecture: str = "cnn"
    representation: str = "blendshapes"
    # 0: the architecture's default; cnn: channels of the first conv layer, doubling per layer
    # (paper: 64); mel-cnn: channels of each layer (128); sincnet: sinc filters (paper: 80)
    width: int = 0
    sinc_taps: int = 251  # length of SincNet's band-pass filters
    prosody: int = 0  # 1: add prosody-driven brows/smile to blendshape labels (emotional family)
    jaw_lag_ms: float = 0.0  # delay the jaw-opening labels (dataset.delay_jaw)
    jaw_blur_ms: float = 0.0  # and blur them (Gaussian sigma)
    voice_copies: int = 0  # copies of each clip in another voice and room (real_mix.py)
    nonspeech_clips: int = 0  # music/noise/typing/hum clips whose target is the rest face
    bed_copies: int = 0  # copies of each clip with music/noise/typing/hum under the voice
    room_copies: int = 0  # copies of each clip through another microphone and room
    # the quietest a room copy's voice may be: its peak from this many dB under -3 dBFS up to
    # 3 dB over it (real microphones come in quieter than GRID's recordings)
    room_gain_low_db: float = -12.0
    # 1: a voice gate output (mel-cnn, sincnet, cnn): non-speech clips train the gate, not the
    # face head
    voice_gate: int = 0
    gate_weight: float = 0.002  # the gate's cross-entropy beside the face loss
    # > 0: speech frames at least this far from the voice (a pause, the silence before and after
    # the words) teach a shut gate, so the mouth closes after speech; 0: pauses teach nothing
    gate_shut_after_ms: float = 0.0
    # 1: a raw-waveform network (cnn, sincnet) takes the log magnitude of its first layer's
    # output, so an input gain is an offset it can learn to ignore (networks.LogMagnitude)
    log_front: int = 0
    # the log front's floor in dBFS: quieter than this reads as silence (room tails, breaths)
    log_floor_db: float = -80.0
    # > 0: a SincNet's voice gate is a log-Mel branch of this many channels (networks.SincNet)
    gate_channels: int = 0
    # 1: a phone head (mel-cnn, sincnet, cnn) learns which phone sounds at each frame, beside the
    # face (labels by forced alignment, data/phone_labels.py): what is said, not who says it
    phone_head: int = 0
    phone_weight: float = 0.002  # the phone head's cross-entropy beside the face loss
    # > 0: beside the face loss, this times (1 - Pearson r) of each moving column (blendshapes:
    # mouth and jaw only) over each segment's voiced frames: the judge scores r, which a
    # per-frame loss only approaches (losses.segment_correlation_loss)
    corr_weight: float = 0.0
    # 0: the correlation term teaches the face head only, not the voice gate (losses.gated_loss)
    corr_gate: int = 1
    # > 0: export lowers the voice gate's logit by the smallest offset (steps of 0.5) at which the
    # streamed mouth's 95th percentile over the training split's non-speech sounds is at most
    # this (jawOpen above rest), and writes the offset into the card; fit does not use it. Chosen
    # on the training split, so the judge's non-speech sounds stay unseen (judging/gate_offset.py)
    nonspeech_target: float = 0.0
    epochs: int = 20
    batch_size: int = 32  # segments per batch (windows when segment_frames = 1, as in the paper)
    segment_frames: int = 25  # frames predicted per example in one fully-convolutional pass
    lr: float = 1e-5
    # "cosine": lr falls from ``lr`` to 0 over the run (per epoch); "constant": the paper's
    lr_schedule: str = "constant"
    grad_clip: float = 0.0  # max global gradient norm per step; 0 = no clipping (the paper's)
    dropout: float = 0.1
    smooth_l1_beta: float = 1.0
    weight_decay: float = 0.0
    # > 0: the run keeps an exponential moving average of the weights (and batch-norm statistics)
    # with this decay per step, and that average is what the checkpoint exports
    ema_decay: float = 0.0
    seed: int = 0
    # rebuild only: fit this many runs (seeds seed, seed + 1, ...) and ship the mean of their
    # exports as one model file (learning/average.py); a fit is always one run
    average_runs: int = 1
    window_samples: int = WINDOW_SAMPLES
    hop_samples: int = HOP_SAMPLES
    lookahead_samples: int = PAPER_LOOKAHEAD_SAMPLES
    pdm_components: int = 20
    threads: int = 1
    device: str = "cpu"  # "cpu", "cuda" or "auto" (CUDA when torch sees a GPU)
    checkpoint_every: int = 1  # epochs

    def __post_init__(self) -> None:
        problems = []
        if self.architecture not in ARCHITECTURES:
            problems.append(f"architecture {self.architecture!r} is not one of {ARCHITECTURES}")
        if self.representation not in REPRESENTATIONS:
            problems.append(
                f"representation {self.representation!r} is not one of {REPRESENTATIONS}"
            )
        for key in (
            "epochs",
            "batch_size",
            "sinc_taps",
            "segment_frames",
            "pdm_components",
            "threads",
            "checkpoint_every",
            "average_runs",
        ):
            if getattr(self, key) < 1:
                problems.append(f"{key} must be >= 1, got {getattr(self, key)}")
        for key in ("voice_copies", "nonspeech_clips", "bed_copies", "room_copies"):
            if getattr(self, key) < 0:
                problems.append(f"{key} must be >= 0, got {getattr(self, key)}")
        if not -60.0 <= self.room_gain_low_db <= 3.0:
            problems.append(f"room_gain_low_db must lie in [-60, 3], got {self.room_gain_low_db}")
        problems += self._head_problems()
        if self.width < 0:
            problems.append(f"width must be >= 0, got {self.width}")
        if self.device not in ("cpu", "cuda", "auto"):
            problems.append(f"device {self.device!r} is not one of cpu, cuda, auto")
        if not self.lr > 0:
            problems.append(f"lr must be > 0, got {self.lr}")
        if self.lr_schedule not in LR_SCHEDULES:
            problems.append(f"lr_schedule {self.lr_schedule!r} is not one of {LR_SCHEDULES}")
        if not self.grad_clip >= 0:
            problems.append(f"grad_clip must be >= 0, got {self.grad_clip}")
        if not 0 <= self.dropout < 1:
            problems.append(f"dropout must lie in [0, 1), got {self.dropout}")
        if not 0 <= self.ema_decay < 1:
            problems.append(f"ema_decay must lie in [0, 1), got {self.ema_decay}")
        if self.window_samples % self.hop_samples:
            problems.append(
                f"window_samples {self.window_samples} is not a multiple of hop {self.hop_samples}"
            )
        if not 0 <= self.lookahead_samples <= self.window_samples - self.hop_samples:
            problems.append(f"lookahead_samples {self.lookahead_samples} outside [0, window-hop]")
        if problems:
            raise ConfigError("; ".join(problems))

    def _head_problems(self) -> list[str]:
        """What is wrong with the settings of the voice gate and the phone head."""
        problems = []
        for key in ("voice_gate", "phone_head"):  # extra heads of the network
            value = getattr(self, key)
            if value not in (0, 1):
                problems.append(f"{key} must be 0 or 1, got {value}")
            elif value and self.architecture not in GATED_ARCHITECTURES:
                problems.append(
                    f"{key} needs an architecture of {GATED_ARCHITECTURES}, "
                    f"not {self.architecture!r}"
                )
        if not -120.0 <= self.log_floor_db <= -20.0:
            problems.append(f"log_floor_db must lie in [-120, -20], got {self.log_floor_db}")
        if not 0.0 <= self.nonspeech_target < 1.0:
            problems.append(f"nonspeech_target must lie in [0, 1), got {self.nonspeech_target}")
        elif self.nonspeech_target and not self.voice_gate:
            problems.append("nonspeech_target needs voice_gate = 1 (it moves the gate)")
        if self.corr_gate not in (0, 1):
            problems.append(f"corr_gate must be 0 or 1, got {self.corr_gate}")
        if self.log_front not in (0, 1):
            problems.append(f"log_front must be 0 or 1, got {self.log_front}")
        elif self.log_front and self.architecture not in ("cnn", "sincnet"):
            problems.append(
                f"log_front needs a raw-waveform architecture (cnn, sincnet), "
                f"not {self.architecture!r}"
            )
        if not self.gate_shut_after_ms >= 0:
            problems.append(f"gate_shut_after_ms must be >= 0, got {self.gate_shut_after_ms}")
        elif self.gate_shut_after_ms and not self.voice_gate:
            problems.append("gate_shut_after_ms needs voice_gate = 1 (it teaches the gate)")
        if self.gate_channels < 0:
            problems.append(f"gate_channels must be >= 0, got {self.gate_channels}")
        elif self.gate_channels and not (self.voice_gate and self.architecture == "sincnet"):
            problems.append("gate_channels needs voice_gate = 1 and architecture = 'sincnet'")
        for key in ("gate_weight", "phone_weight", "corr_weight"):
            if not getattr(self, key) >= 0:
                problems.append(f"{key} must be >= 0, got {getattr(self, key)}")
        return problems

    def torch_device(self) -> str:
        """``cpu`` or ``cuda``: ``auto`` resolved on this machine (imports torch)."""
        import torch

        if self.device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        return self.device

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _fields() -> dict[str, type]:
    hints = {"int": int, "float": float, "str": str}
    return {f.name: hints[str(f.type)] for f in dataclasses.fields(TrainConfig)}


def _coerce(key: str, value: Any, source: str) -> Any:
    kinds = _fields()
    if key not in kinds:
        raise ConfigError(f"{source}: unknown key {key!r} (known: {', '.join(sorted(kinds))})")
    kind = kinds[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and kind is not str:
        try:
            return kind(value)
        except ValueError:
            raise ConfigError(f"{source}: {key}={value!r} is not a {kind.__name__}") from None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ConfigError(f"{source}: {key}={value!r} is not a {kind.__name__}")
    return value


def load_overrides(path: Path) -> dict[str, Any]:
    """Key/value pairs from a ``.toml`` or ``.json`` file (flat table); ConfigError if broken."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"config file {str(path)!r}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {str(path)!r} is not valid: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {str(path)!r} must hold one flat table")
    return {k: _coerce(k, v, f"config file {str(path)!r}") for k, v in data.items()}


def parse_sets(items: Sequence[str]) -> dict[str, Any]:
    """``["lr=1e-4", "epochs=3"]`` → typed overrides; ConfigError on a malformed item."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"override {item!r} is not key=value")
        out[key.strip()] = _coerce(key.strip(), value.strip(), "command line")
    return out


def resolve(
    file: Path | None = None, overrides: Mapping[str, Any] | None = None, **base: Any
) -> TrainConfig:
    """Defaults (plus ``base``), then ``file``, then ``overrides``: the resolved config."""
    values = {k: _coerce(k, v, "defaults") for k, v in base.items()}
    if file is not None:
        values.update(load_overrides(file))
    values.update({k: _coerce(k, v, "overrides") for k, v in (overrides or {}).items()})
    return TrainConfig(**values)


def save_config(config: TrainConfig, path: Path) -> None:
    """Write the resolved config as JSON (what :func:`load_overrides` reads back)."""
    path.write_text(json.dumps(config.to_dict(), indent=2) + "\n", encoding="utf-8")
