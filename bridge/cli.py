"""``talkrig``: the command line. With no command it opens the desktop app (``talkrig.app``).

Subcommands: ``run``, ``serve``, ``devices``, ``models``, ``infer``, ``render``, ``bench``.
Every error a user can cause (bad target, missing file, unknown device or model) ends in one
``talkrig: error: ...`` line and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from tqdm import tqdm

from talkrig.bridge.audio.mic_source import MicSource
from talkrig.bridge.audio.retry import RetryingInput, open_device
from talkrig.bridge.audio.sources import AudioError, open_source
from talkrig.bridge.engine import GAIN_DB_MAX, GAIN_DB_MIN, Engine, EngineOptions
from talkrig.bridge.outputs import OutputError, check_writable, write_report
from talkrig.bridge.post.chain import PostConfig
from talkrig.bridge.post.profile import AvatarProfile, ProfileError, load_profile
from talkrig.bridge.remote import RemoteEngine, check_server_url
from talkrig.bridge.senders.advice import describe_state
from talkrig.bridge.senders.base import TargetFailed
from talkrig.bridge.senders.ports import port_number
from talkrig.bridge.senders.recorders import RowFile
from talkrig.bridge.senders.targets import TargetError, make_target
from talkrig.bridge.server import ServerConfig, ServerError
from talkrig.models.loader import Model, ModelError, load_model
from talkrig.models.registry import DEFAULT_MODEL

USER_ERRORS = (
    AudioError, ModelError, TargetError, ProfileError, ServerError, FileNotFoundError, OutputError,
)  # fmt: skip
TOKEN_ENV = "TALKRIG_TOKEN"  # a token in the environment stays out of `ps` listings


class UsageError(ValueError):
    """A command-line value that makes no sense (reported like argparse's own errors)."""


# -- shared options -------------------------------------------------------------------------------
def _add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=DEFAULT_MODEL, help="model name or .onnx path")
    p.add_argument(
        "--provider", default="auto", choices=("auto", "cuda", "cpu"),
        help="ONNX Runtime provider: auto = CUDA when available, else CPU",
    )  # fmt: skip
    p.add_argument("--threads", type=int, default=1, help="inference threads (default 1)")


def _add_post_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", help="avatar profile: a shipped preset name or a .toml/.json file")
    p.add_argument(
        "--smooth-lookahead", type=int, default=1, metavar="FRAMES",
        help="Savitzky-Golay look-ahead in 40 ms frames (0 = causal, default 1)",
    )  # fmt: skip
    p.add_argument("--no-smooth", action="store_true", help="disable Savitzky-Golay smoothing")
    p.add_argument("--one-euro", action="store_true", help="add a One-Euro filter")
    p.add_argument("--no-gate", action="store_true", help="disable the silence gate")
    p.add_argument("--no-blink", action="store_true", help="disable artificial blinks")
    p.add_argument("--seed", type=int, help="seed for blink timing (reproducible runs)")


def _post_config(args: argparse.Namespace) -> PostConfig:
    if args.smooth_lookahead < 0:
        raise UsageError("--smooth-lookahead must be >= 0")
    return PostConfig(
        smoothing=not args.no_smooth,
        savgol_lookahead=args.smooth_lookahead,
        one_euro=args.one_euro,
        gate=not args.no_gate,
        blink=not args.no_blink,
        seed=args.seed,
    )


def _profile(args: argparse.Namespace) -> AvatarProfile | None:
    return load_profile(args.profile) if args.profile else None


def _load(args: argparse.Namespace, name: str | None = None) -> Model:
    """``name`` (default ``--model``) with the ``--provider`` and ``--threads`` options."""
    if args.threads < 1:
        raise UsageError("--threads must be >= 1")
    providers = None if args.provider == "auto" else args.provider
    return load_model(name or args.model, providers=providers, threads=args.threads)


# -- run ------------------------------------------------------------------------------------------
def _status_line(engine: Engine | RemoteEngine) -> str:
    """One line a second: stream figures, then each target's state in plain words."""
    m = engine.metrics.snapshot()
    targets = " ".join(f"[{s.spec}: {describe_state(s.state())}]" for s in engine.senders)
    if isinstance(engine, RemoteEngine):
        st = engine.state()
        why = f": {st.last_error}" if st.last_error and st.status != "connected" else ""
        targets = f"[{st.url} {st.status}{why}, reconnects={st.reconnects}] {targets}"
    # Before the first frame there is no processing time to show (not "nan").
    proc = f"{m.processing_ms['p99']:.2f}ms" if m.frames else "–"
    return (
        f"t={m.stream_s:7.1f}s frames={m.frames} skipped={m.skipped} fps={m.fps:5.2f} "
        f"proc p99={proc} delay={m.mouth_to_avatar_ms:.0f}ms {targets}"
    )


