"""``talkrig train judge MODEL...``: exported models scored on real material they never learned.

Four checks, on a data folder laid out like the shared one (``grid/``, ``speech/``):

- **GRID s1** and **GRID others**: real speech with real face video. MediaPipe labels each
  picture (cached in ``--cache``). ``grid s1`` is speaker s1's held-out utterances
  (``training/data/holdout/grid_s1.txt``; all 100 from ``--s1 PREPARED`` when given, else the shared
  clip among them); ``grid others`` the shared clips of other speakers. Rows are placed at their
  own ``stream_time`` (row ``t`` is the face at ``t × 40 ms``) and compared with video frame
  ``t``: jawOpen r (Pearson) pooled, over the spoken parts, and averaged per clip; the best shift
  of the cross-correlation (negative: the face comes late); the mouth-region MAE (%), the
  paper's metric. Landmark models have no jawOpen: their lip gap (inner-lip midpoints over the
  face height) is correlated with MediaPipe's instead.
- **Speech** (``speech/*``): real read speech without video. Voiced frames should open the mouth;
  after speech stops it should close within ``CLOSE_GOAL_S``, through the engine's default post
  chain (streamed) and raw.

- **Non-speech** (``nonspeech.py``, its ``judge`` set): instrumental music, noise at -30 dBFS,
  typing and fan hum must leave the mouth at rest (95th percentile of the opening above rest
  ≤ ``NONSPEECH_GOAL``); the speech clips with that music ``UNDER_MUSIC_DB`` under them must
  still move it (≥ ``UNDER_MUSIC_GOAL``).

The thresholds of the speech and non-speech checks are in jawOpen. A landmark model's opening is
its lip gap above its rest, in jawOpen units: divided by the slope of the real faces' lip gap over
their jawOpen (MediaPipe, on the judge's GRID clips: :func:`jaw_units`), so "closed" and "at
rest" mean the same mouth for every model.

The ONNX file runs through ONNX Runtime exactly as the engine runs it: raw rows from windows of
the card's size that end the card's look-ahead after the face's instant; streamed rows from the
engine's file inference.
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
CLOSE_GOAL_S = 0.12  # the goal for the streamed mouth; the tests hold the shipped to it
# Real faces close after speech at their own pace: on s1's 100 held-out clips MediaPipe's jawOpen
# stays above 0.05 for up to 0.2 s after a silence starts (median 0, p90 0.09 s over 17 silences;
# docs/studies/real_closing.py). The models that learned them leave the mouth a little open in a
# short pause before the next word; the engine's silence gate shuts it (post/silence_gate.py).
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


def grid_clips(folder: Path | Sequence[Path], landmarker_path: Path, cache: Path) -> list[RealClip]:
    """The ``*.mpg`` clips of ``folder`` (or the videos listed) with MediaPipe labels, cached as
    ``cache/NAME.npz``."""
    from ..data.labels import to_grid
    from ..data.landmarker import FaceLandmarker
    from ..data.video import decode_audio, probe

    videos = sorted(folder.glob("*.mpg")) if isinstance(folder, Path) else list(folder)
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

    Row ``t`` is the face at ``t × 40 ms`` (DESIGN "Time"): it comes from the window that ends
    the card's look-ahead after that instant, as in training; silence pads both ends.
    """
    card = model.card
    hop, window = card.hop_samples, card.window_samples
    front = window - card.lookahead_samples
    frames = len(audio) // hop
    padded = np.zeros(window + (frames - 1) * hop, np.float32)
    body = audio[: min(frames * hop, len(padded) - front)]
    padded[front : front + len(body)] = body
    starts = np.arange(frames) * hop
    outs = []
    for k in range(0, frames, _BATCH):
        idx = starts[k : k + _BATCH, None] + np.arange(window)[None]
        outs.append(model(padded[idx]))
    return np.concatenate(outs)


def streamed_outputs(model: Model, audio: np.ndarray, post: PostConfig | None = None) -> np.ndarray:
    """What the engine sends with the ``post`` chain (default: the engine's), one row per 40 ms:
    row ``t`` is the frame whose ``stream_time`` is ``t × 40 ms``, as file inference gives it."""
    post = post or PostConfig(seed=0)
    card = model.card
    frames = len(audio) // card.hop_samples
    # enough silence behind for every look-ahead (model and smoother) to be filled
    tail = np.zeros(card.lookahead_samples + 8 * card.hop_samples, np.float32)
    rows: dict[int, np.ndarray] = {}
    for frame in infer_audio(
        np.concatenate([audio[: frames * card.hop_samples], tail]), model, post
    ):
        k = round(frame.stream_time / FRAME_SECONDS)
        if 0 <= k < frames:
            rows[k] = frame.values
    missing = [k for k in range(frames) if k not in rows]
    if missing:
        raise JudgeError(f"the engine gave no frame for stream times {missing[:5]} (x 40 ms)")
    return np.stack([rows[k] for k in range(frames)])


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


