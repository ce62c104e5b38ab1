"""``talkrig train fit | cv | export | report | face-map``: the steps that learn a model.

Data folders are what ``prepare`` or ``bootstrap`` write: ``manifest.jsonl`` and
``labels/{id}.npz``. ``fit`` and ``cv`` write run folders (checkpoint, config, and the held-out
speakers' scores in ``metrics.json``); ``export`` turns a run into one ONNX file with its card;
``face-map`` fits the blendshapes → landmarks maps that ``export --face-map`` puts inside a
landmark model.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from talkrig.models.contract import Family, Representation

from ..data.holdout import DEV_SPLIT_METRIC
from ..data.manifest import Utterance, read_manifest
from ..guard import guarded
from ..judging.gate_offset import offset_arg, target_arg
from .config import CHECKPOINT, TrainConfig, parse_sets, resolve
from .folds import read_folds, speaker_folds, split, write_folds

if TYPE_CHECKING:  # the parser must not import torch (dataset.py does)
    from .dataset import Clip
    from .networks import FaceNet

METRICS_FILE = "metrics.json"


class ReportError(ValueError):
    """Nothing to report under the folder given."""


def _config(args: argparse.Namespace) -> TrainConfig:
    return resolve(args.config, parse_sets(args.set or []))


def _data(folder: Path) -> tuple[list[Utterance], Path]:
    return read_manifest(folder / "manifest.jsonl"), folder / "labels"


def _label_options(config: TrainConfig) -> dict[str, Any]:
    """The load-time label transforms of ``config`` as ``load_clips`` keywords."""
    return {
        "prosody": bool(config.prosody),
        "jaw_lag_ms": config.jaw_lag_ms,
        "jaw_blur_ms": config.jaw_blur_ms,
    }


def _mixed(
    config: TrainConfig, clips: list[Clip], phones: Mapping[str, np.ndarray] | None = None
) -> list[Clip]:
    """``clips`` with the copies and non-speech clips ``config`` asks for (real_mix.py) and,
    for a phone head and a voice gate, their target columns (``phones``: phone_labels.py)."""
    from ..data.augment import AugmentSettings
    from .real_mix import MixSettings, mixed_clips, with_phone_targets, with_voice_targets

    settings = MixSettings(
        config.voice_copies,
        config.nonspeech_clips,
        bed_copies=config.bed_copies,
        room_copies=config.room_copies,
        room_gain_db=(config.room_gain_low_db, AugmentSettings.gain_db[1]),
    )
    clips = mixed_clips(clips, settings, config.seed)
    if config.phone_head:
        clips = with_phone_targets(clips, phones or {})
    return with_voice_targets(clips, config.gate_shut_after_ms) if config.voice_gate else clips


def cmd_fit(args: argparse.Namespace) -> int:
    """Train one model on a prepared data folder; ``--dev-speaker`` holds speakers out,
    ``--dev-split`` the development utterances (holdout/grid_s1_dev.txt)."""
    fit_run(args)
    return 0


def fit_run(args: argparse.Namespace) -> Path:
    """``fit``'s work: the run folder it wrote."""
    from ..data.holdout import GRID_S1_DEV, held_out, without_held_out
    from ..data.phone_labels import phone_labels
    from ..judging.evaluate import evaluate
    from .dataset import load_clips
    from .fit import fit, load_checkpoint

    config = _config(args)
    utterances, labels = _data(args.data)
    utterances = without_held_out(utterances)  # never trained or tuned on (training/data/holdout/)
    dev_ids = set(args.dev_speaker or [])
    dev_names = held_out(GRID_S1_DEV) if args.dev_split else frozenset()
    is_dev = [u.speaker in dev_ids or Path(u.source).stem in dev_names for u in utterances]
    train_u = [u for u, dev in zip(utterances, is_dev, strict=True) if not dev]
    dev_u = [u for u, dev in zip(utterances, is_dev, strict=True) if dev]
    pdm = None
    if args.resume is not None:
        _, _, pdm = load_checkpoint(args.resume / CHECKPOINT)
    options = _label_options(config)
    train, pdm = load_clips(
        labels, train_u, config.representation, pdm, config.pdm_components, **options
    )
    dev, _ = load_clips(labels, dev_u, config.representation, pdm, **options)
    phones: dict[str, np.ndarray] = {}
    if config.phone_head:
        phones.update(phone_labels(args.data, train_u, not args.no_progress))
    for folder in args.also or []:  # e.g. voice-swap's clips: s1's real face in other voices
        more_u, more_labels = _data(folder)
        more_u = [u for u in without_held_out(more_u) if Path(u.source).stem not in dev_names]
        more, _ = load_clips(more_labels, more_u, config.representation, pdm, **options)
        print(f"{folder}: {len(more)} more clips")
        train += more
        if config.phone_head:
            phones.update(phone_labels(folder, more_u, not args.no_progress))
    real = len(train)
    train = _mixed(config, train, phones)
    print(f"training on {real} clips + {len(train) - real} voice, bed and non-speech copies")
    extra = {
        "data": str(args.data),
        "also": [str(f) for f in args.also or []],
        "dev_speakers": sorted(dev_ids),
        "dev_split": bool(args.dev_split),
    }
    result = fit(
        config, train, args.runs, dev=dev, pdm=pdm, name=args.name, resume=args.resume,
        extra=extra, progress=not args.no_progress,
    )  # fmt: skip
    metrics = evaluate(result.network, dev, pdm) if dev else {}
    (result.run_dir / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n", "utf-8")
    if pdm is not None:
        print(f"PDM: {pdm.components} components keep {pdm.variance_kept:.4f} of the variance")
    print(f"{result.run_dir}: {len(result.history)} epochs, last {result.history[-1]}")
    return result.run_dir


def cmd_cv(args: argparse.Namespace) -> int:
    """Speaker-independent k-fold cross-validation: one run per fold, folds written to disk."""
    from ..data.holdout import without_held_out
    from ..judging.evaluate import evaluate
    from .dataset import load_clips
    from .fit import fit

    config = _config(args)
    utterances, labels = _data(args.data)
    utterances = without_held_out(utterances)
    args.runs.mkdir(parents=True, exist_ok=True)
    folds_file = args.runs / "folds.json"
    if folds_file.exists():
        folds = read_folds(folds_file)
    else:
        folds = speaker_folds(utterances, args.folds, config.seed)
        write_folds(folds_file, folds)
    options = _label_options(config)
    for k in range(len(folds)):
        train_u, test_u = split(utterances, folds, k)
        train, pdm = load_clips(
            labels, train_u, config.representation, None, config.pdm_components, **options
        )
        test, _ = load_clips(labels, test_u, config.representation, pdm, **options)
        extra = {"data": str(args.data), "test_fold": k, "test_speakers": folds[k]}
        train = _mixed(config, train)
        result = fit(config, train, args.runs, pdm=pdm, name=f"fold{k}", extra=extra)
        metrics = evaluate(result.network, test, pdm)
        (result.run_dir / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n", "utf-8")
        print(f"fold {k}: {result.run_dir.name} {metrics}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """A run's checkpoint → one ONNX file with its card; ``--eval`` scores it first;
    ``--face-map`` turns a blendshape run into a landmark model."""
    from ..judging.evaluate import evaluate
    from .dataset import load_clips
    from .export import card_for, export_onnx
    from .face_map import FaceMap, placed_pdm, run_video_size
    from .fit import load_checkpoint

    network, state, pdm = load_checkpoint(args.run / CHECKPOINT)
    config = TrainConfig(**state["config"])
    gate, description = _gate(args, config, network, pdm is not None)
    representation = Representation(config.representation)
    face_map = None
    if args.face_map is not None:
        if pdm is not None:
            raise ReportError("--face-map needs a blendshape run")
        try:
            face_map = FaceMap.load(args.face_map)
        except (OSError, KeyError, ValueError) as exc:
            raise ReportError(f"face map {str(args.face_map)!r} is unreadable: {exc}") from None
        representation = (
            Representation.LANDMARKS_2D
            if face_map.neutral.shape[1] == 2
            else Representation.LANDMARKS_3D
        )
    metrics: dict[str, Any] = {}
    metrics_file = args.run / METRICS_FILE
    if metrics_file.is_file() and face_map is None:
        metrics = json.loads(metrics_file.read_text("utf-8"))
    if args.eval is not None:
        from ..data.holdout import only_held_out

        utterances, labels = _data(args.eval)
        clips, _ = load_clips(labels, only_held_out(utterances), config.representation, pdm)
        metrics = {f"{k} ({args.eval.name})": v for k, v in evaluate(network, clips, pdm).items()}
    if args.metrics is not None:
        metrics.update(_judged_metrics(args.metrics, args.name))
    if network.voice_gate:
        metrics.update(gate)
    if _run_record(args.run).get("dev_split"):
        metrics[DEV_SPLIT_METRIC] = 1.0  # what judge --dev asks of a model
    card = card_for(
        network, args.name, representation,
        training_data=args.training_data, license=args.license, family=Family(args.family),
        metrics=metrics, description=description,
    )  # fmt: skip
    if pdm is not None:
        size = run_video_size(args.run)
        if size is not None:  # points in the faces.py frame, not the training video's fractions
            pdm = placed_pdm(pdm, *size)
    path = export_onnx(network, args.out, card, pdm, face_map, neutral_rest=args.neutral_rest)
    print(f"{path}: {path.stat().st_size / 1e6:.1f} MB, card {card.name!r}")
    return 0


def _run_record(run: Path) -> dict[str, Any]:
    """``run.json`` of a run folder; empty when it is missing or unreadable."""
    try:
        record = json.loads((run / "run.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _gate(
    args: argparse.Namespace, config: TrainConfig, network: FaceNet, landmarks: bool
) -> tuple[dict[str, float], str]:
    """The export's gate offset set on ``network``: the card's ``gate:`` metrics and its
    description (judging/gate_offset.py)."""
    from ..judging.gate_offset import set_gate

    # an offset given by hand wins over the recipe's target
    target = config.nonspeech_target if args.nonspeech_target is None else args.nonspeech_target
    target = 0.0 if args.gate_offset is not None else target
    if (args.gate_offset or target) and not network.voice_gate:
        option = "--gate-offset" if args.gate_offset else "a non-speech target"
        raise ReportError(f"{option} needs a run with a voice gate; {args.run} has none")
    if target and landmarks:
        raise ReportError(f"a non-speech target is for blendshape runs; {args.run} is landmarks")
    return set_gate(network, target, args.gate_offset, args.neutral_rest, args.description)


def _judged_metrics(path: Path, name: str) -> dict[str, float]:
    """The flat ``judge`` results of model ``name`` from a ``talkrig train judge --json`` file."""
    try:
        results = json.loads(path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReportError(f"judge results {str(path)!r} are unreadable: {exc}") from None
    if name not in results:
        raise ReportError(f"judge results {str(path)!r} have no model {name!r}")
    from ..judging.judge import card_metrics

    return card_metrics(results[name])


def cmd_report(args: argparse.Namespace) -> int:
    """Mean metrics over the runs (folds) below a folder, one table per representation."""
    groups: dict[tuple[str, str], list[dict[str, float]]] = {}
    for metrics_file in sorted(args.runs.rglob(METRICS_FILE)):
        config = json.loads((metrics_file.parent / "config.json").read_text("utf-8"))
        metrics = json.loads(metrics_file.read_text("utf-8"))
        if metrics:
            key = (config["representation"], config["architecture"])
            groups.setdefault(key, []).append(metrics)
    if not groups:
        raise ReportError(f"no evaluated runs ({METRICS_FILE}) under {str(args.runs)!r}")
    for representation in sorted({r for r, _ in groups}):
        rows = {a: m for (r, a), m in groups.items() if r == representation}
        columns = list(next(iter(rows.values()))[0])
        print(f"\n{representation} (mean over folds, %)")
        print(" | ".join(["model", "folds", *columns]))
        for arch, runs in sorted(rows.items()):
            means = [sum(r.get(c, float("nan")) for r in runs) / len(runs) for c in columns]
            print(" | ".join([arch, str(len(runs)), *(f"{v:.2f}" for v in means)]))
    return 0


def _config_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML or JSON file of config overrides")
    parser.add_argument("--set", action="append", metavar="KEY=VALUE", help="override one key")


def cmd_face_map(args: argparse.Namespace) -> int:
    """Fit the blendshapes → landmarks maps on real talking-face clips and save them."""
    from .face_map import grid_face_maps, prepared_face_maps

    if (args.clips / "manifest.jsonl").is_file():
        maps = prepared_face_maps(args.clips)
    else:
        landmarker = args.landmarker or args.clips.parent / "face_landmarker.task"
        maps = grid_face_maps(args.clips, landmarker)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for representation, face_map in maps.items():
        path = args.out_dir / f"facemap-{representation}.npz"
        face_map.save(path)
        print(f"{path}: {face_map.neutral.shape[0]} points x {face_map.neutral.shape[1]}")
    return 0


def add_learning_commands(sub: Any) -> None:
    """Add ``fit``, ``cv``, ``export``, ``report`` and ``face-map`` to the ``train`` sub-parsers."""
    fit_p = sub.add_parser("fit", help="train one model on a prepared data folder")
    fit_p.add_argument("data", type=Path, help="folder written by prepare")
    fit_p.add_argument(
        "--also",
        type=Path,
        action="append",
        help="another prepared folder to train on (voice-swap's)",
    )
    fit_p.add_argument("--runs", type=Path, default=Path("runs"), help="runs folder")
    fit_p.add_argument("--name", default="run", help="run folder suffix")
    fit_p.add_argument("--resume", type=Path, help="continue this run folder")
    fit_p.add_argument("--dev-speaker", action="append", help="hold out a speaker (repeatable)")
    fit_p.add_argument(
        "--dev-split",
        action="store_true",
        help="also hold out the development utterances (training/data/holdout/grid_s1_dev.txt), "
        "for choosing a recipe with `judge --dev`",
    )
    fit_p.add_argument("--no-progress", action="store_true", help="no progress bars")
    _config_options(fit_p)
    fit_p.set_defaults(func=guarded("fit", cmd_fit))

    cv = sub.add_parser("cv", help="speaker-independent k-fold cross-validation")
    cv.add_argument("data", type=Path)
    cv.add_argument("--runs", type=Path, required=True, help="folder for folds.json and runs")
    cv.add_argument("--folds", type=int, default=5)
    _config_options(cv)
    cv.set_defaults(func=guarded("cv", cmd_cv))

    _add_export(sub)

    report = sub.add_parser("report", help="tables of mean metrics over folds")
    report.add_argument("runs", type=Path)
    report.set_defaults(func=guarded("report", cmd_report))

    face = sub.add_parser("face-map", help="fit blendshapes → landmarks maps on real videos")
    face.add_argument(
        "clips",
        type=Path,
        help="a prepared folder (fits on its training utterances) or a folder of *.mpg clips",
    )
    face.add_argument("--out-dir", type=Path, required=True, help="writes facemap-*.npz here")
    face.add_argument("--landmarker", type=Path, help="face_landmarker.task (default: beside)")
    face.set_defaults(func=guarded("face-map", cmd_face_map))


def _add_export(sub: Any) -> None:
    export = sub.add_parser("export", help="a run's checkpoint → ONNX file with model card")
    export.add_argument("run", type=Path, help="run folder")
    export.add_argument("--out", type=Path, required=True, help="the .onnx file to write")
    export.add_argument("--name", required=True, help="model card name")
    export.add_argument("--family", choices=[f.value for f in Family], default="neutral")
    export.add_argument("--training-data", required=True, help="corpora, for the card")
    export.add_argument("--license", default="MIT", help="licence of the weights")
    export.add_argument("--description", default="")
    export.add_argument(
        "--eval", type=Path, help="prepared folder: score on its held-out utterances (or all)"
    )
    export.add_argument("--face-map", type=Path, help="blendshapes → landmarks map (.npz)")
    export.add_argument(
        "--neutral-rest",
        action="store_true",
        help="blendshapes measured from the model's own face in silence, eyes kept still: the "
        "avatar rests at ARKit's neutral, not at the training speaker's resting face",
    )
    gate = export.add_mutually_exclusive_group()
    gate.add_argument(
        "--gate-offset",
        type=offset_arg,
        metavar="LOGITS",
        help="lower the voice gate's logit by this in the graph, so the gate opens less readily "
        "(0-10; default: what --nonspeech-target picks, else 0)",
    )
    gate.add_argument(
        "--nonspeech-target",
        type=target_arg,
        metavar="JAWOPEN",
        help="pick the gate offset: the smallest (steps of 0.5) at which the mouth's 95th "
        "percentile on the training split's non-speech sounds is at most this (0-1; default: "
        "the run's nonspeech_target; 0: no offset)",
    )
    export.add_argument("--metrics", type=Path, help="`train judge --json` results for the card")
    export.set_defaults(func=guarded("export", cmd_export))
