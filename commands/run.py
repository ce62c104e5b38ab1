"""``talkrig run``: stream live, audio source → model (here or on a server) → targets."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from talkrig.bridge.audio.gain import GAIN_DB_MAX, GAIN_DB_MIN
from talkrig.bridge.audio.sources import open_source
from talkrig.bridge.engine import Engine
from talkrig.bridge.engine_base import BaseEngine, EngineOptions
from talkrig.bridge.outputs import check_writable, write_report
from talkrig.bridge.remote import RemoteEngine, check_server_url
from talkrig.bridge.senders.advice import describe_state
from talkrig.bridge.senders.base import Sender
from talkrig.bridge.senders.targets import make_target
from talkrig.bridge.server_auth import TOKEN_ENV, token_or_env
from talkrig.commands import options
from talkrig.commands.options import UsageError


def add_run(sub: Any) -> None:
    """``talkrig run``: its options, description and examples."""
    run = options.command(
        sub, "run", "stream live: audio source → model → targets, until Ctrl+C or --duration",
        "talkrig run --source mic --target vmc://127.0.0.1:39539",
        "talkrig run --source demo --loop --target unity:// --target vmc://",
        "talkrig run --source talk.wav --fast --target jsonl:face.jsonl --report report.json",
    )  # fmt: skip
    run.add_argument(
        "--source", default="mic",
        help="'mic' (default input), a device name or index, 'demo', or an audio file",
    )  # fmt: skip
    run.add_argument("--fast", action="store_true", help="play a file as fast as possible")
    run.add_argument("--loop", action="store_true", help="repeat a file source until stopped")
    run.add_argument(
        "--target", action="append", default=[], metavar="SPEC",
        help="unity://HOST:PORT, vmc://HOST:PORT, livelink://HOST:PORT?subject=NAME, "
        "ifacialmocap:// (listen) or ifacialmocap://HOST, vtubestudio://HOST:PORT, csv:PATH, "
        "jsonl:PATH (repeatable)",
    )  # fmt: skip
    run.add_argument("--avatar", default="default", help="avatar id sent to Unity receivers")
    run.add_argument(
        "--gain-db", type=float, default=0.0, metavar="DB",
        help=f"input gain before the model, {GAIN_DB_MIN:g}..{GAIN_DB_MAX:+g} dB (default 0)",
    )  # fmt: skip
    run.add_argument(
        "--server", metavar="URL",
        help="infer on a `talkrig serve` server (ws://HOST:PORT) instead of locally",
    )  # fmt: skip
    run.add_argument("--token", help=f"token for --server (or set {TOKEN_ENV})")
    run.add_argument("--duration", type=float, help="stop after this many seconds of audio")
    run.add_argument("--report", help="write a JSON report of the run here")
    run.add_argument("-q", "--quiet", action="store_true", help="no status lines")
    options.add_inference_options(run)
    run.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    _check(args)
    engine = _engine(args)
    print(f"talkrig: {engine.source.name} → {engine.describe()} → {', '.join(args.target)}",
          file=sys.stderr)  # fmt: skip
    _stream(engine, args)
    report = _report(engine)
    if not args.quiet:
        print(_status_line(engine), file=sys.stderr)
    # Written whatever happened, to a fallback file when its own path fails (disk full).
    reported = write_report(Path(args.report), report) if args.report else True
    if engine.error:
        print(f"talkrig: error: {engine.error}", file=sys.stderr)
        return 1
    return 0 if reported else 1


def _check(args: argparse.Namespace) -> None:
    """The options' own mistakes, before anything opens."""
    if args.duration is not None and args.duration <= 0:
        raise UsageError("--duration must be > 0")
    if not args.target:
        raise UsageError("give at least one --target (e.g. vmc://127.0.0.1:39539)")
    if not GAIN_DB_MIN <= args.gain_db <= GAIN_DB_MAX:
        raise UsageError(f"--gain-db must be within {GAIN_DB_MIN:g}..{GAIN_DB_MAX:+g} dB")
    if args.server:
        try:
            check_server_url(args.server)
        except ValueError as exc:
            raise UsageError(f"--server: {exc}") from exc
    if args.report:  # before anything starts: a bad path must not cost the run's report
        check_writable(Path(args.report), "--report")


