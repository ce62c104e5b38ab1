"""``talkrig train judge MODEL...``: exported models scored on real human speech.

The shipped models are trained on a bootstrap corpus; what counts is how they move a face from a
real voice. Two checks, both on ``../shared/data`` (or any folder laid out the same way):

- **GRID** (``grid/*.mpg``): real speech with real face video. MediaPipe labels each picture
  (cached in ``--cache``); on the 40 ms grid we compare jawOpen (Pearson r, pooled over the clips,
  the model's output against MediaPipe's score) and the mouth-region MAE (%), the paper's metric.
  Landmark models have no jawOpen: their lip gap (inner-lip midpoints, as a fraction of face
  height) is correlated with MediaPipe's instead.
- **Speech** (``speech/*``): real read speech without video. Voiced frames (energy) should open
  the mouth; after speech stops the mouth should close: for every silence of at least
  ``SILENCE_MIN_S`` we measure how long after its start jawOpen (or the lip gap relative to its
  voiced level) stays above the closed threshold. The engine's default post chain (with its
  silence gate) is applied, as a user hears and sees it; the raw model is reported too.

The ONNX file is run through ONNX Runtime exactly as the engine runs it: windows of the card's
size, frame ``t`` predicted from the window that ends the card's look-ahead after frame ``t``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from talkrig.bridge.audio.sources import decode_file
from talkrig.bridge.offline import infer_audio
from talkrig.bridge.post.chain import PostConfig
from talkrig.models import arkit
from talkrig.models.card import ModelCard
from talkrig.models.contract import FRAME_SECONDS, HOP_SAMPLES, Representation
from talkrig.models.errors import ModelError
from talkrig.models.loader import Model, load_model

CLOSED = 0.05  # jawOpen below this is a closed mouth (the threshold)
SILENCE_MIN_S = 0.16  # pauses shorter than this are between sounds, not silence
CLOSE_GOAL_S = 0.12
VOICED_DB = -30.0  # frame energy within this of the clip's loudest frame counts as speech
SILENT_DB = -35.0
SPOKEN_DB = -20.0  # the spoken part of a clip starts and ends with a frame this loud
_BATCH = 256
# MediaPipe mesh: inner-lip midpoints, forehead and chin (for the face height)
_MP_LIPS, _MP_HEIGHT = (13, 14), (10, 152)
_DLIB_LIPS, _DLIB_HEIGHT = (62, 66), (27, 8)


class JudgeError(ValueError):
    """A data folder without the expected files, or a clip that cannot be labelled."""


@dataclass(frozen=True)
class RealClip:
    """One real clip: ``audio`` (n,) float32 16 kHz; ``blendshapes`` (T, 52) and ``mesh``
    (T, 478, 3) MediaPipe labels on the 40 ms grid and ``valid`` (T,) (None for speech without
    video)."""

    name: str
    audio: np.ndarray
    blendshapes: np.ndarray | None = None
    mesh: np.ndarray | None = None
    valid: np.ndarray | None = None


def grid_clips(folder: Path, landmarker_path: Path, cache: Path) -> list[RealClip]:
    """The ``*.mpg`` clips of ``folder`` with MediaPipe labels (cached as ``cache/NAME.npz``)."""
    from .labels import to_grid
    from .landmarker import FaceLandmarker
    from .video import decode_audio, probe

    videos = sorted(folder.glob("*.mpg"))
    if not videos:
        raise JudgeError(f"no GRID clips (*.mpg) in {str(folder)!r}")
    cache.mkdir(parents=True, exist_ok=True)
    landmarker: FaceLandmarker | None = None
    out = []
    for video in videos:
        cached = cache / f"{video.stem}.npz"
        if not cached.is_file():
            landmarker = landmarker or FaceLandmarker(landmarker_path)
            audio = decode_audio(video)
            frames = len(audio) // HOP_SAMPLES
            mesh = landmarker.label_video(video)
            grid = to_grid(
                mesh.times,
                mesh.found,
                {"blendshapes": mesh.blendshapes, "mesh": mesh.landmarks3d},
                probe(video).fps,
                frames,
            )
            np.savez_compressed(
                cached,
                audio=audio[: frames * HOP_SAMPLES],
                blendshapes=grid["blendshapes"],
                mesh=grid["mesh"],
                valid=grid["valid"],
            )
        with np.load(cached) as data:
            arrays = {k: data[k] for k in data.files}
        out.append(
            RealClip(
                video.stem, arrays["audio"], arrays["blendshapes"], arrays["mesh"], arrays["valid"]
            )
        )
    return out


def speech_clips(folder: Path) -> list[RealClip]:
    """Every audio file of ``folder`` (any format FFmpeg reads), decoded to 16 kHz mono."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        raise JudgeError(f"no speech files in {str(folder)!r}")
    return [RealClip(p.stem, decode_file(p)) for p in files]


