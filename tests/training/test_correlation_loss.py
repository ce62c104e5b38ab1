"""``corr_weight``: the face loss's (1 - Pearson r) term over each segment's mouth columns."""

from __future__ import annotations

import pytest
import torch

from talkrig.models import arkit
from talkrig.training.learning.config import ConfigError, TrainConfig
from talkrig.training.learning.losses import face_loss, segment_correlation_loss


def _tracks(segments: int = 3, frames: int = 25, columns: int = 4) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    return torch.rand(segments, frames, columns, generator=generator)


def test_the_term_is_one_minus_r_over_moving_columns_and_valid_frames() -> None:
    target = _tracks()
    valid = torch.ones(target.shape[:2], dtype=torch.bool)
    assert float(segment_correlation_loss(target, target, valid)) == pytest.approx(0.0, abs=1e-5)
    assert float(segment_correlation_loss(-target, target, valid)) == pytest.approx(2.0, abs=1e-5)
    # an affine copy of the target has r = 1: the term leaves scale and offset to the face loss
    scaled = 0.3 * target + 0.2
    assert float(segment_correlation_loss(scaled, target, valid)) == pytest.approx(0.0, abs=1e-5)

    noisy = target + _tracks().flip(1)
    base = float(segment_correlation_loss(noisy, target, valid))
    assert 0.05 < base < 1.0
    # a column whose target stands still (no voice tells it) does not count, whatever the pred
    still_target = torch.cat([target, torch.full_like(target[..., :1], 0.4)], -1)
    wild_pred = torch.cat([noisy, _tracks(columns=1)], -1)
    assert float(segment_correlation_loss(wild_pred, still_target, valid)) == pytest.approx(base)
    # frames outside ``valid`` (no face found, non-speech) do not count either
    valid[:, 20:] = False
    spoiled = noisy.clone()
    spoiled[:, 20:] = 5.0
    inside = float(segment_correlation_loss(noisy, target, valid))
    assert float(segment_correlation_loss(spoiled, target, valid)) == pytest.approx(inside)
    # nothing moving at all: no term (not NaN)
    flat = torch.zeros_like(target)
    assert float(segment_correlation_loss(noisy, flat, valid)) == 0.0


def test_blendshape_models_are_scored_on_the_mouth_only() -> None:
    target = torch.rand(2, 25, len(arkit.NAMES), generator=torch.Generator().manual_seed(1))
    valid = torch.ones(2, 25, dtype=torch.bool)
    config = TrainConfig(corr_weight=1.0)
    plain = TrainConfig()
    blink = target.clone()
    blink[..., arkit.INDEX["eyeBlinkLeft"]] = 1.0 - blink[..., arkit.INDEX["eyeBlinkLeft"]]
    # an anti-correlated blink changes the per-frame loss but not the correlation term
    extra = float(face_loss(blink, target, valid, config)) - float(
        face_loss(blink, target, valid, plain)
    )
    assert extra == pytest.approx(0.0, abs=1e-5)
    jaw = target.clone()
    jaw[..., arkit.INDEX["jawOpen"]] = 1.0 - jaw[..., arkit.INDEX["jawOpen"]]
    extra = float(face_loss(jaw, target, valid, config)) - float(
        face_loss(jaw, target, valid, plain)
    )
    assert extra > 0.01  # one of the mouth columns at r = -1


def test_a_negative_or_nan_weight_is_one_config_error() -> None:
    for bad in (-0.1, float("nan")):
        with pytest.raises(ConfigError, match="corr_weight"):
            TrainConfig(corr_weight=bad)
    assert TrainConfig(corr_weight=0.01).corr_weight == 0.01
