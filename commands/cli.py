"""The ``talkrig`` console script: the top-level parser, one subparser per command module,
and the dispatch that turns a user's mistake into one ``talkrig: error:`` line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from talkrig.bridge.senders.base import TargetFailed
from talkrig.commands.app import add_app_options, launch_app
from talkrig.commands.bench import add_bench
from talkrig.commands.devices import add_devices
from talkrig.commands.infer import add_infer
from talkrig.commands.models import add_models
from talkrig.commands.options import USER_ERRORS, UsageError
from talkrig.commands.render import add_render
from talkrig.commands.run import add_run
from talkrig.commands.serve import add_serve
from talkrig.commands.train import add_train

COMMANDS = (
    add_run, add_serve, add_devices, add_models, add_infer, add_render, add_bench, add_train,
)  # fmt: skip


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
    add_app_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


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
        return launch_app(args, parser)
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