MAX_SHIFT_FRAMES = 8  # the cross-correlation looks this far either way (320 ms)


def best_shift(preds: Sequence[np.ndarray], truths: Sequence[np.ndarray]) -> tuple[float, float]:
    """(ms, r): how far the predicted rows must move to match the video best, and r there.

    Negative: the rows must move earlier, i.e. the face comes late. Pooled over the clips, each
    shifted within itself (frames shifted past a clip's end are left out).
    """
    best = (0.0, -2.0)
    for shift in range(-MAX_SHIFT_FRAMES, MAX_SHIFT_FRAMES + 1):
        # row t + d of the prediction against video frame t: moving the rows by -d
        a, b = [], []
        for pred, truth in zip(preds, truths, strict=True):
            n = len(truth)
            lo, hi = max(0, -shift), min(n, n - shift)
            if hi > lo:
                a.append(pred[lo + shift : hi + shift])
                b.append(truth[lo:hi])
        r = pearson(np.concatenate(a), np.concatenate(b)) if a else float("nan")
        if r > best[1]:
            best = (-shift * FRAME_SECONDS * 1000.0, r)
    return best


def judge_grid(model: Model, clips: Sequence[RealClip]) -> dict[str, float]:
    """jawOpen (or lip-gap) r of the rows at their own ``stream_time``: pooled over the clips,
    over their spoken parts, averaged per clip (each face rests at its own jaw level, which no
    voice tells) over the whole clip and from the first voiced frame on (GRID's readers often
    hold the mouth open before they speak: docs/studies/voice_ceiling.py); the best shift of the
    cross-correlation; the mouth-region MAE (%)."""
    pairs: dict[str, list[np.ndarray]] = {k: [] for k in ("pred", "true", "pred sp", "true sp")}
    full_pred, full_true, per_clip, from_speech, errors = [], [], [], [], []
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
        span = spoken_span(clip.audio[: n * HOP_SAMPLES])
        spoken = np.zeros(n, bool)
        spoken[span] = True
        per_clip.append(pearson(pred[valid], truth[valid]))
        after = valid.copy()
        after[: span.start] = False  # the face before the first word: no voice tells it
        from_speech.append(pearson(pred[after], truth[after]))
        pairs["pred"].append(pred[valid])
        pairs["true"].append(truth[valid])
        pairs["pred sp"].append(pred[valid & spoken])
        pairs["true sp"].append(truth[valid & spoken])
        # the shift search needs whole clips; invalid frames are rare and take the clip's mean
        full_pred.append(pred)
        full_true.append(np.where(valid, truth, truth[valid].mean() if valid.any() else 0.0))
    key = "jawOpen r" if blendshapes else "lip-gap r"
    shift_ms, shift_r = best_shift(full_pred, full_true)
    finite = [r for r in per_clip if np.isfinite(r)]
    finite_after = [r for r in from_speech if np.isfinite(r)]
    result = {
        f"{key} per clip": float(np.mean(finite)) if finite else float("nan"),
        f"{key} per clip from speech on": (
            float(np.mean(finite_after)) if finite_after else float("nan")
        ),
        key: pearson(np.concatenate(pairs["pred"]), np.concatenate(pairs["true"])),
        f"{key} spoken": pearson(
            np.concatenate(pairs["pred sp"]), np.concatenate(pairs["true sp"])
        ),
        "best shift ms": shift_ms,
        f"{key} at best shift": shift_r,
        "clips": float(len(clips)),
    }
    if len(clips) <= 4:
        result.update({f"r {clip.name}": r for clip, r in zip(clips, per_clip, strict=True)})
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


def jaw_units(model: Model, clips: Sequence[RealClip]) -> float:
    """How much of ``model``'s opening (:func:`opening`) one unit of jawOpen is: 1 for
    blendshapes; for landmarks the least-squares slope of the real faces' lip gap over their
    jawOpen on ``clips`` (MediaPipe's mesh and scores of the same frames; for 68-point models
    the mesh's dlib points). On the judge's three GRID clips it is 0.23 (3D) and 0.32 (2D);
    on s1's 100 held-out clips 0.22 and 0.30."""
    rep = model.card.representation
    if rep is Representation.BLENDSHAPES:
        return 1.0
    from ..learning.face_map import MESH_TO_DLIB68

    jaw, gap = [], []
    for clip in clips:
        assert clip.blendshapes is not None and clip.mesh is not None and clip.valid is not None
        mesh = clip.mesh[clip.valid]
        jaw.append(clip.blendshapes[clip.valid, arkit.INDEX["jawOpen"]])
        if rep is Representation.LANDMARKS_2D:
            gap.append(lip_gap(mesh[:, list(MESH_TO_DLIB68), :2], _DLIB_LIPS, _DLIB_HEIGHT))
        else:
            gap.append(lip_gap(mesh, _MP_LIPS, _MP_HEIGHT))
    x, y = np.concatenate(jaw), np.concatenate(gap)
    if len(x) < 2 or float(np.ptp(x)) == 0.0:
        raise JudgeError("no labelled GRID frames to scale a landmark model's lip gap by")
    return float(np.polyfit(x, y, 1)[0])


