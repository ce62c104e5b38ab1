"""``talkrig bench``: run-time figures in the layout of the paper's Table 6."""

from __future__ import annotations

import argparse
from typing import Any


def add_bench(sub: Any) -> None:
    """``talkrig bench``: every option after it is the benchmark's own."""
    # `talkrig bench --help` prints the benchmark's own options
    bench = sub.add_parser(
        "bench", help="run-time figures in the layout of the paper's Table 6", add_help=False
    )
    bench.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    from talkrig.bridge.benchmark import main as bench_main

    return bench_main(args.bench_args)
