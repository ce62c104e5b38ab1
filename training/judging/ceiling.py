"""``talkrig train ceiling``: how far the training labels themselves get on the real GRID clips.

A model trained on viseme-table labels learns those labels, not a real jaw. So before asking a
model for jawOpen r ≥ 0.75 against MediaPipe on GRID, ask the labels: the clip's own audio is
force-aligned (PocketSphinx) to the sentence its GRID name encodes, the phones go through the same
viseme table and jaw lag as the training corpus, and the resulting jawOpen curve is correlated
with MediaPipe's exactly as ``talkrig train judge`` correlates a model (pooled over the clips,
whole clip and spoken part). A model can beat its labels only by luck.

Also reported: the **oracle**, MediaPipe's own jawOpen in the spoken part and the rest pose
outside it, correlated over whole clips: the best any voice-driven face that rests in silence
can score, because GRID speakers move their mouths before they speak.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

import numpy as np

from talkrig.models import arkit
from talkrig.models.contract import HOP_SAMPLES

from ..data.corpora import grid_sentence
from ..data.manifest import CorpusError
from ..data.visemes import Phone, curves
from .judge import RealClip, add_data_arguments, grid_clips, pearson, spoken_span

JAW = arkit.INDEX["jawOpen"]
JAW_LAG_MS = 60.0  # the shipped recipes' jaw_lag_ms


def label_jaw(clip: RealClip, phones: Sequence[Phone], jaw_lag_ms: float) -> np.ndarray:
    """``(T,)`` the training labels' jawOpen for ``clip`` from its timed ``phones``."""
    from ..learning.dataset import delay_jaw  # imports torch: not while the CLI parser is built

    frames = len(clip.audio) // HOP_SAMPLES
    return delay_jaw(curves(phones, frames), jaw_lag_ms)[:, JAW]


def ceiling(clips: Sequence[RealClip], jaw_lag_ms: float = JAW_LAG_MS) -> dict[str, float]:
    """Labels' and oracle's jawOpen r against MediaPipe: pooled whole / spoken, and per clip."""
    from ..data.align import Aligner

    aligner = Aligner()
    pooled: dict[str, list[np.ndarray]] = {k: [] for k in ("labels", "oracle", "truth", "spoken")}
    rows = {}
    for clip in clips:
        assert clip.blendshapes is not None and clip.valid is not None
        try:
            sentence = grid_sentence(clip.name)
        except CorpusError as exc:
            raise CorpusError(
                f"{exc}: the ceiling needs GRID clips named by their sentence"
            ) from None
        labels = label_jaw(clip, aligner.align(clip.audio, sentence), jaw_lag_ms)
        n = min(len(labels), len(clip.valid))
        valid = clip.valid[:n]
        truth = clip.blendshapes[:n, JAW]
        spoken = np.zeros(n, bool)
        spoken[spoken_span(clip.audio[: n * HOP_SAMPLES])] = True
        oracle = np.where(spoken, truth, 0.0)
        rows[f"labels r {clip.name}"] = pearson(labels[:n][valid], truth[valid])
        for key, values in (("labels", labels[:n]), ("oracle", oracle), ("truth", truth)):
            pooled[key].append(values[valid])
        pooled["spoken"].append(spoken[valid])
    labels, oracle, truth, spoken = (np.concatenate(pooled[k]) for k in pooled)
    return {
        "labels jawOpen r": pearson(labels, truth),
        "labels jawOpen r spoken": pearson(labels[spoken], truth[spoken]),
        "oracle jawOpen r": pearson(oracle, truth),
        **rows,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data_arguments(parser, "grid/")
    parser.add_argument(
        "--jaw-lag-ms", type=float, default=JAW_LAG_MS, help="jaw lag of the labels (recipes: 60)"
    )


def run(args: argparse.Namespace) -> int:
    landmarker = args.landmarker or args.data / "face_landmarker.task"
    result = ceiling(grid_clips(args.data / "grid", landmarker, args.cache), args.jaw_lag_ms)
    text = json.dumps(result, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", "utf-8")
    return 0