def jaw_opening(model: Model, out: np.ndarray, units: float) -> np.ndarray:
    """(T,) the opening in jawOpen: jawOpen itself, or a landmark model's lip gap above its rest
    over ``units`` (:func:`jaw_units`)."""
    if model.card.representation is Representation.BLENDSHAPES:
        return opening(model, out)
    rest = float(opening(model, model.rest_output()[None])[0])
    return (opening(model, out) - rest) / units


def judge_speech(model: Model, clips: Sequence[RealClip], units: float = 1.0) -> dict[str, float]:
    """Opening on voiced frames and the closing time after silence starts (raw and streamed),
    in jawOpen (``units``: :func:`jaw_units`)."""
    voiced_open, closes_raw, closes_stream = [], [], []
    firsts_raw, firsts_stream = [], []
    for clip in clips:
        levels = frame_levels(clip.audio)
        raw = jaw_opening(model, raw_outputs(model, clip.audio), units)
        stream = jaw_opening(model, streamed_outputs(model, clip.audio), units)
        n = min(len(levels), len(raw), len(stream))
        levels, raw, stream = levels[:n], raw[:n], stream[:n]
        voiced_open.append(raw[levels > VOICED_DB])
        closes_raw += closing_times(raw, levels, CLOSED)
        closes_stream += closing_times(stream, levels, CLOSED)
        firsts_raw += first_closed_times(raw, levels, CLOSED)
        firsts_stream += first_closed_times(stream, levels, CLOSED)
    voiced = np.concatenate(voiced_open)
    return {
        "voiced opening median": float(np.median(voiced)),
        "voiced frames open %": float(100.0 * np.mean(voiced > CLOSED)),
        "silences": float(len(closes_stream)),
        "closed after s, max (raw)": float(max(firsts_raw, default=float("nan"))),
        "closed after s, max (streamed)": float(max(firsts_stream, default=float("nan"))),
        "stays closed after s, max (raw)": float(max(closes_raw, default=float("nan"))),
        "stays closed after s, max (streamed)": float(max(closes_stream, default=float("nan"))),
    }


# every section a judge writes into a card, including the old single "grid" one it replaces
JUDGED_SECTIONS = ("grid", "grid s1", "grid others", "speech", "non-speech", "voices")
NONSPEECH_GOAL = 0.05  # jawOpen p95 on sounds that are not a voice
UNDER_MUSIC_DB = 10.0  # speech with music this far under it must still move the mouth
UNDER_MUSIC_GOAL = 0.15


def _p95_opening(model: Model, audio: np.ndarray, units: float) -> np.ndarray:
    """How far the streamed mouth opens above its rest, per frame, in jawOpen."""
    values = jaw_opening(model, streamed_outputs(model, audio), units)
    if model.card.representation is Representation.BLENDSHAPES:
        values = values - float(opening(model, model.rest_output()[None])[0])
    return values


def nonspeech_openings(
    model: Model, sounds: Mapping[str, np.ndarray], units: float = 1.0
) -> dict[str, np.ndarray]:
    """The streamed mouth's opening above rest, per frame, on each of the named ``sounds``
    (``data.nonspeech.nonspeech_set``)."""
    return {name: _p95_opening(model, audio, units) for name, audio in sounds.items()}


def judge_nonspeech(
    model: Model, speech: Sequence[RealClip], units: float = 1.0, split: str = "judge"
) -> dict[str, float]:
    """The streamed mouth on the judge's non-speech set (instrumental music, -30 dBFS noise,
    typing, fan hum: 95th percentile of the opening above rest, per sound and overall) and on
    ``speech`` with that music ``UNDER_MUSIC_DB`` under it (95th percentile of the opening), in
    jawOpen (``units``: :func:`jaw_units`). ``split``: which set of sounds (``dev``: the one for
    choosing recipes)."""
    from ..data.nonspeech import mix_under, nonspeech_set

    sounds = nonspeech_set(split)
    openings = nonspeech_openings(model, sounds, units)
    result = {f"p95 {name}": float(np.percentile(v, 95)) for name, v in openings.items()}
    result["p95 non-speech"] = float(np.percentile(np.concatenate(list(openings.values())), 95))
    beds = [a for n, a in sounds.items() if n.startswith("music")]
    mixed = []
    for k, clip in enumerate(speech):
        audio = mix_under(clip.audio, beds[k % len(beds)], UNDER_MUSIC_DB)
        mixed.append(_p95_opening(model, audio, units))
    if mixed:
        result["p95 speech under music"] = float(np.percentile(np.concatenate(mixed), 95))
    return result


