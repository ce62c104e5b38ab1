"""Which phone sounds at each label frame: targets for a network's phone head.

A face network that also names the phone it hears (``phone_head = 1``) is pushed to learn what
is said rather than who says it: the phones are the same for every voice. The labels come from
forced alignment of each utterance's audio to its sentence (``align.py``: PocketSphinx's
speaker-independent model, CMU dictionary); frame ``t`` gets the phone sounding at its instant
``(t + 0.5) × 40 ms`` (``labels.py``), ``_`` between phones, and -1 (unknown) for the whole clip
when it has no sentence or does not align. They are cached beside the labels, one
``phones/{utterance.id}.npy`` each, so a second training run aligns nothing (a damaged one is
aligned again).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from talkrig.models.contract import FRAME_SECONDS

from .align import PHONE_SET, Aligner, AlignError, align_speech
from .labels import load_labels
from .manifest import Utterance
from .visemes import Phone

UNKNOWN = -1
SILENCE = PHONE_SET.index("_")


def phone_frames(phones: Sequence[Phone], frames: int) -> np.ndarray:
    """``(frames,)`` int16: the class (index into ``PHONE_SET``) sounding at each frame's
    instant; silence where no phone covers it."""
    out = np.full(frames, SILENCE, np.int16)
    instants = (np.arange(frames) + 0.5) * FRAME_SECONDS
    for phone in phones:
        inside = (instants >= phone.start_s) & (instants < phone.end_s)
        out[inside] = PHONE_SET.index(phone.symbol)
    return out


def phone_labels(
    folder: Path, utterances: Sequence[Utterance], progress: bool = False
) -> dict[str, np.ndarray]:
    """Every utterance's phone frames (``UNKNOWN`` throughout where it does not align), from
    ``folder/phones/`` or aligned now and cached there; ``folder`` is a prepared data folder
    (``manifest.jsonl`` and ``labels/``)."""
    cache = folder / "phones"
    cache.mkdir(exist_ok=True)
    out: dict[str, np.ndarray] = {}
    todo = []
    for u in utterances:
        try:  # a damaged or foreign cache file is aligned again
            out[u.id] = np.asarray(np.load(cache / f"{u.id}.npy", allow_pickle=False), np.int16)
        except (OSError, ValueError, EOFError):
            todo.append(u)
    aligner = Aligner() if todo else None
    for u in tqdm(todo, desc="phones", unit="utt", disable=not progress):
        arrays = load_labels(folder / "labels", u)
        audio, frames = arrays["audio"], len(np.asarray(arrays["valid"]))
        try:
            assert aligner is not None
            labels = phone_frames(align_speech(aligner, audio, u.sentence), frames)
        except AlignError:
            labels = np.full(frames, UNKNOWN, np.int16)
        np.save(cache / f"{u.id}.npy", labels)
        out[u.id] = labels
    return out