def _engine(args: argparse.Namespace) -> BaseEngine:
    """The engine the options ask for, not started; nothing is left open when this raises."""
    post = options.post_config(args)
    avatar_profile = options.profile(args)
    model = None if args.server else options.load(args)
    senders: list[Sender] = []
    try:
        source = open_source(args.source, fast=args.fast, loop=args.loop)
        # Last: targets bind ports and create files, so nothing is left behind by an error above.
        for spec in args.target:
            senders.append(make_target(spec, avatar=args.avatar))
    except BaseException:
        for s in senders:
            s.close()
        if model is not None:
            model.close()
        raise
    engine_options = EngineOptions(
        post=post, profile=avatar_profile, avatar=args.avatar, duration_s=args.duration,
        gain_db=args.gain_db,
    )  # fmt: skip
    if model is None:
        token = token_or_env(args.token)
        return RemoteEngine(source, args.server, senders, engine_options, token=token)
    return Engine(source, model, senders, engine_options)


def _stream(engine: BaseEngine, args: argparse.Namespace) -> None:
    """Run until the stream ends or Ctrl+C, with a status line a second (or a progress bar);
    the engine is stopped and its model closed whatever happens."""
    source = engine.source
    model = engine.model
    interrupted = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: interrupted.set())
    # A file played as fast as possible for a set duration gets a progress bar; a live stream
    # gets a status line a second.
    bar = None
    if args.fast and args.duration and not args.quiet:
        bar = tqdm(total=round(args.duration), unit="s", desc="audio streamed")
    try:
        engine.start()
        while not engine.wait(1.0) and not interrupted.is_set():
            change = source.poll()
            if change is not None and change != source.error:  # a fatal one ends the run below
                print(f"talkrig: {change}", file=sys.stderr, flush=True)
            if bar is not None:
                bar.update(round(engine.metrics.snapshot().stream_s) - bar.n)
            elif not args.quiet:
                print(_status_line(engine), file=sys.stderr, flush=True)
    finally:
        signal.signal(signal.SIGINT, previous)
        engine.stop()
        if model is not None:
            model.close()
        if bar is not None:
            bar.update(round(engine.metrics.snapshot().stream_s) - bar.n)
            bar.close()
        failure = sys.exc_info()[1]
        if args.report and failure is not None:  # the run broke: keep what it measured
            why = engine.error or f"{type(failure).__name__}: {failure}"
            write_report(Path(args.report), {**_report(engine), "error": why})


def _status_line(engine: BaseEngine) -> str:
    """One line a second: stream figures, then each target's state in plain words."""
    m = engine.metrics.snapshot()
    targets = " ".join(f"[{s.spec}: {describe_state(s.state())}]" for s in engine.senders)
    st = engine.link()
    if st is not None:
        why = f": {st.last_error}" if st.last_error and st.status != "connected" else ""
        targets = f"[{st.url} {st.status}{why}, reconnects={st.reconnects}] {targets}"
    # Before the first frame there is no processing time to show (not "nan").
    proc = f"{m.processing_ms['p99']:.2f}ms" if m.frames else "–"
    return (
        f"t={m.stream_s:7.1f}s frames={m.frames} skipped={m.skipped} fps={m.fps:5.2f} "
        f"proc p99={proc} delay={m.mouth_to_avatar_ms:.0f}ms {targets}"
    )


def _report(engine: BaseEngine) -> dict[str, Any]:
    return {
        "source": engine.source.name,
        **engine.model_info(),
        "metrics": engine.metrics.snapshot().to_dict(),
        "targets": [vars(s.state()) for s in engine.senders],
        "error": engine.error,
        "finished_at": time.time(),
    }
