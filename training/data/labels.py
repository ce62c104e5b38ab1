"""Per-utterance training labels on the 40 ms grid, and their cache.

One ``{cache_dir}/{utterance.id}.npz`` per utterance holds (T = number of 40 ms frames):

- ``audio`` (T * 640,) float32, 16 kHz mono in [-1, 1]: the clip's sound cut to whole frames;
- ``blendshapes`` (T, 52) float32, canonical ARKit order (MediaPipe mapped by name, tongueOut 0);
- ``landmarks3d`` (T, 478, 3) float32, MediaPipe normalised coordinates;
- ``valid`` (T,) bool, False where no face was found (values there are zeros, never invented);
- optionally ``landmarks2d`` (T, 68, 2) float32, dlib's 68 points in image fractions (see
  ``dlib68.py`` for the licence); where present, ``valid`` means both detectors found the face.

Label frame ``t`` describes audio samples ``[t * 640, (t + 1) * 640)``, i.e. the instant
``(t + 0.5) * 40 ms``. A video frame shown from ``time`` to ``time + 1 / fps`` stands for the
middle of that interval, so at 25 fps the grid and the video coincide frame for frame; at 30 fps
each grid frame is the linear interpolation of the two video frames around it.
"""

from __future__ import annotations

import os
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from talkrig.models import arkit
from talkrig.models.contract import FRAME_SECONDS, HOP_SAMPLES
from talkrig.training.data.dlib68 import POINTS_68, Dlib68
from talkrig.training.data.landmarker import MESH_POINTS, FaceLandmarker, LabelError
from talkrig.training.data.manifest import Utterance
from talkrig.training.data.video import decode_audio

__all__ = [
    "LabelError",
    "NoFaceWarning",
    "extract_labels",
    "label_path",
    "load_labels",
    "save_labels",
    "to_grid",
]

_EPS = 1e-6  # fractional-frame tolerance: a grid instant this close to a video frame *is* it
_REQUIRED = {
    "audio": (),
    "blendshapes": (arkit.COUNT,),
    "landmarks3d": (MESH_POINTS, 3),
    "valid": (),
}
_OPTIONAL = {"landmarks2d": (POINTS_68, 2)}


class NoFaceWarning(UserWarning):
    """A video in which no face was found at all: its labels are all invalid."""


def to_grid(
    times: np.ndarray,
    found: np.ndarray,
    values: Mapping[str, np.ndarray],
    fps: float,
    frames: int,
) -> dict[str, np.ndarray]:
    """Resample per-video-frame labels to ``frames`` grid frames of 40 ms.

    ``times`` (F,) seconds of each picture, ``found`` (F,) bool, ``values`` name → (F, ...)
    arrays. Returns each array as (T, ...) float32 plus ``valid`` (T,). A grid frame is valid
    only when every video frame it draws on (weight > 0) has a face; a grid instant more than
    half a video frame beyond the first or last picture is invalid. Invalid frames are zeros.
    """
    half = 0.5 / fps
    order = np.argsort(times, kind="stable")
    centres = times[order] + half
    found = found[order]
    grid = (np.arange(frames) + 0.5) * FRAME_SECONDS
    position = np.interp(grid, centres, np.arange(len(centres), dtype=np.float64))
    lower = np.clip(np.floor(position + _EPS).astype(int), 0, len(centres) - 1)
    upper = np.minimum(lower + 1, len(centres) - 1)
    weight = np.where(upper > lower, np.clip(position - lower, 0.0, 1.0), 0.0)
    weight[weight < _EPS] = 0.0
    valid = found[lower] & ((weight == 0.0) | found[upper])
    valid &= (grid >= centres[0] - half - _EPS) & (grid <= centres[-1] + half + _EPS)

    out: dict[str, np.ndarray] = {"valid": valid}
    for key, array in values.items():
        ordered = array[order]
        w = weight.reshape(-1, *([1] * (ordered.ndim - 1)))
        mixed = (1.0 - w) * ordered[lower] + w * ordered[upper]
        mixed[~valid] = 0.0
        out[key] = mixed.astype(np.float32)
    return out


