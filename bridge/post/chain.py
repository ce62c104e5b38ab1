"""The post chain: raw model output → the values every sender gets, one 40 ms frame at a time.

Named steps, each switchable: smooth (Savitzky–Golay) → One-Euro → silence gate → prosody
(emotional models: the upper face from the voice's pitch and loudness) → blink → avatar profile
(blendshapes only; landmarks skip it).

Finite by construction: a model output holding NaN or ±inf (a broken model, or audio that got
past the sanitiser) is replaced by the last finite output before any step sees it, and the
finished values are checked once more, so no sender or recorder ever receives a non-finite
value. Each replaced frame is counted (``PostOutput.replaced``, ``PostChain.replaced_frames``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from talkrig.models.card import ModelCard
from talkrig.models.contract import Family, Representation

from .blink import Blinker, LandmarkBlinker
from .one_euro import OneEuro
from .profile import AvatarProfile, AvatarValues
from .prosody import ProsodyFace
from .savgol import SavitzkyGolay
from .silence_gate import (
    HOLD_FRAMES,
    PEAK_DECAY_DB_PER_S,
    RELEASE_FRAMES,
    SilenceGate,
    level_dbfs,
)

BLINK_JITTER = 0.3  # blink spacing varies by ± this fraction of the interval (5 s ± 1.5 s)


@dataclass
class PostConfig:
    """Which steps run and how (defaults suit a live stream)."""

    smoothing: bool = True
    savgol_window: int = 7
    savgol_order: int = 2
    savgol_lookahead: int = 1
    one_euro: bool = False
    one_euro_min_cutoff: float = 1.0
    one_euro_beta: float = 0.0
    gate: bool = True
    gate_open_db: float = -42.0
    gate_close_db: float = -50.0
    gate_relative_db: float | None = 35.0
    gate_hold_frames: int = HOLD_FRAMES
    gate_release_frames: int = RELEASE_FRAMES
    # emotional models: brows, smile, cheeks and eyes follow the voice's pitch and loudness
    # (prosody.py); off: the network's own, which hears 280 ms and cannot tell a mood
    prosody: bool = True
    blink: bool = True
    blink_interval_s: float = 5.0
    blink_probability: float = 0.8
    seed: int | None = None


@dataclass(frozen=True)
class PostOutput:
    """One post-processed frame.

    Attributes:
        values: ``(52,)`` float32 in [0, 1] (after the profile) or ``(points, dims)`` float32.
        avatar_values: ``(name, value)`` pairs from the profile; empty without a profile and for
            landmarks (senders then use the 52 ARKit names).
        voiced: False while the silence gate holds the face at rest.
        replaced: True when the model output or the result was not finite and the last good
            frame stands in for it.
    """

    values: np.ndarray
    avatar_values: AvatarValues
    voiced: bool
    replaced: bool = False


def frame_audio_slice(card: ModelCard) -> slice:
    """Samples of a model window that belong to the predicted 40 ms frame.

    ``[window - lookahead - hop, window - lookahead)``: the frame just before the look-ahead.
    """
    end = card.window_samples - card.lookahead_samples
    return slice(end - card.hop_samples, end)


class PostChain:
    """Smoothing, gate, blinks and avatar profile for one model's stream (engine thread).

    Args:
        card: the model's card (representation, output shape, frame rate).
        config: which steps run.
        rest: the rest pose of the output, shape ``card.output_shape``. Landmarks ease to it when
            the gate closes (the model's output on silence); blendshapes always rest at zeros
            (mouth shut, neutral face), whatever is passed.
        profile: the avatar profile (blendshapes only), or ``None``.

    Attributes:
        delay_frames: frames by which the output lags the model output (the smoothing
            look-ahead), part of the mouth-to-avatar delay.
        replaced_frames: frames whose model output or result was not finite (see module doc).
    """

    def __init__(
        self,
        card: ModelCard,
        config: PostConfig,
        rest: np.ndarray,
        profile: AvatarProfile | None = None,
    ) -> None:
        self.card = card
        self.config = config
        self.shape = card.output_shape
        self.blendshapes = card.representation is Representation.BLENDSHAPES
        rest = np.asarray(rest, dtype=np.float32)
        if rest.shape != self.shape:
            raise ValueError(f"rest pose has shape {rest.shape}, model {card.name} {self.shape}")
        rest = np.nan_to_num(rest, nan=0.0, posinf=0.0, neginf=0.0)
        # What the face shows at rest, also the stand-in before any finite frame came by.
        self._rest = np.zeros(self.shape, np.float32) if self.blendshapes else rest
        self._rest_raw = rest  # the model's own output on silence
        self._last_raw = rest
        self._last_out: PostOutput | None = None
        self.replaced_frames = 0
        rate = card.sample_rate / card.hop_samples
        self._smooth = (
            SavitzkyGolay(config.savgol_window, config.savgol_order, config.savgol_lookahead)
            if config.smoothing
            else None
        )
        self._one_euro = (
            OneEuro(config.one_euro_min_cutoff, config.one_euro_beta, rate=rate)
            if config.one_euro
            else None
        )
        self._gate = self._new_gate(config, rate) if config.gate else None
        self._blink = self._new_blinker(config, rate) if config.blink else None
        emotional = self.blendshapes and card.family is Family.EMOTIONAL
        self._prosody = ProsodyFace() if config.prosody and emotional else None
        self.delay_frames = self._smooth.delay_frames if self._smooth is not None else 0
        # Audio levels of the last delay_frames + 1 frames, oldest first: the gate judges the
        # frame whose values the smoother is emitting now.
        self._levels: deque[float] = deque(maxlen=self.delay_frames + 1)
        self._analyses: deque[tuple[float, float]] = deque(maxlen=self.delay_frames + 1)
        self.profile: AvatarProfile | None = None
        self.set_profile(profile)

    def _new_gate(self, config: PostConfig, rate: float) -> SilenceGate:
        return SilenceGate(
            config.gate_open_db,
            config.gate_close_db,
            hold_frames=config.gate_hold_frames,
            release_frames=config.gate_release_frames,
            rest=self._rest,
            relative_db=config.gate_relative_db,
            peak_decay_db=PEAK_DECAY_DB_PER_S / rate,
        )

    def _new_blinker(self, config: PostConfig, rate: float) -> Blinker | LandmarkBlinker:
        blinker = Blinker if self.blendshapes else LandmarkBlinker
        return blinker(
            rate=rate,
            interval_s=config.blink_interval_s,
            jitter_s=BLINK_JITTER * config.blink_interval_s,
            probability=config.blink_probability,
            seed=config.seed,
        )

    def set_profile(self, profile: AvatarProfile | None) -> None:
        """Use ``profile`` from the next frame on (engine thread; the GUI swaps via the engine).

        Ignored for landmark models, which have no blendshape names to map.
        """
        self.profile = profile if self.blendshapes else None

    def __call__(self, raw: np.ndarray, frame_audio: np.ndarray) -> PostOutput:
        """Post-process one frame (engine thread).

        Args:
            raw: model output for the frame, ``card.output_shape``.
            frame_audio: the predicted frame's samples (:func:`frame_audio_slice` of the window).
        """
        values = np.array(raw, dtype=np.float32)  # a copy: the frame must own its values
        if values.shape != self.shape:
            raise ValueError(f"model output has shape {values.shape}, expected {self.shape}")
        replaced = not np.isfinite(values).all()
        if replaced:
            values = self._last_raw.copy()
        else:
            self._last_raw = values.copy()
        out = self._steps(values, frame_audio)
        if not np.isfinite(out.values).all():  # e.g. a finite value past float32's range
            replaced = True
            out = self._last_out or PostOutput(self._rest.copy(), (), out.voiced)
        else:
            self._last_out = out
        if replaced:
            self.replaced_frames += 1
            return PostOutput(out.values.copy(), out.avatar_values, out.voiced, replaced=True)
        return out

    def _steps(self, values: np.ndarray, frame_audio: np.ndarray) -> PostOutput:
        """smooth → One-Euro → gate → prosody → blink → profile on finite ``values`` (engine
        thread). The gate and the prosody read the audio of the frame the smoother emits now."""
        if self._smooth is not None:
            values = self._smooth(values)
        if self._one_euro is not None:
            values = self._one_euro(values)
        voiced = True
        level = level_dbfs(frame_audio)
        if self._gate is not None:
            if not self._levels:  # start-up, like the smoother: the first frame fills the past
                self._levels.extend([level] * self.delay_frames)
            self._levels.append(level)
            values, voiced = self._gate.step(values, self._levels[0])
        if self._prosody is not None:
            analysis = self._prosody.analyse(frame_audio, level)
            if not self._analyses:
                self._analyses.extend([(float("nan"), level)] * self.delay_frames)
            self._analyses.append(analysis)
            values = self._prosody.apply(values, self._analyses[0])
        if self._blink is not None:
            values = self._blink(values)
        if not self.blendshapes:
            return PostOutput(values, (), voiced)
        if self.profile is None:
            return PostOutput(np.clip(values, 0.0, 1.0), (), voiced)
        values, avatar_values = self.profile.apply(values)
        return PostOutput(values, avatar_values, voiced)

    def reset(self) -> None:
        """Forget all history (a new stream starts); the profile stays."""
        for step in (self._smooth, self._one_euro, self._gate, self._prosody, self._blink):
            if step is not None:
                step.reset()
        self._levels.clear()
        self._analyses.clear()
        self._last_raw = self._rest_raw
        self._last_out = None
