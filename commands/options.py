"""What several commands share: the model and post-chain options, the errors a user can cause,
and the subcommand parser every command is added with."""

from __future__ import annotations

import argparse
from typing import Any

from talkrig.bridge.audio.sources import AudioError
from talkrig.bridge.outputs import OutputError
from talkrig.bridge.post.chain import PostConfig
from talkrig.bridge.post.profile import AvatarProfile, ProfileError, load_profile
from talkrig.bridge.senders.targets import TargetError
from talkrig.bridge.server import ServerError
from talkrig.models.loader import Model, ModelError, load_model
from talkrig.models.registry import DEFAULT_MODEL

USER_ERRORS = (
    AudioError, ModelError, TargetError, ProfileError, ServerError, FileNotFoundError, OutputError,
)  # fmt: skip


class UsageError(ValueError):
    """A command-line value that makes no sense (reported like argparse's own errors)."""


def command(
    sub: Any, name: str, summary: str, *examples: str, **kw: Any
) -> argparse.ArgumentParser:
    """A subcommand whose ``--help`` starts with its one-line summary and ends with examples;
    its errors print its own usage (``args.parser``), not the top-level one."""
    lines = "\n".join(f"  {example}" for example in examples)
    parser = sub.add_parser(
        name, help=summary, description=summary[:1].upper() + summary[1:] + ".",
        epilog=f"example{'s' if len(examples) > 1 else ''}:\n{lines}",
        formatter_class=argparse.RawDescriptionHelpFormatter, **kw,
    )  # fmt: skip
    parser.set_defaults(parser=parser)
    return parser


def add_inference_options(p: argparse.ArgumentParser) -> None:
    """The model options, then the post-chain options (every command that runs a model)."""
    add_model_options(p)
    add_post_options(p)


def add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=DEFAULT_MODEL, help="model name or .onnx path")
    p.add_argument(
        "--provider", default="auto", choices=("auto", "cuda", "cpu"),
        help="ONNX Runtime provider: auto = CUDA when available, else CPU",
    )  # fmt: skip
    p.add_argument("--threads", type=int, default=1, help="inference threads (default 1)")


def add_post_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", help="avatar profile: a shipped preset name or a .toml/.json file")
    lookahead = PostConfig.savgol_lookahead
    p.add_argument(
        "--smooth-lookahead", type=int, default=lookahead, metavar="FRAMES",
        help=f"Savitzky-Golay look-ahead in 40 ms frames (0 = causal, default {lookahead})",
    )  # fmt: skip
    p.add_argument("--no-smooth", action="store_true", help="disable Savitzky-Golay smoothing")
    p.add_argument("--one-euro", action="store_true", help="add a One-Euro filter")
    p.add_argument("--no-gate", action="store_true", help="disable the silence gate")
    p.add_argument("--no-blink", action="store_true", help="disable artificial blinks")
    p.add_argument(
        "--no-prosody", action="store_true",
        help="emotional models: show the network's own brows and smile instead of following "
        "the voice's pitch and loudness",
    )  # fmt: skip
    p.add_argument("--seed", type=int, help="seed for blink timing (reproducible runs)")


def post_config(args: argparse.Namespace) -> PostConfig:
    """The post chain the ``add_post_options`` options ask for."""
    if args.smooth_lookahead < 0:
        raise UsageError("--smooth-lookahead must be >= 0")
    return PostConfig(
        smoothing=not args.no_smooth,
        savgol_lookahead=args.smooth_lookahead,
        one_euro=args.one_euro,
        gate=not args.no_gate,
        blink=not args.no_blink,
        prosody=not args.no_prosody,
        seed=args.seed,
    )


def profile(args: argparse.Namespace) -> AvatarProfile | None:
    """The ``--profile`` avatar profile, if any."""
    return load_profile(args.profile) if args.profile else None


def load(args: argparse.Namespace, name: str | None = None) -> Model:
    """``name`` (default ``--model``) with the ``--provider`` and ``--threads`` options."""
    if args.threads < 1:
        raise UsageError("--threads must be >= 1")
    providers = None if args.provider == "auto" else args.provider
    return load_model(name or args.model, providers=providers, threads=args.threads)
