"""``talkrig render``: a whole audio file → a video of the face, with its audio.

Qt paints the frames, and only ``talkrig.app`` imports it: this command imports the app's
renderer when it runs, so the other commands work without PySide6.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from talkrig.bridge.outputs import check_writable
from talkrig.commands import options
from talkrig.commands.options import UsageError

if TYPE_CHECKING:
    from talkrig.app.render import RenderResult


def video_size(text: str) -> tuple[int, int]:
    """``--size WIDTHxHEIGHT`` (argparse type): ``"640x480"`` → ``(640, 480)``."""
    width, sep, height = text.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit()):
        raise argparse.ArgumentTypeError(f"size {text!r} is not WIDTHxHEIGHT, e.g. 640x480")
    return int(width), int(height)


def add_render(sub: Any) -> None:
    """``talkrig render``."""
    render = options.command(
        sub, "render", "a whole audio file → video of the face, with its audio",
        "talkrig render talk.wav --out preview.mp4",
        "talkrig render talk.wav --compare talkrig-neutral talkrig-emotional --out compare.mp4",
    )  # fmt: skip
    render.add_argument("file", help="audio or video file (anything FFmpeg reads)")
    render.add_argument("--out", required=True, help="output video, e.g. preview.mp4")
    render.add_argument(
        "--size", type=video_size, default=(640, 480), metavar="WxH",
        help="video size in pixels, even numbers (default 640x480)",
    )  # fmt: skip
    render.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    render.add_argument(
        "--compare", nargs=2, metavar=("MODEL_A", "MODEL_B"),
        help="two models side by side (A left, B right; the video is twice --size wide); "
        "replaces --model",
    )  # fmt: skip
    render.add_argument("--force", action="store_true", help="replace --out if it exists")
    options.add_inference_options(render)
    render.set_defaults(func=cmd_render)


def cmd_render(args: argparse.Namespace) -> int:
    try:  # Qt paints the frames: only talkrig.app imports it
        from talkrig.app.render import RenderCancelled, RenderError
    except ImportError as exc:
        raise UsageError(f"render needs the desktop app's Qt (PySide6): {exc}") from exc
    try:
        result = _render(args)
    except RenderCancelled:
        print("talkrig: render cancelled; nothing written", file=sys.stderr)
        return 130
    except RenderError as exc:
        if isinstance(exc.__cause__, OSError) and exc.__cause__.strerror:  # disk full mid-run
            print(f"talkrig: error: cannot write {args.out}: {exc.__cause__.strerror}",
                  file=sys.stderr)  # fmt: skip
            return 1
        print(f"talkrig: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the encoder's own write error (PyAV's OSError): disk full
        print(f"talkrig: error: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(
        f"talkrig: wrote {result.frames} frames ({result.video_codec}, {result.duration_s:.2f} s "
        f"of audio) to {result.path}",
        file=sys.stderr,
    )
    return 0


def _render(args: argparse.Namespace) -> RenderResult:
    """Check the options, load the model(s) and render; Ctrl+C asks the render to stop at its
    next step, so no half-written video is left."""
    from talkrig.app.render import RenderError, check_size, render_video

    size = check_size(args.size)  # before the model loads: a bad size fails at once
    check_writable(Path(args.out), "--out")
    if Path(args.out).is_file() and not args.force:
        raise RenderError(f"--out {args.out} already exists; add --force to replace it")
    post = options.post_config(args)
    avatar_profile = options.profile(args)
    bars: list[tqdm] = []  # made at the first frame, so an early error prints no bar

    def progress(done: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, unit="frame", desc=Path(args.file).name))
        bars[0].update(done - bars[0].n)

    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    with contextlib.ExitStack() as stack:
        names = args.compare or [args.model]
        models = [stack.enter_context(options.load(args, name)) for name in names]
        try:
            return render_video(
                args.file, args.out, models[0], post, avatar_profile, size,
                None if args.quiet else progress, stop,
                compare=models[1] if len(models) > 1 else None,
            )  # fmt: skip
        finally:
            signal.signal(signal.SIGINT, previous)
            for bar in bars:
                bar.close()