def raw_outputs(model: Model, audio: np.ndarray) -> np.ndarray:
    """The model's output for every 40 ms frame of ``audio``: ``(T, 52)`` or ``(T, P, D)``.

    Frame ``t`` (audio ``[t·hop, (t+1)·hop)``) comes from the window whose last
    ``lookahead`` samples follow it, as in training; the audio is padded with silence at both ends.
    """
    card = model.card
    hop, window = card.hop_samples, card.window_samples
    front = window - hop - card.lookahead_samples
    frames = len(audio) // hop
    padded = np.zeros(front + frames * hop + card.lookahead_samples, np.float32)
    padded[front : front + frames * hop] = audio[: frames * hop]
    starts = np.arange(frames) * hop
    outs = []
    for k in range(0, frames, _BATCH):
        idx = starts[k : k + _BATCH, None] + np.arange(window)[None]
        outs.append(model(padded[idx]))
    return np.concatenate(outs)


def streamed_outputs(model: Model, audio: np.ndarray, post: PostConfig | None = None) -> np.ndarray:
    """What the engine sends with the ``post`` chain (default: the engine's), aligned like
    :func:`raw_outputs`: frame ``t`` of the result shows the face for audio frame ``t`` (the
    smoothing look-ahead, which delays the chain's output, is taken out)."""
    post = post or PostConfig(seed=0)
    card = model.card
    front = card.window_samples - card.hop_samples - card.lookahead_samples
    frames = len(audio) // card.hop_samples
    delay = post.savgol_lookahead if post.smoothing else 0
    tail = card.lookahead_samples + delay * card.hop_samples
    padded = np.concatenate(
        [
            np.zeros(front, np.float32),
            audio[: frames * card.hop_samples],
            np.zeros(tail, np.float32),
        ]
    )
    frames_out = infer_audio(padded, model, post)
    values = np.stack(
        [f.blendshapes if f.blendshapes is not None else f.landmarks for f in frames_out]
    )
    return values[delay : delay + frames]


def opening(model: Model, out: np.ndarray) -> np.ndarray:
    """(T,) how open the mouth is: jawOpen, or the inner-lip gap over the face height."""
    rep = model.card.representation
    if rep is Representation.BLENDSHAPES:
        return out[:, arkit.INDEX["jawOpen"]]
    lips, height = (
        (_DLIB_LIPS, _DLIB_HEIGHT) if rep is Representation.LANDMARKS_2D else (_MP_LIPS, _MP_HEIGHT)
    )
    return lip_gap(out, lips, height)