def cmd_run(args: argparse.Namespace) -> int:
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
    post = _post_config(args)
    profile = _profile(args)
    model = None if args.server else _load(args)
    senders = []
    try:
        source = open_source(args.source, fast=args.fast, loop=args.loop)
        if isinstance(source, MicSource):  # a device that goes away is reopened by name
            source = RetryingInput(source.device.name, source, open_device)
        # Last: targets bind ports and create files, so nothing is left behind by an error above.
        for spec in args.target:
            senders.append(make_target(spec, avatar=args.avatar))
    except BaseException:
        for s in senders:
            s.close()
        if model is not None:
            model.close()
        raise
    options = EngineOptions(post=post, profile=profile, avatar=args.avatar,
                            duration_s=args.duration, gain_db=args.gain_db)  # fmt: skip
    engine: Engine | RemoteEngine
    if model is None:
        token = args.token or os.environ.get(TOKEN_ENV)
        engine = RemoteEngine(source, args.server, senders, options, token=token)
        where = args.server
    else:
        engine = Engine(source, model, senders, options)
        where = f"{model.card.name} ({model.provider})"
    print(f"talkrig: {source.name} → {where} → {', '.join(args.target)}", file=sys.stderr)
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
            change = source.poll() if isinstance(source, RetryingInput) else None
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
            write_report(Path(args.report), {**_report(engine, args), "error": why})
    report = _report(engine, args)
    if not args.quiet:
        print(_status_line(engine), file=sys.stderr)
    # Written whatever happened, to a fallback file when its own path fails (disk full).
    reported = write_report(Path(args.report), report) if args.report else True
    if engine.error:
        print(f"talkrig: error: {engine.error}", file=sys.stderr)
        return 1
    return 0 if reported else 1


def _report(engine: Engine | RemoteEngine, args: argparse.Namespace) -> dict[str, Any]:
    if isinstance(engine, RemoteEngine):
        hello = engine.hello or {"model": {"name": None, "representation": None}}
        model = {
            "model": hello["model"]["name"],
            "representation": hello["model"]["representation"],
            "provider": f"remote {engine.url}",
            "remote": vars(engine.state()),
        }
    else:
        card = engine.model.card
        model = {
            "model": card.name,
            "representation": card.representation.value,
            "provider": engine.model.provider,
        }
    return {
        "source": engine.source.name,
        **model,
        "metrics": engine.metrics.snapshot().to_dict(),
        "targets": [vars(s.state()) for s in engine.senders],
        "error": engine.error,
        "finished_at": time.time(),
    }


# -- serve ----------------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    from talkrig.bridge.server import ServerConfig, StreamServer

    config = ServerConfig(
        host=args.host, port=args.port, token=args.token or os.environ.get(TOKEN_ENV),
        max_connections=args.max_connections, max_speed=args.max_speed, post=_post_config(args),
        max_messages=args.max_messages, idle_timeout_s=args.idle_timeout,
    )  # fmt: skip
    with _load(args) as model:
        # What is loaded now stays for good: a full collection no longer walks it (measured
        # under a flood: the longest pause 38-139 ms before, 23-30 ms after, a frame's gap).
        gc.freeze()
        server = StreamServer(model, config)  # ServerError: beyond loopback without a token
        server.start()
        print(
            f"talkrig: serving {model.card.name} ({model.provider}) on "
            f"ws://{config.host}:{server.port} (Ctrl+C stops)",
            file=sys.stderr,
        )
        interrupted = threading.Event()
        previous = signal.signal(signal.SIGINT, lambda *_: interrupted.set())
        try:
            while not interrupted.wait(1.0):
                if not args.quiet:
                    print(f"talkrig: {server.active_connections} streams", file=sys.stderr)
        finally:
            signal.signal(signal.SIGINT, previous)
            server.stop()
    return 0


