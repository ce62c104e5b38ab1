"""Training examples from the per-utterance label files (train_common.md's ``.npz`` format).

An utterance becomes a :class:`Clip` (its audio and one target row per 40 ms frame). Training
cuts clips into segments of ``segment_frames`` frames and the network predicts all of them in one
fully-convolutional pass; ``segment_frames = 1`` is exactly the paper's one-window-per-example
training. Frame ``t`` of a clip is video frame ``t``, the face at ``t × 40 ms`` (DESIGN "Time"):
its window ends ``lookahead`` samples after that instant, at sample ``t * hop + lookahead``, so
each clip's audio is zero-padded by ``window - lookahead`` samples in front (the same silence the
engine's ring buffer starts with) and the last windows may reach into silence behind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from scipy import ndimage
from torch.utils.data import Dataset

from talkrig.models import arkit

from ..data.labels import load_labels
from ..data.manifest import Utterance
from ..data.prosody import prosody_curves
from .pdm import Pdm, align_to, fit_pdm


class DatasetError(ValueError):
    """A label file whose arrays are missing or inconsistent; the message names the utterance."""


@dataclass(frozen=True)
class Clip:
    """One utterance ready for training: ``audio`` ``(n,)`` float32 16 kHz, ``targets``
    ``(T, D)`` float32 (blendshapes or PDM coefficients), ``valid`` ``(T,)`` bool; for landmark
    models ``shapes`` ``(T, P, D)``: the true landmarks aligned to the PDM mean (for metrics)."""

    id: str
    audio: np.ndarray
    targets: np.ndarray
    valid: np.ndarray
    shapes: np.ndarray | None = None


def _array(arrays: Mapping[str, np.ndarray], key: str, uid: str) -> np.ndarray:
    if key not in arrays:
        raise DatasetError(f"labels of {uid!r} have no {key!r} array (keys: {sorted(arrays)})")
    return np.asarray(arrays[key])


def clip_from_arrays(
    uid: str,
    arrays: Mapping[str, np.ndarray],
    representation: str,
    pdm: Pdm | None = None,
    prosody: bool = False,
    jaw_lag_ms: float = 0.0,
    jaw_blur_ms: float = 0.0,
) -> Clip:
    """Targets for ``representation`` (``blendshapes``, ``landmarks2d``, ``landmarks3d``) from one
    utterance's label arrays; landmark targets are the PDM coefficients of ``pdm``. With
    ``prosody``, blendshape targets also get the emotional family's brows and smile computed from
    the audio (``prosody.py``; for corpora whose labels move only the mouth). ``jaw_lag_ms``
    delays the jaw-opening shapes of blendshape targets (:func:`delay_jaw`)."""
    audio = _array(arrays, "audio", uid).astype(np.float32)
    valid = _array(arrays, "valid", uid).astype(bool)
    labels = _labels(arrays, representation, uid)
    if audio.ndim != 1 or valid.ndim != 1 or len(labels) != len(valid):
        raise DatasetError(
            f"labels of {uid!r}: audio {audio.shape}, valid {valid.shape} and "
            f"{representation} {labels.shape} do not describe the same frames"
        )
    shapes = None
    if representation == "blendshapes":
        if labels.shape[1:] != (arkit.COUNT,):
            raise DatasetError(f"labels of {uid!r}: blendshapes {labels.shape} are not (T, 52)")
        targets = (
            delay_jaw(labels, jaw_lag_ms, jaw_blur_ms) if jaw_lag_ms or jaw_blur_ms else labels
        )
        if prosody:
            targets = np.maximum(labels, prosody_curves(audio, len(labels)))
    else:
        if pdm is None:
            raise DatasetError(f"{representation} targets of {uid!r} need a PDM")
        if labels.shape[1:] != pdm.mean.shape:
            raise DatasetError(
                f"labels of {uid!r}: {representation} {labels.shape[1:]} do not match the "
                f"PDM's {pdm.mean.shape}"
            )
        if not np.isfinite(labels).all():
            raise DatasetError(f"labels of {uid!r} contain NaN or infinity")
        targets = np.zeros((len(labels), pdm.components), np.float32)
        shapes = np.zeros(labels.shape, np.float32)
        if valid.any():
            shapes[valid] = align_to(labels[valid], pdm.mean)
            targets[valid] = pdm.encode(shapes[valid], aligned=True)
    if not np.isfinite(targets).all() or not np.isfinite(audio).all():
        raise DatasetError(f"labels of {uid!r} contain NaN or infinity")
    return Clip(uid, audio, targets, valid, shapes)


def _labels(arrays: Mapping[str, np.ndarray], representation: str, uid: str) -> np.ndarray:
    """The label array for ``representation``. Without dlib's ``landmarks2d`` the 68 points are
    taken from MediaPipe's mesh (``face_map.MESH_TO_DLIB68``, x and y): real points of the same
    face, free of the iBUG 300-W non-commercial terms."""
    if representation == "landmarks2d" and "landmarks2d" not in arrays and "landmarks3d" in arrays:
        from .face_map import MESH_TO_DLIB68

        mesh = np.asarray(arrays["landmarks3d"])
        return mesh[:, list(MESH_TO_DLIB68), :2].astype(np.float32)
    return _array(arrays, representation, uid).astype(np.float32)


JAW_SHAPES = ("jawOpen", "mouthLowerDownLeft", "mouthLowerDownRight")


def delay_jaw(blendshapes: np.ndarray, lag_ms: float, blur_ms: float = 0.0) -> np.ndarray:
    """``(T, 52)`` with the jaw-opening shapes delayed by ``lag_ms`` (linear interpolation on the
    40 ms grid, the first value held) and blurred by a Gaussian of ``blur_ms``.

    Phone-aligned viseme curves put the jaw's peak in the middle of the vowel; a real jaw,
    heavier than the lips, gets there later: on the real GRID clips MediaPipe's jawOpen follows
    such curves by 40–80 ms while the lips close on time."""
    out = blendshapes.copy()
    frames = np.arange(len(out), dtype=np.float64)
    for name in JAW_SHAPES:
        column = arkit.INDEX[name]
        out[:, column] = np.interp(frames - lag_ms / 40.0, frames, blendshapes[:, column])
        if blur_ms > 0:
            out[:, column] = ndimage.gaussian_filter1d(out[:, column], blur_ms / 40.0)
    return out


def load_clips(
    cache_dir: Path,
    utterances: Sequence[Utterance],
    representation: str,
    pdm: Pdm | None = None,
    components: int = 20,
    prosody: bool = False,
    jaw_lag_ms: float = 0.0,
    jaw_blur_ms: float = 0.0,
) -> tuple[list[Clip], Pdm | None]:
    """Clips of ``utterances`` from their label files in ``cache_dir``. A landmark model without
    a ``pdm`` gets one fitted on these utterances' valid frames (``components`` components);
    returns the clips and the PDM used (``None`` for blendshapes)."""
    arrays = [load_labels(cache_dir, u) for u in utterances]
    if representation != "blendshapes" and pdm is None:
        pdm = fit_pdm(valid_landmarks(arrays, representation), components)
    pairs = zip(utterances, arrays, strict=True)
    return [
        clip_from_arrays(u.id, a, representation, pdm, prosody, jaw_lag_ms, jaw_blur_ms)
        for u, a in pairs
    ], pdm


def valid_landmarks(arrays: Sequence[Mapping[str, np.ndarray]], representation: str) -> np.ndarray:
    """``(N, P, D)``: the landmarks of every valid frame of every utterance (to fit a PDM)."""
    shapes = [
        _labels(a, representation, "")[np.asarray(a["valid"], bool)]
        for a in arrays
        if representation in a or (representation == "landmarks2d" and "landmarks3d" in a)
    ]
    if not shapes:
        raise DatasetError(f"no utterance has {representation} labels")
    return np.concatenate(shapes).astype(np.float32)


class SegmentDataset(Dataset[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]):
    """Clips cut into segments of ``segment_frames`` frames.

    Item: ``audio`` ``(window + (S - 1) * hop,)``, ``targets`` ``(S, D)``, ``valid`` ``(S,)``;
    the last segment of a clip is padded with silence and ``valid = False``.
    """

    def __init__(
        self,
        clips: Sequence[Clip],
        segment_frames: int,
        window_samples: int,
        hop_samples: int,
        lookahead_samples: int,
    ) -> None:
        self.segment, self.window, self.hop = segment_frames, window_samples, hop_samples
        front = window_samples - lookahead_samples  # frame 0's window ends at its face time + L
        self._clips: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._index: list[tuple[int, int]] = []
        for clip in clips:
            frames = len(clip.targets)
            padded_frames = -(-frames // segment_frames) * segment_frames
            audio = np.zeros(window_samples + (padded_frames - 1) * hop_samples, np.float32)
            body = clip.audio[: min(frames * hop_samples, len(audio) - front)]
            audio[front : front + len(body)] = body
            targets = np.zeros((padded_frames, clip.targets.shape[1]), np.float32)
            targets[:frames] = clip.targets
            valid = np.zeros(padded_frames, bool)
            valid[:frames] = clip.valid
            k = len(self._clips)
            self._clips.append((audio, targets, valid))
            self._index += [(k, s) for s in range(0, frames, segment_frames)]

    def __len__(self) -> int:
        return len(self._index)

    def __getitem__(self, item: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        k, start = self._index[item]
        audio, targets, valid = self._clips[k]
        span = self.window + (self.segment - 1) * self.hop
        return (
            torch.from_numpy(audio[start * self.hop : start * self.hop + span]),
            torch.from_numpy(targets[start : start + self.segment]),
            torch.from_numpy(valid[start : start + self.segment]),
        )


def padded_audio(
    clip: Clip, window_samples: int, hop_samples: int, lookahead_samples: int
) -> np.ndarray:
    """The padded audio of a whole clip, ``(window + (T - 1) * hop,)``: what ``frames`` takes to
    give one output per label frame (used by evaluation and parity tests)."""
    data = SegmentDataset([clip], len(clip.targets), window_samples, hop_samples, lookahead_samples)
    return data[0][0].numpy()
