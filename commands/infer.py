"""``talkrig infer``: whole audio files → CSV, JSONL or Live Link Face takes."""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, cast

from tqdm import tqdm

from talkrig.bridge import livelink_csv
from talkrig.bridge.frame import FaceFrame
from talkrig.bridge.offline import infer_file
from talkrig.bridge.outputs import check_writable
from talkrig.bridge.senders.base import TargetFailed
from talkrig.bridge.senders.recorders import RowFile
from talkrig.bridge.senders.targets import make_target
from talkrig.commands import options
from talkrig.commands.options import USER_ERRORS, UsageError


def add_infer(sub: Any) -> None:
    """``talkrig infer``."""
    infer = options.command(
        sub, "infer", "whole audio files → CSV, JSONL or Live Link Face takes (same post chain)",
        "talkrig infer talk.wav --out talk.csv",
        "talkrig infer a.wav b.mp3 --out-dir takes --format livelink",
    )  # fmt: skip
    infer.add_argument("file", nargs="+", help="audio or video files (anything FFmpeg reads)")
    infer.add_argument("--out", help="output file (one input file)")
    infer.add_argument(
        "--out-dir", metavar="DIR", help="output folder: NAME.csv (or .jsonl) per input NAME.*"
    )
    infer.add_argument(
        "--format", default="csv", choices=("csv", "jsonl", "livelink"),
        help="csv/jsonl: TalkRig recorder layout; livelink: Live Link Face CSV take",
    )  # fmt: skip
    infer.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    options.add_inference_options(infer)
    infer.set_defaults(func=cmd_infer)


def cmd_infer(args: argparse.Namespace) -> int:
    """Each file through :func:`_infer_one`; a bad file is reported and the others still run."""
    jobs = _infer_jobs(args)
    failed = 0
    for file, out in jobs:
        try:
            _infer_one(args, file, out)
        except USER_ERRORS as exc:
            if len(jobs) == 1:
                raise
            print(f"talkrig: error: {exc}", file=sys.stderr)
            failed += 1
    return 2 if failed else 0


def _infer_jobs(args: argparse.Namespace) -> list[tuple[str, Path]]:
    """(input file, output path) pairs from ``--out FILE`` (one input) or ``--out-dir DIR``."""
    if (args.out is None) == (args.out_dir is None):
        raise UsageError("give --out FILE (one input) or --out-dir DIR (one output per input)")
    if args.out is not None:
        if len(args.file) > 1:
            raise UsageError(f"{len(args.file)} input files need --out-dir DIR, not --out")
        return [(args.file[0], Path(args.out))]
    folder = Path(args.out_dir)
    if not folder.is_dir():
        raise UsageError(f"output folder {folder} does not exist")
    suffix = ".jsonl" if args.format == "jsonl" else ".csv"
    jobs = [(file, folder / (Path(file).stem + suffix)) for file in args.file]
    names = [out.name for _, out in jobs]
    for name in {n for n in names if names.count(n) > 1}:
        same = [file for file, out in jobs if out.name == name]
        raise UsageError(f"{' and '.join(same)} would both be written to {folder / name}")
    return jobs


def _infer_one(args: argparse.Namespace, file: str, out: Path) -> None:
    if not out.parent.is_dir():
        raise UsageError(f"output folder {out.parent} does not exist")
    check_writable(out, "--out", overwrite=args.format == "livelink")  # before the model loads
    post = options.post_config(args)
    avatar_profile = options.profile(args)
    with options.load(args) as model:
        if args.format == "livelink" and model.card.representation.value != "blendshapes":
            raise UsageError("--format livelink needs a blendshape model")
        total, frames = infer_file(file, model, post, avatar_profile)
        bar = tqdm(total=total, unit="frame", desc=Path(file).name, disable=args.quiet)
        if args.format == "livelink":
            written = _write_take(out, _ticking(frames, bar))
        else:
            written, out = _record(args.format, out, _ticking(frames, bar))
        bar.close()
    print(f"talkrig: wrote {written} frames to {out}", file=sys.stderr)


def _write_take(out: Path, frames: Iterable[FaceFrame]) -> int:
    """A Live Link Face CSV take; a full disk ends it at its last complete row, with one line
    (TargetFailed)."""
    with contextlib.closing(RowFile(out, open(out, "wb", buffering=0))) as f:
        rows = ((fr.stream_time, fr.blendshapes) for fr in frames)
        return livelink_csv.write(cast(io.TextIOBase, f), rows)


def _record(kind: str, out: Path, frames: Iterable[FaceFrame]) -> tuple[int, Path]:
    """Frames through the ``kind`` recorder; how many, and the path it chose."""
    written = 0
    with make_target(f"{kind}:{out}") as recorder:
        for frame in frames:
            recorder.send(frame)
            if recorder.fatal is not None:  # a full disk: stop now, not at the end
                raise TargetFailed(recorder.fatal)
            written += 1
        state = recorder.state()
        if state.errors:
            raise UsageError(f"could not write {out}: {state.last_error}")
        # A recorder never overwrites: it may have chosen ``name-1.csv``.
        return written, getattr(recorder, "path", out)


def _ticking(frames: Iterable[FaceFrame], bar: tqdm) -> Iterator[FaceFrame]:
    for frame in frames:
        bar.update(1)
        yield frame
