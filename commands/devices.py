"""``talkrig devices``: list audio input devices for ``--source``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from talkrig.commands.options import command


def add_devices(sub: Any) -> None:
    """``talkrig devices``."""
    devices = command(
        sub, "devices", "list audio input devices (microphones, virtual cables) for --source",
        "talkrig devices", "talkrig devices --json",
    )  # fmt: skip
    devices.add_argument("--json", action="store_true", help="print the list as JSON")
    devices.set_defaults(func=cmd_devices)


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