def judge(
    model: Model, data: Path, landmarker: Path, cache: Path, s1: Path | None = None
) -> dict[str, Any]:
    """Every check for one model. ``grid s1``: speaker s1's held-out utterances (from the
    prepared folder ``s1`` when given, else the shared clips that are on the held-out list);
    ``grid others``: the shared clips of other speakers; ``speech``; ``non-speech``; ``voices``
    (the same word by FSDD's speakers, when ``data/fsdd`` is there: invariance.py)."""
    from ..data.holdout import held_out

    clips = grid_clips(data / "grid", landmarker, cache)
    within = held_out()
    others = [c for c in clips if c.name not in within]
    s1_clips = heldout_clips(s1) if s1 is not None else [c for c in clips if c.name in within]
    speech = speech_clips(data / "speech")
    results: dict[str, Any] = {}
    if s1_clips:
        results["grid s1"] = judge_grid(model, s1_clips)
    if others:
        results["grid others"] = judge_grid(model, others)
    units = jaw_units(model, clips)
    results["speech"] = judge_speech(model, speech, units)
    results["non-speech"] = judge_nonspeech(model, speech, units)
    if (data / "fsdd").is_dir():
        from .invariance import judge_voices

        results["voices"] = judge_voices(model, data / "fsdd")
    return results


def heldout_clips(prepared: Path) -> list[RealClip]:
    """Speaker s1's held-out utterances from a folder ``talkrig train prepare grid`` wrote."""
    from ..data.holdout import held_out

    return prepared_clips(prepared, held_out(), "held-out GRID s1 utterances")


def prepared_clips(prepared: Path, names: frozenset[str], what: str) -> list[RealClip]:
    """The utterances of a prepared folder whose media file is one of ``names`` (by its name
    without suffix), with their labels; ``what`` names them in the error when there are none."""
    from ..data.labels import load_labels
    from ..data.manifest import CorpusError, read_manifest

    try:
        rows = read_manifest(prepared / "manifest.jsonl")
    except CorpusError as exc:
        raise JudgeError(str(exc)) from None
    chosen = [u for u in rows if u.source and Path(u.source).stem in names]
    if not chosen:
        raise JudgeError(f"{str(prepared)!r} holds none of the {what}")
    out = []
    for u in chosen:
        arrays = load_labels(prepared / "labels", u)
        out.append(
            RealClip(
                Path(u.source).stem,
                arrays["audio"],
                arrays["blendshapes"],
                arrays["landmarks3d"],
                arrays["valid"],
            )
        )
    return out


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
    judged_sections = {*results, *JUDGED_SECTIONS}
    kept = {k: v for k, v in card.metrics.items() if k.split(": ", 1)[0] not in judged_sections}
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
        "--s1",
        type=Path,
        help="folder `talkrig train prepare grid` wrote for GRID s1: judge its held-out "
        "utterances (default: only the shared clips on the held-out list)",
    )
    parser.add_argument(
        "--dev",
        action="store_true",
        help="score on the development split instead (needs --s1; a model from `fit --dev-split`"
        "): for choosing recipes without the held-out clips (dev_judge.py)",
    )
    parser.add_argument(
        "--swap", type=Path, help="with --dev: the folder `talkrig train voice-swap` wrote"
    )
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
    if args.dev and (args.s1 is None or args.write_card):
        raise JudgeError("--dev needs --s1 and writes no card (its figures are for choosing)")
    if args.swap is not None and not args.dev:
        raise JudgeError("--swap goes with --dev")
    results = {}
    for name in args.models:
        try:
            model = load_model(name, providers="cpu", threads=1)
        except ModelError as exc:
            raise JudgeError(str(exc)) from None
        if args.dev:
            from .dev_judge import judge_dev

            results[model.card.name] = judge_dev(model, args.s1, args.swap)
        else:
            results[model.card.name] = judge(model, args.data, landmarker, args.cache, args.s1)
        print(json.dumps({model.card.name: results[model.card.name]}, indent=1))
        if args.write_card:
            write_card_metrics(model.path, model.card, results[model.card.name])
            print(f"{model.path}: card updated")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    return 0