def extract_labels(
    utterance: Utterance, landmarker: FaceLandmarker, dlib68: Dlib68 | None = None
) -> dict[str, np.ndarray]:
    """Decode the sound and label every picture of ``utterance.source``, on the 40 ms grid.

    With ``dlib68`` the labels also hold ``landmarks2d`` (T, 68, 2), and ``valid`` then requires
    both MediaPipe and dlib to have found the face. A video with no face anywhere gives
    all-invalid labels and a :class:`NoFaceWarning`.
    """
    audio = decode_audio(utterance.source)
    frames = len(audio) // HOP_SAMPLES
    if frames == 0:
        raise LabelError(f"media file {utterance.source!r} holds less than 40 ms of audio")
    mesh = landmarker.label_video(utterance.source)
    grid = to_grid(
        mesh.times,
        mesh.found,
        {"blendshapes": mesh.blendshapes, "landmarks3d": mesh.landmarks3d},
        utterance.fps,
        frames,
    )
    if dlib68 is not None:
        flat = dlib68.label_video(utterance.source)
        grid2d = to_grid(
            flat.times, flat.found, {"landmarks2d": flat.landmarks2d}, utterance.fps, frames
        )
        grid["valid"] &= grid2d["valid"]
        grid["landmarks2d"] = grid2d["landmarks2d"]
        for key in ("blendshapes", "landmarks3d", "landmarks2d"):
            grid[key][~grid["valid"]] = 0.0
    if not grid["valid"].any():
        warnings.warn(
            f"no face found in {utterance.source!r}: all {frames} label frames are invalid",
            NoFaceWarning,
            stacklevel=2,
        )
    return {"audio": audio[: frames * HOP_SAMPLES], **grid}


def label_path(cache_dir: str | Path, utterance: Utterance) -> Path:
    """Where the labels of ``utterance`` live: ``{cache_dir}/{utterance.id}.npz``."""
    return Path(cache_dir) / f"{utterance.id}.npz"


def _checked(arrays: dict[str, np.ndarray], where: str) -> dict[str, np.ndarray]:
    """Shapes and dtypes of a label set, or LabelError naming ``where``."""
    missing = set(_REQUIRED) - set(arrays)
    unknown = set(arrays) - set(_REQUIRED) - set(_OPTIONAL)
    if missing or unknown:
        raise LabelError(f"{where}: missing arrays {sorted(missing)}, unknown {sorted(unknown)}")
    valid = arrays["valid"]
    if valid.ndim != 1 or valid.dtype != np.bool_:
        raise LabelError(f"{where}: 'valid' must be (T,) bool, got {valid.shape} {valid.dtype}")
    frames = len(valid)
    out = {"valid": valid}
    for key, tail in {**_REQUIRED, **_OPTIONAL}.items():
        if key == "valid" or key not in arrays:
            continue
        array = arrays[key]
        expected = (frames, *tail) if key != "audio" else None
        if array.dtype.kind != "f" or (expected is not None and array.shape != expected):
            raise LabelError(f"{where}: '{key}' is {array.shape} {array.dtype}, want {expected}")
        out[key] = array.astype(np.float32, copy=False)
    audio = out["audio"]
    if audio.ndim != 1 or len(audio) < frames * HOP_SAMPLES:
        raise LabelError(
            f"{where}: 'audio' is {audio.shape}, want (n,) with n >= {frames} × {HOP_SAMPLES}"
        )
    return out


def save_labels(cache_dir: str | Path, utterance: Utterance, labels: dict[str, np.ndarray]) -> Path:
    """Write ``labels`` to :func:`label_path` atomically (temporary file, then rename)."""
    path = label_path(cache_dir, utterance)
    arrays = _checked(labels, f"labels for {utterance.id!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as handle:
        np.savez(handle, allow_pickle=False, **arrays)
    os.replace(tmp, path)
    return path


def load_labels(cache_dir: str | Path, utterance: Utterance) -> dict[str, np.ndarray]:
    """The cached labels of ``utterance`` (arrays as in the module docstring); LabelError naming
    the file when it is missing, damaged or of the wrong shape."""
    path = label_path(cache_dir, utterance)
    try:
        # our own handle: np.load leaks the one it opens when the zip is damaged
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except FileNotFoundError as exc:
        raise LabelError(f"label file {str(path)!r} does not exist (run prepare)") from exc
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise LabelError(f"label file {str(path)!r} is damaged: {exc}") from exc
    return _checked(arrays, f"label file {str(path)!r}")