# -- devices / models -----------------------------------------------------------------------------
def cmd_devices(args: argparse.Namespace) -> int:
    from talkrig.bridge.audio.devices import list_devices

    devices = list_devices()
    if args.json:
        print(json.dumps([vars(d) for d in devices], indent=2))
        return 0
    if not devices:
        print("no input devices found (is a microphone or virtual cable connected?)")
        return 0
    print(f"{'#':>3}  {'name':40} {'host API':18} {'rate':>7} {'ch':>3}")
    for d in devices:
        star = "*" if d.is_default else " "
        print(
            f"{d.index:>3}{star} {d.name[:40]:40} {d.hostapi[:18]:18} "
            f"{d.default_rate:>7.0f} {d.max_input_channels:>3}"
        )
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from talkrig.models.registry import Registry, user_model_dir

    entries = Registry().entries()
    if args.json:
        rows = [
            {
                "name": e.name,
                "path": str(e.path),
                "error": e.error,
                **({"card": e.card.to_metadata()} if e.card else {}),
            }
            for e in entries
        ]
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'name':36} {'representation':14} {'family':10} {'look-ahead':>10}  architecture")
    for e in entries:
        if e.card is None:
            print(f"{e.name:36} BROKEN: {e.error}")
            continue
        c = e.card
        default = " (default)" if c.name == DEFAULT_MODEL else ""
        print(
            f"{c.name:36} {c.representation.value:14} {c.family.value:10} "
            f"{c.lookahead_ms:>7.0f} ms  {c.architecture}{default}"
        )
    print(f"\nyour own models: drop .onnx files into {user_model_dir()}")
    return 0


# -- infer ----------------------------------------------------------------------------------------
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
    from talkrig.bridge import livelink_csv
    from talkrig.bridge.offline import infer_file

    if not out.parent.is_dir():
        raise UsageError(f"output folder {out.parent} does not exist")
    check_writable(out, "--out", overwrite=args.format == "livelink")  # before the model loads
    post = _post_config(args)
    profile = _profile(args)
    with _load(args) as model:
        if args.format == "livelink" and model.card.representation.value != "blendshapes":
            raise UsageError("--format livelink needs a blendshape model")
        total, frames = infer_file(file, model, post, profile)
        bar = tqdm(total=total, unit="frame", desc=Path(file).name, disable=args.quiet)
        written = 0
        if args.format == "livelink":
            # A full disk ends the take at its last complete row, with one line (TargetFailed).
            with contextlib.closing(RowFile(out, open(out, "wb", buffering=0))) as f:
                rows = ((fr.stream_time, fr.blendshapes) for fr in _ticking(frames, bar))
                written = livelink_csv.write(cast(io.TextIOBase, f), rows)
        else:
            with make_target(f"{args.format}:{out}") as recorder:
                for frame in _ticking(frames, bar):
                    recorder.send(frame)
                    if recorder.fatal is not None:  # a full disk: stop now, not at the end
                        raise TargetFailed(recorder.fatal)
                    written += 1
                state = recorder.state()
                if state.errors:
                    raise UsageError(f"could not write {out}: {state.last_error}")
                # A recorder never overwrites: it may have chosen ``name-1.csv``.
                out = getattr(recorder, "path", out)
        bar.close()
    print(f"talkrig: wrote {written} frames to {out}", file=sys.stderr)


def _ticking(frames: Any, bar: tqdm) -> Any:
    for frame in frames:
        bar.update(1)
        yield frame


# -- render ---------------------------------------------------------------------------------------
def video_size(text: str) -> tuple[int, int]:
    """``--size WIDTHxHEIGHT`` (argparse type): ``"640x480"`` → ``(640, 480)``."""
    width, sep, height = text.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit()):
        raise argparse.ArgumentTypeError(f"size {text!r} is not WIDTHxHEIGHT, e.g. 640x480")
    return int(width), int(height)