def lip_gap(points: np.ndarray, lips: tuple[int, int], height: tuple[int, int]) -> np.ndarray:
    """(T,) distance between two lip points over the face height, from ``(T, P, D)`` points."""
    gap = np.linalg.norm(points[:, lips[1], :2] - points[:, lips[0], :2], axis=-1)
    size = np.linalg.norm(points[:, height[1], :2] - points[:, height[0], :2], axis=-1)
    return gap / np.maximum(size, 1e-6)


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    denominator = math.sqrt(float((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denominator) if denominator > 0 else float("nan")


def spoken_span(audio: np.ndarray) -> slice:
    """Frames from the first to the last voiced one (GRID speakers often hold the mouth open
    before they speak, which no voice can tell)."""
    voiced = np.nonzero(frame_levels(audio) > SPOKEN_DB)[0]
    return slice(int(voiced[0]), int(voiced[-1]) + 1) if len(voiced) else slice(0, 0)


def judge_grid(model: Model, clips: Sequence[RealClip]) -> dict[str, float]:
    """jawOpen (or lip-gap) r pooled over the clips and over their spoken parts, per-clip r,
    and the mouth-region MAE (%) against MediaPipe's scores."""
    pairs: dict[str, list[np.ndarray]] = {
        "pred": [],
        "true": [],
        "pred spoken": [],
        "true spoken": [],
    }
    rows, errors = {}, []
    blendshapes = model.card.representation is Representation.BLENDSHAPES
    for clip in clips:
        assert clip.blendshapes is not None and clip.mesh is not None and clip.valid is not None
        out = raw_outputs(model, clip.audio)
        n = min(len(out), len(clip.valid))
        out, valid = out[:n], clip.valid[:n]
        pred = opening(model, out)
        if blendshapes:
            truth = clip.blendshapes[:n, arkit.INDEX["jawOpen"]]
            mouth = list(arkit.REGIONS["mouth"])
            errors.append(np.abs(out[valid][:, mouth] - clip.blendshapes[:n][valid][:, mouth]))
        else:
            truth = lip_gap(clip.mesh[:n], _MP_LIPS, _MP_HEIGHT)
        spoken = np.zeros(n, bool)
        spoken[spoken_span(clip.audio[: n * HOP_SAMPLES])] = True
        rows[f"r {clip.name}"] = pearson(pred[valid], truth[valid])
        pairs["pred"].append(pred[valid])
        pairs["true"].append(truth[valid])
        pairs["pred spoken"].append(pred[valid & spoken])
        pairs["true spoken"].append(truth[valid & spoken])
    key = "jawOpen r" if blendshapes else "lip-gap r"
    result = {
        key: pearson(np.concatenate(pairs["pred"]), np.concatenate(pairs["true"])),
        f"{key} spoken": pearson(
            np.concatenate(pairs["pred spoken"]), np.concatenate(pairs["true spoken"])
        ),
        **rows,
    }
    if errors:
        result["MAE mouth %"] = float(100.0 * np.concatenate(errors).mean())
    return result


def frame_levels(audio: np.ndarray) -> np.ndarray:
    """(T,) dB energy of each 40 ms frame relative to the loudest frame."""
    frames = len(audio) // HOP_SAMPLES
    power = (audio[: frames * HOP_SAMPLES].reshape(frames, HOP_SAMPLES) ** 2).mean(axis=1)
    return 10.0 * np.log10(np.maximum(power, 1e-12) / max(float(power.max()), 1e-12))


def silences(levels: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) frame runs of at least SILENCE_MIN_S below SILENT_DB, after some speech."""
    quiet = levels < SILENT_DB
    runs, start = [], None
    spoken = False
    for t, q in enumerate([*quiet, False]):
        if q and start is None:
            start = t
        elif not q and start is not None:
            if spoken and (t - start) * FRAME_SECONDS >= SILENCE_MIN_S:
                runs.append((start, t))
            start = None
        spoken |= t < len(levels) and levels[t] > VOICED_DB
    return runs


def closing_times(open_curve: np.ndarray, levels: np.ndarray, closed: float) -> list[float]:
    """Seconds from each silence's start until ``open_curve`` stays below ``closed``."""
    out = []
    for start, end in silences(levels):
        above = np.nonzero(open_curve[start:end] >= closed)[0]
        out.append(0.0 if len(above) == 0 else (int(above[-1]) + 1) * FRAME_SECONDS)
    return out


def first_closed_times(open_curve: np.ndarray, levels: np.ndarray, closed: float) -> list[float]:
    """Seconds from each silence's start until ``open_curve`` first drops below ``closed``
    (the silence's length when it never does)."""
    out = []
    for start, end in silences(levels):
        below = np.nonzero(open_curve[start:end] < closed)[0]
        out.append((int(below[0]) if len(below) else end - start) * FRAME_SECONDS)
    return out


def judge_speech(model: Model, clips: Sequence[RealClip]) -> dict[str, float]:
    """Opening on voiced frames and the closing time after silence starts (raw and streamed)."""
    voiced_open, closes_raw, closes_stream = [], [], []
    firsts_raw, firsts_stream = [], []
    blendshapes = model.card.representation is Representation.BLENDSHAPES
    for clip in clips:
        levels = frame_levels(clip.audio)
        raw = opening(model, raw_outputs(model, clip.audio))
        stream = opening(model, streamed_outputs(model, clip.audio))
        n = min(len(levels), len(raw), len(stream))
        levels, raw, stream = levels[:n], raw[:n], stream[:n]
        rest = float(opening(model, model.rest_output()[None])[0])
        closed = (
            CLOSED
            if blendshapes
            else rest + CLOSED * (float(np.median(raw[levels > VOICED_DB])) - rest)
        )
        voiced_open.append(raw[levels > VOICED_DB])
        closes_raw += closing_times(raw, levels, closed)
        closes_stream += closing_times(stream, levels, closed)
        firsts_raw += first_closed_times(raw, levels, closed)
        firsts_stream += first_closed_times(stream, levels, closed)
    voiced = np.concatenate(voiced_open)
    return {
        "voiced opening median": float(np.median(voiced)),
        "voiced frames open %": float(100.0 * np.mean(voiced > (CLOSED if blendshapes else 0))),
        "silences": float(len(closes_stream)),
        "closed after s, max (raw)": float(max(firsts_raw, default=float("nan"))),
        "closed after s, max (streamed)": float(max(firsts_stream, default=float("nan"))),
        "stays closed after s, max (raw)": float(max(closes_raw, default=float("nan"))),
        "stays closed after s, max (streamed)": float(max(closes_stream, default=float("nan"))),
    }


def judge(model: Model, data: Path, landmarker: Path, cache: Path) -> dict[str, Any]:
    """Both checks for one model: ``{"grid": {...}, "speech": {...}}``."""
    return {
        "grid": judge_grid(model, grid_clips(data / "grid", landmarker, cache)),
        "speech": judge_speech(model, speech_clips(data / "speech")),
    }


def card_metrics(results: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """One model's :func:`judge` results as flat card metrics: ``"grid: jawOpen r"`` etc."""
    return {f"{part}: {k}": v for part, values in results.items() for k, v in values.items()}


def write_card_metrics(path: Path, card: ModelCard, results: Mapping[str, Any]) -> None:
    """Put ``results`` into the card of the ``.onnx`` file ``path`` as its judge figures.

    Earlier judge figures (``grid: …``, ``speech: …``) are replaced, every other card field and
    metric is kept, the graph and weights are untouched; the file is replaced in one step, so an
    interrupted write leaves the old file.
    """
    import onnx

    judged = card_metrics(results)
    kept = {k: v for k, v in card.metrics.items() if k.split(": ", 1)[0] not in results}
    new = dataclasses.replace(card, metrics={**kept, **judged})
    partial = path.with_name(path.name + ".partial")
    try:
        model = onnx.load(str(path))
        onnx.helper.set_model_props(model, new.to_metadata())  # replaces what was there
        onnx.save(model, str(partial))
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise JudgeError(f"cannot write the card of {str(path)!r}: {exc}") from None


def add_data_arguments(parser: argparse.ArgumentParser, folders: str) -> None:
    """``--data`` (holding ``folders``), ``--landmarker``, ``--cache`` and ``--json``."""
    parser.add_argument(
        "--data", type=Path, default=Path("../shared/data"), help=f"folder with {folders}"
    )
    parser.add_argument(
        "--landmarker", type=Path, help="face_landmarker.task (default: DATA/face_landmarker.task)"
    )
    parser.add_argument(
        "--cache", type=Path, default=Path(".cache/judge"), help="MediaPipe label cache"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("models", nargs="+", help="model names or .onnx paths")
    add_data_arguments(parser, "grid/ and speech/")
    parser.add_argument(
        "--write-card",
        action="store_true",
        help="also write the figures into each model's card (models given as .onnx paths only)",
    )


def run(args: argparse.Namespace) -> int:
    landmarker = args.landmarker or args.data / "face_landmarker.task"
    if args.write_card:
        # a bare name may resolve to the installed package's copy: only rewrite files named here
        named = [m for m in args.models if not m.endswith(".onnx")]
        if named:
            raise JudgeError(f"--write-card needs .onnx paths, not model names: {', '.join(named)}")
    results = {}
    for name in args.models:
        try:
            model = load_model(name, providers="cpu", threads=1)
        except ModelError as exc:
            raise JudgeError(str(exc)) from None
        results[model.card.name] = judge(model, args.data, landmarker, args.cache)
        print(json.dumps({model.card.name: results[model.card.name]}, indent=1))
        if args.write_card:
            write_card_metrics(model.path, model.card, results[model.card.name])
            print(f"{model.path}: card updated")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    return 0
