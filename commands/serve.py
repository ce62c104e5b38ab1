"""``talkrig serve``: serve a model to ``talkrig run --server`` clients over WebSocket."""

from __future__ import annotations

import argparse
import gc
import signal
import sys
import threading
from typing import Any

from talkrig.bridge.senders.ports import port_number
from talkrig.bridge.server import ServerConfig, StreamServer
from talkrig.bridge.server_auth import TOKEN_ENV, token_or_env
from talkrig.commands import options


def port_arg(text: str) -> int:
    """``--port`` (argparse type): a port to listen on, 0 = any free one; the one port message."""
    try:
        return port_number(text, f"port {text}", listening=True)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def add_serve(sub: Any) -> None:
    """``talkrig serve``."""
    serve = options.command(
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
    options.add_inference_options(serve)
    serve.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    config = ServerConfig(
        host=args.host, port=args.port, token=token_or_env(args.token),
        max_connections=args.max_connections, max_speed=args.max_speed,
        post=options.post_config(args), max_messages=args.max_messages,
        idle_timeout_s=args.idle_timeout,
    )  # fmt: skip
    with options.load(args) as model:
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