def cmd_render(args: argparse.Namespace) -> int:
    try:  # Qt paints the frames: only talkrig.app imports it
        from talkrig.app.render import RenderCancelled, RenderError, check_size, render_video
    except ImportError as exc:
        raise UsageError(f"render needs the desktop app's Qt (PySide6): {exc}") from exc
    try:
        size = check_size(args.size)  # before the model loads: a bad size fails at once
        check_writable(Path(args.out), "--out")
        if Path(args.out).is_file() and not args.force:
            raise RenderError(f"--out {args.out} already exists; add --force to replace it")
        post = _post_config(args)
        profile = _profile(args)
        bars: list[tqdm] = []  # made at the first frame, so an early error prints no bar

        def progress(done: int, total: int) -> None:
            if not bars:
                bars.append(tqdm(total=total, unit="frame", desc=Path(args.file).name))
            bars[0].update(done - bars[0].n)

        # Ctrl+C asks the render to stop at its next step, so no half-written video is left
        stop = threading.Event()
        previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
        with contextlib.ExitStack() as stack:
            names = args.compare or [args.model]
            models = [stack.enter_context(_load(args, name)) for name in names]
            try:
                result = render_video(
                    args.file, args.out, models[0], post, profile, size,
                    None if args.quiet else progress, stop,
                    compare=models[1] if len(models) > 1 else None,
                )  # fmt: skip
            finally:
                signal.signal(signal.SIGINT, previous)
                for bar in bars:
                    bar.close()
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


# -- bench ----------------------------------------------------------------------------------------
def cmd_bench(args: argparse.Namespace) -> int:
    from talkrig.bridge.benchmark import main as bench_main

    return bench_main(args.bench_args)


# -- parser ---------------------------------------------------------------------------------------
def _command(
    sub: Any, name: str, summary: str, *examples: str, **kw: Any
) -> argparse.ArgumentParser:
    """A subcommand whose ``--help`` starts with its one-line summary and ends with examples;
    its errors print its own usage (``args.parser``), not the top-level one."""
    lines = "\n".join(f"  {example}" for example in examples)
    command = sub.add_parser(
        name, help=summary, description=summary[:1].upper() + summary[1:] + ".",
        epilog=f"example{'s' if len(examples) > 1 else ''}:\n{lines}",
        formatter_class=argparse.RawDescriptionHelpFormatter, **kw,
    )  # fmt: skip
    command.set_defaults(parser=command)
    return command


def port_arg(text: str) -> int:
    """``--port`` (argparse type): a port to listen on, 0 = any free one; the one port message."""
    try:
        return port_number(text, f"port {text}", listening=True)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_parser() -> argparse.ArgumentParser:
    """The ``talkrig`` command line: top-level (desktop app) options, then one subparser per
    command, each with a one-line description and examples in its ``--help``."""
    parser = argparse.ArgumentParser(
        prog="talkrig",
        description="Real-time speech-to-face: a voice in, ARKit blendshapes or landmarks out.",
        epilog="examples:\n"
        "  talkrig                         the desktop app\n"
        "  talkrig run --source demo --target vmc://127.0.0.1:39539\n"
        "  talkrig COMMAND --help          each command's options and examples",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument(
        "--start", action="store_true",
        help="desktop app: start streaming as soon as the window opens",
    )  # fmt: skip
    parser.add_argument(
        "--config-dir", metavar="DIR",
        help="desktop app: folder for settings.json and profiles/ (default: the platform's "
        "config folder); one per TalkRig running at the same time",
    )  # fmt: skip
    parser.add_argument(
        "--second-instance", action="store_true",
        help="desktop app: run even though another TalkRig uses the same --config-dir",
    )  # fmt: skip
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_add_run, _add_serve, _add_lists, _add_infer, _add_render, _add_bench, _add_train):
        add(sub)
    return parser


