"""ONNX Runtime behind one door: provider choice, session options, and reading the card.

ONNX Runtime comes from the ``cpu`` or ``gpu`` extra, never from the base install, so it is
imported here, inside functions: ``import talkrig.models`` works without it, and only opening a
session asks for it. All functions may be called from any thread; sessions are built once, before
the engine thread starts using them.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

from .card import CardError, ModelCard
from .contract import INPUT_NAME
from .errors import ModelError

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"
PROVIDER_ALIASES: dict[str, str] = {"cuda": CUDA, "cpu": CPU}
AUTO_PROVIDERS: tuple[str, ...] = (CUDA, CPU)
_FLOAT = "tensor(float)"
log = logging.getLogger(__name__)
_ERROR_LOGS_ONLY = 3  # ORT severity: the CUDA fallback is reported by us, not as a C++ log line


def _installed(distribution: str) -> bool:
    try:
        metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return False
    return True


def runtime_conflict(installed: Callable[[str], bool] = _installed) -> str | None:
    """Why the ONNX Runtime install is broken, or None.

    ``onnxruntime`` and ``onnxruntime-gpu`` write the same folder: with both installed the later
    one silently wins and uninstalling either breaks the import.
    """
    if installed("onnxruntime") and installed("onnxruntime-gpu"):
        return (
            "both onnxruntime and onnxruntime-gpu are installed and overwrite each other; "
            "keep one: `pip uninstall -y onnxruntime onnxruntime-gpu` then "
            "`pip install 'talkrig[gpu]'` (NVIDIA) or `pip install 'talkrig[cpu]'`"
        )
    return None


def onnxruntime() -> ModuleType:
    """The ``onnxruntime`` module, or :class:`ModelError` saying which extra to install."""
    conflict = runtime_conflict()
    if conflict:
        log.warning(conflict)
    try:
        return importlib.import_module("onnxruntime")
    except ImportError:
        raise ModelError(
            "ONNX Runtime is not installed: install `talkrig[cpu]` (or `[gpu]` for CUDA)"
            + (f"; {conflict}" if conflict else "")
        ) from None


def requested_providers(providers: str | Sequence[str] | None) -> list[str]:
    """ORT provider names in order of preference, always ending with the CPU fallback.

    ``None`` means CUDA then CPU; ``"cuda"``/``"cpu"`` are aliases; full ORT names pass through.
    """
    if providers is None:
        wanted = list(AUTO_PROVIDERS)
    else:
        items = [providers] if isinstance(providers, str) else list(providers)
        if not items:
            raise ModelError("providers: empty list (use 'cuda', 'cpu' or ORT provider names)")
        wanted = []
        for item in items:
            name = PROVIDER_ALIASES.get(item.lower(), item)
            if not name.endswith("ExecutionProvider"):
                raise ModelError(
                    f"providers: unknown provider {item!r} (use 'cuda', 'cpu' or an ORT "
                    "name such as 'CUDAExecutionProvider')"
                )
            wanted.append(name)
    if CPU not in wanted:
        wanted.append(CPU)
    return list(dict.fromkeys(wanted))


def open_session(path: Path, providers: Sequence[str], threads: int, optimize: bool = True) -> Any:
    """An ``onnxruntime.InferenceSession`` on ``path`` with sequential execution.

    Providers missing from this ORT build are dropped before asking (ORT would refuse them); a
    provider that is present but cannot start (CUDA libraries missing) makes ORT fall back by
    itself, so read ``session.get_providers()[0]`` for what was really used. ``optimize=False``
    skips graph optimisation: enough to read the card and the signature, and faster.
    """
    _check_file(path)
    if threads < 1:
        raise ModelError(f"{path}: threads must be >= 1, not {threads}")
    ort = onnxruntime()
    available = set(ort.get_available_providers())
    usable = [p for p in providers if p in available] or [CPU]
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = _ERROR_LOGS_ONLY
    if not optimize:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=usable)
    except Exception as exc:  # ORT's pybind exceptions share no base class below Exception
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"{path}: not a loadable ONNX model ({first_line})") from exc


def session_card(session: Any, path: Path) -> ModelCard:
    """The card in the session's metadata, checked against the graph's input and output."""
    meta = session.get_modelmeta().custom_metadata_map
    try:
        card = ModelCard.from_metadata(meta)
    except CardError as exc:
        raise ModelError(f"{path}: {exc}") from None
    _check_signature(session, card, path)
    return card


def read_card(path: Path) -> ModelCard:
    """The checked card of a model file, without graph optimisation (for fast listing)."""
    return session_card(open_session(path, [CPU], threads=1, optimize=False), path)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise ModelError(f"{path}: no such model file")
    if not path.is_file():
        raise ModelError(f"{path}: not a file")
    if path.stat().st_size == 0:
        raise ModelError(f"{path}: empty file, not an ONNX model")


def _is_dynamic(dim: object) -> bool:
    # ORT reports a named dynamic axis as a string and an unnamed one as None.
    return not isinstance(dim, int) or dim < 0


def _check_signature(session: Any, card: ModelCard, path: Path) -> None:
    inputs = session.get_inputs()
    if [i.name for i in inputs] != [INPUT_NAME]:
        names = ", ".join(repr(i.name) for i in inputs)
        raise ModelError(
            f"{path}: inputs are [{names}]; the contract needs one input {INPUT_NAME!r}"
        )
    _check_tensor(path, inputs[0], (card.window_samples,), "the card's window_samples")
    want = card.representation.output_name
    outputs = {o.name: o for o in session.get_outputs()}
    if want not in outputs:
        names = ", ".join(repr(n) for n in outputs)
        raise ModelError(
            f"{path}: outputs are [{names}]; a {card.representation.value} model needs {want!r}"
        )
    _check_tensor(path, outputs[want], card.output_shape, f"card {card.representation.value}")


def _check_tensor(path: Path, arg: Any, item_shape: tuple[int, ...], source: str) -> None:
    """``arg`` must be float32 ``[batch, *item_shape]`` with a dynamic batch axis."""
    want = "[batch, " + ", ".join(str(d) for d in item_shape) + "]"
    if arg.type != _FLOAT:
        raise ModelError(f"{path}: {arg.name!r} is {arg.type}, the contract needs float32")
    shape = list(arg.shape)
    if len(shape) != 1 + len(item_shape):
        raise ModelError(f"{path}: {arg.name!r} has shape {shape}, {source} gives {want}")
    if not _is_dynamic(shape[0]):
        raise ModelError(
            f"{path}: {arg.name!r} has a fixed batch size {shape[0]}; export it with a dynamic "
            "batch axis"
        )
    for got, expected in zip(shape[1:], item_shape, strict=True):
        if not _is_dynamic(got) and got != expected:
            raise ModelError(f"{path}: {arg.name!r} has shape {shape}, {source} gives {want}")
