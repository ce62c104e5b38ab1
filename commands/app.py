"""``talkrig`` with no command: the desktop app (``talkrig.app``) and the options it shares.

Qt lives only in ``talkrig.app``, imported when the app starts and only then, so the other
commands run where PySide6 cannot load.
"""

from __future__ import annotations

import argparse
import sys


def add_app_options(parser: argparse.ArgumentParser) -> None:
    """The top-level options the desktop app reads."""
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


def app_arguments(args: argparse.Namespace) -> list[str]:
    """The desktop app's own command line, from the top-level options it shares."""
    out = ["-v"] if args.verbose else []
    out += ["--start"] if args.start else []
    out += ["--config-dir", args.config_dir] if args.config_dir else []
    out += ["--second-instance"] if args.second_instance else []
    return out


def launch_app(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Open the desktop app; without PySide6, the help and why the app cannot start."""
    try:
        from talkrig.app.main import main as app_main
    except ImportError as exc:
        parser.print_help()
        print(f"\ntalkrig: the desktop app cannot start ({exc})", file=sys.stderr)
        return 0
    return app_main(app_arguments(args))