def _add_run(sub: Any) -> None:
    """``talkrig run``: its options, description and examples."""
    run = _command(
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
    _add_model_options(run)
    _add_post_options(run)
    run.set_defaults(func=cmd_run)


def _add_serve(sub: Any) -> None:
    """``talkrig serve``."""
    serve = _command(
        sub, "serve", "serve a model to `talkrig run --server` clients over WebSocket",
        "talkrig serve --port 8765      (then: talkrig run --server ws://127.0.0.1:8765 ...)",
    )  # fmt: skip
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    serve.add_argument(
        "--port", type=port_arg, default=8765, help="TCP port (default 8765, 0 = any free one)"
    )
    serve.add_argument(
        "--token", help=f"clients must send this token (required off loopback; or {TOKEN_ENV})"
    )
    serve.add_argument("--max-connections", type=int, default=64, help="concurrent streams")
    serve.add_argument(
        "--max-speed", type=float, default=4.0, metavar="X",
        help="audio accepted per connection, in times real time (0 = no limit)",
    )  # fmt: skip
    serve.add_argument(
        "--max-messages", type=float, default=ServerConfig.max_messages, metavar="N",
        help="messages accepted per second per connection, empty ones too (default "
             f"{ServerConfig.max_messages:g}; 0 = no limit); a client over it is closed",
    )  # fmt: skip
    serve.add_argument(
        "--idle-timeout", type=float, default=ServerConfig.idle_timeout_s, metavar="S",
        help=f"close a connection that sends nothing for S seconds (default "
             f"{ServerConfig.idle_timeout_s:g}; 0 = never)",
    )  # fmt: skip
    serve.add_argument("-q", "--quiet", action="store_true", help="no status lines")
    _add_model_options(serve)
    _add_post_options(serve)
    serve.set_defaults(func=cmd_serve)


def _add_lists(sub: Any) -> None:
    """``talkrig devices`` and ``talkrig models``."""
    devices = _command(
        sub, "devices", "list audio input devices (microphones, virtual cables) for --source",
        "talkrig devices", "talkrig devices --json",
    )  # fmt: skip
    devices.add_argument("--json", action="store_true", help="print the list as JSON")
    devices.set_defaults(func=cmd_devices)

    models = _command(
        sub, "models", "list shipped and user models, and the folder for your own",
        "talkrig models", "talkrig models --json",
    )  # fmt: skip
    models.add_argument(
        "--json", action="store_true", help="print the list with model cards as JSON"
    )
    models.set_defaults(func=cmd_models)


def _add_infer(sub: Any) -> None:
    """``talkrig infer``."""
    infer = _command(
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
    _add_model_options(infer)
    _add_post_options(infer)
    infer.set_defaults(func=cmd_infer)


def _add_render(sub: Any) -> None:
    """``talkrig render``."""
    render = _command(
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
    _add_model_options(render)
    _add_post_options(render)
    render.set_defaults(func=cmd_render)


def _add_bench(sub: Any) -> None:
    """``talkrig bench``: every option after it is the benchmark's own."""
    # `talkrig bench --help` prints the benchmark's own options
    bench = sub.add_parser(
        "bench", help="run-time figures in the layout of the paper's Table 6", add_help=False
    )
    bench.set_defaults(func=cmd_bench)


def _add_train(sub: Any) -> None:
    """``talkrig train`` and its steps, with a description and examples."""
    # The one place the engine's CLI reaches into training: only the argument parser, which
    # imports neither torch nor MediaPipe until a ``train`` step runs.
    from talkrig.training.cli import add_train_commands

    train = add_train_commands(sub)
    train.description = "Train, judge and export models (needs the train extra: torch)."
    train.epilog = (
        "examples:\n  talkrig train prepare grid CLIPS --out data/grid --model face_landmarker.task"
        "\n  talkrig train fit data/grid --runs runs\n  talkrig train STEP --help"
    )
    train.formatter_class = argparse.RawDescriptionHelpFormatter
    train.set_defaults(parser=train)


def app_arguments(args: argparse.Namespace) -> list[str]:
    """The desktop app's own command line, from the top-level options it shares."""
    out = ["-v"] if args.verbose else []
    out += ["--start"] if args.start else []
    out += ["--config-dir", args.config_dir] if args.config_dir else []
    out += ["--second-instance"] if args.second_instance else []
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    # A subcommand's mistakes print that subcommand's usage.
    usage: argparse.ArgumentParser = getattr(args, "parser", parser)
    if args.command == "bench":
        args.bench_args = unknown
    elif unknown:
        usage.error(f"unrecognized arguments: {' '.join(unknown)}")
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.command is None:
        # No command: the desktop app. Qt lives only in talkrig.app, imported here and only here.
        try:
            from talkrig.app.main import main as app_main
        except ImportError as exc:
            parser.print_help()
            print(f"\ntalkrig: the desktop app cannot start ({exc})", file=sys.stderr)
            return 0
        return app_main(app_arguments(args))
    try:
        return int(args.func(args))
    except UsageError as exc:
        usage.error(str(exc))  # exits 2 with argparse's usage line
    except TargetFailed as exc:  # an output failed mid-run (disk full): not a usage error
        print(f"talkrig: error: {exc}", file=sys.stderr)
        return 1
    except USER_ERRORS as exc:
        print(f"talkrig: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
