"""Tiny prepared data folders in the exact ``prepare`` format (manifest + label files), made
here so the training tests do not wait for MediaPipe: noise bursts whose loudness drives jawOpen
and the 3D face's jaw, and a few frames marked faceless."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from talkrig.models import arkit, faces
from talkrig.models.contract import HOP_SAMPLES, SAMPLE_RATE, Representation
from talkrig.training.data.labels import save_labels
from talkrig.training.data.manifest import Utterance, write_manifest


def synthetic_clip(frames: int, seed: int) -> dict[str, np.ndarray]:
    """Label arrays of one clip of ``frames`` 40 ms frames."""
    rng = np.random.default_rng(seed)
    envelope = np.clip(np.sin(np.linspace(0, rng.uniform(3, 9), frames)) ** 2, 0, 1)
    envelope[: frames // 5] = 0.0  # leading silence
    audio = rng.normal(size=frames * HOP_SAMPLES) * np.repeat(envelope, HOP_SAMPLES) * 0.3
    blend = np.zeros((frames, arkit.COUNT), np.float32)
    blend[:, arkit.INDEX["jawOpen"]] = envelope
    face = faces.neutral(Representation.LANDMARKS_3D)
    drop = faces.jaw_drop(Representation.LANDMARKS_3D)
    mesh = face[None] + envelope[:, None, None] * drop[None]
    mesh = mesh + rng.normal(size=mesh.shape) * 1e-3  # detector jitter
    valid = np.ones(frames, bool)
    valid[-3:] = False  # the face left the picture: zeros, not invented values
    mesh[~valid] = 0.0
    blend[~valid] = 0.0
    return {
        "audio": audio.astype(np.float32),
        "blendshapes": blend,
        "landmarks3d": mesh.astype(np.float32),
        "valid": valid,
    }


def make_data(folder: Path, speakers: int = 2, per_speaker: int = 2, frames: int = 50) -> Path:
    """``folder/manifest.jsonl`` + ``folder/labels/*.npz``; returns ``folder``."""
    rows = []
    for s in range(speakers):
        for k in range(per_speaker):
            uid = f"spk{s}_{k}"
            row = Utterance(
                id=uid,
                corpus="synthetic",
                speaker=f"spk{s}",
                source=str(folder / f"{uid}.wav"),
                fps=25.0,
                sample_rate=SAMPLE_RATE,
                duration_s=frames * HOP_SAMPLES / SAMPLE_RATE,
            )
            save_labels(folder / "labels", row, synthetic_clip(frames, seed=10 * s + k))
            rows.append(row)
    write_manifest(folder / "manifest.jsonl", rows)
    return folder


def make_named(folder: Path, stems: list[str], speaker: str = "s1", frames: int = 50) -> Path:
    """A prepared folder whose utterances stand for the GRID s1 clips ``stems`` (labels as
    :func:`synthetic_clip`'s: what matters is which media file each row names, e.g. for the
    held-out and development lists)."""
    rows = []
    for k, stem in enumerate(stems):
        row = Utterance(
            id=f"grid-{speaker}-{stem}-{k}",
            corpus="grid",
            speaker=speaker,
            source=f"/somewhere/s1/{stem}.mkv",
            fps=25.0,
            sample_rate=SAMPLE_RATE,
            duration_s=frames * HOP_SAMPLES / SAMPLE_RATE,
        )
        save_labels(folder / "labels", row, synthetic_clip(frames, seed=k))
        rows.append(row)
    write_manifest(folder / "manifest.jsonl", rows)
    return folder
