"""The training loss: Smooth-L1 on the face where a voice sounds, the correlation term, and the
voice gate's and the phone head's cross-entropies."""

from __future__ import annotations

import torch

from talkrig.models import arkit

from .config import TrainConfig
from .networks import FaceNet


def masked_smooth_l1(
    pred: torch.Tensor, target: torch.Tensor, valid: torch.Tensor, beta: float
) -> torch.Tensor:
    """Smooth-L1 over the valid frames only: ``(B, S, D)``, ``(B, S, D)``, ``(B, S)`` → scalar."""
    loss = torch.nn.functional.smooth_l1_loss(pred, target, reduction="none", beta=beta)
    weight = valid.unsqueeze(-1).to(loss.dtype)
    return (loss * weight).sum() / (weight.sum() * loss.shape[-1]).clamp(min=1.0)


_MOUTH_COLUMNS = sorted(arkit.MOUTH_RELATED)


def segment_correlation_loss(
    pred: torch.Tensor, target: torch.Tensor, valid: torch.Tensor
) -> torch.Tensor:
    """Mean (1 - Pearson r) over the (segment, column) pairs whose target moves (std > 0.02 over
    the segment's valid frames): ``(B, S, D)``, ``(B, S, D)``, ``(B, S)`` → scalar."""
    weight = valid.unsqueeze(-1).to(pred.dtype)
    count = weight.sum(1, keepdim=True).clamp(min=1.0)
    pc = (pred - (pred * weight).sum(1, keepdim=True) / count) * weight
    tc = (target - (target * weight).sum(1, keepdim=True) / count) * weight
    cov = (pc * tc).sum(1)
    pv, tv = (pc * pc).sum(1), (tc * tc).sum(1)
    r = cov / torch.sqrt(pv * tv + 1e-8)
    moving = (tv / count[:, 0] > 0.02**2) & (count[:, 0] >= 5)
    if not bool(moving.any()):
        return torch.zeros((), dtype=pred.dtype, device=pred.device)
    return (1.0 - r[moving]).mean()


def face_loss(
    face: torch.Tensor,
    targets: torch.Tensor,
    valid: torch.Tensor,
    config: TrainConfig,
    corr_face: torch.Tensor | None = None,
) -> torch.Tensor:
    """Smooth-L1 over the valid frames plus, with ``corr_weight``, the correlation term (of
    ``corr_face`` where given, else of ``face``)."""
    loss = masked_smooth_l1(face, targets, valid, config.smooth_l1_beta)
    if config.corr_weight > 0:
        face = face if corr_face is None else corr_face
        if config.representation == "blendshapes":  # no voice tells a blink or a brow
            face, targets = face[..., _MOUTH_COLUMNS], targets[..., _MOUTH_COLUMNS]
        loss = loss + config.corr_weight * segment_correlation_loss(face, targets, valid)
    return loss


def gated_loss(
    network: FaceNet,
    audio: torch.Tensor,
    targets: torch.Tensor,
    valid: torch.Tensor,
    config: TrainConfig,
) -> torch.Tensor:
    """The training loss: the face loss where a voice sounds and, for a network with such
    heads, the phone head's and the voice gate's cross-entropies where their targets are known.
    After the face's columns come, for a phone head, the phone's class (-1 unknown;
    real_mix.with_phone_targets) and, for a gate, the gate's target (real_mix.with_voice_targets):
    1 voice, 0 non-speech or a long pause (no face loss: the gate alone shuts the mouth), -1 a
    pause in speech (no gate target). Targets without those columns (a dev set) get the plain
    face loss."""
    head, logits, phone_logits = network.parts(audio)
    face = head if logits is None else network.gate(head, logits)
    extra = targets[..., face.shape[-1] :]
    targets = targets[..., : face.shape[-1]]
    if extra.shape[-1] == 0:
        return face_loss(face, targets, valid, config)
    loss = torch.zeros((), dtype=face.dtype, device=face.device)
    if phone_logits is not None:
        phone = torch.where(valid, extra[..., 0].long(), -1).reshape(-1)
        if bool((phone >= 0).any()):  # a batch of non-speech alone has no phone to learn
            classes = phone_logits.reshape(len(phone), -1)
            ce = torch.nn.functional.cross_entropy(classes, phone, ignore_index=-1)
            loss = loss + config.phone_weight * ce
    if logits is None:
        return loss + face_loss(face, targets, valid, config)
    voice = extra[..., -1]
    known = (valid & (voice >= 0)).to(face.dtype)
    bce = torch.nn.functional.binary_cross_entropy_with_logits(
        logits, voice.clamp(min=0.0), reduction="none"
    )
    # with corr_gate = 0 the correlation term sees the gate as it is but cannot move it: only
    # the gate's own cross-entropy teaches it when a voice sounds
    off_gate = config.corr_weight > 0 and not config.corr_gate
    corr_face = network.gate(head, logits.detach()) if off_gate else None
    loss = loss + face_loss(face, targets, valid & (voice != 0), config, corr_face)
    return loss + config.gate_weight * (bce * known).sum() / known.sum().clamp(min=1.0)
