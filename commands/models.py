"""``talkrig models``: list shipped and user models, and the folder for your own."""

from __future__ import annotations

import argparse
import json
from typing import Any

from talkrig.commands.options import command
from talkrig.models.registry import DEFAULT_MODEL, Registry, user_model_dir


def add_models(sub: Any) -> None:
    """``talkrig models``."""
    models = command(
        sub, "models", "list shipped and user models, and the folder for your own",
        "talkrig models", "talkrig models --json",
    )  # fmt: skip
    models.add_argument(
        "--json", action="store_true", help="print the list with model cards as JSON"
    )
    models.set_defaults(func=cmd_models)


def cmd_models(args: argparse.Namespace) -> int:
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
