"""The voice gate's offset, picked where the judge does not look (``talkrig train export
--nonspeech-target``, recipe key ``nonspeech_target``).

A gated model's face is ``rest + σ(logit − offset) · (face − rest)``: a larger offset makes the
gate open less readily. Export tries offsets 0, 0.5, 1, … and keeps the smallest at which the
streamed mouth's 95th percentile over the *training* split's non-speech sounds is at most the
target; the judge's own sounds (``nonspeech_set("judge")``) stay unseen
(docs/model-studies.md, "The gate offset chosen on the training split").
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from talkrig.models.contract import Representation

# the CLI parser imports this module for its argument types: nothing heavy at import time
if TYPE_CHECKING:
    from talkrig.models.loader import Model

    from ..learning.networks import FaceNet

OFFSET_STEP, OFFSET_MAX = 0.5, 10.0  # logits; 10 keeps the mouth shut on anything


def offset_arg(text: str) -> float:
    """``--gate-offset``: a number of logits in [0, OFFSET_MAX]."""
    return _bounded(text, OFFSET_MAX, f"a number from 0 to {OFFSET_MAX:g}", closed=True)


def target_arg(text: str) -> float:
    """``--nonspeech-target``: a jawOpen percentile in [0, 1)."""
    return _bounded(text, 1.0, "a jawOpen value from 0 to below 1", closed=False)


def _bounded(text: str, top: float, what: str, closed: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (0.0 <= value <= top if closed else 0.0 <= value < top):
        raise argparse.ArgumentTypeError(f"{what}, not {text!r}")
    return value


def training_nonspeech_p95(model: Model, sounds: Mapping[str, np.ndarray] | None = None) -> float:
    """The streamed mouth's 95th percentile above rest over the training split's non-speech
    sounds (``sounds``: already made), pooled (jawOpen)."""
    from ..data.nonspeech import nonspeech_set
    from .judge import nonspeech_openings

    openings = nonspeech_openings(model, nonspeech_set("train") if sounds is None else sounds)
    return float(np.percentile(np.concatenate(list(openings.values())), 95))


def calibrated_offset(network: FaceNet, target: float, neutral_rest: bool) -> tuple[float, float]:
    """Set ``network.gate_offset`` to the smallest multiple of ``OFFSET_STEP`` at which the
    exported model's :func:`training_nonspeech_p95` is at most ``target``; returns (offset, that
    percentile), printing each try.

    Raises:
        JudgeError: when no offset up to ``OFFSET_MAX`` gets there (the offset is left at 0).
    """
    import tempfile

    from talkrig.models.loader import load_model

    from ..data.nonspeech import nonspeech_set
    from ..learning.export import card_for, export_onnx
    from .judge import JudgeError

    sounds = nonspeech_set("train")  # made once for every try

    card = card_for(network, "calibrating", Representation.BLENDSHAPES,
                    training_data="-", license="-")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="talkrig-gate-") as folder:
        probe = Path(folder) / "probe.onnx"
        for k in range(int(OFFSET_MAX / OFFSET_STEP) + 1):
            network.gate_offset = k * OFFSET_STEP
            export_onnx(network, probe, card, neutral_rest=neutral_rest)
            with load_model(probe) as model:
                rest = training_nonspeech_p95(model, sounds)
            print(f"gate offset {network.gate_offset:g}: training non-speech p95 {rest:.3f} "
                  f"(target {target:g})", flush=True)  # fmt: skip
            if rest <= target:
                return network.gate_offset, rest
    network.gate_offset = 0.0
    raise JudgeError(
        f"no gate offset up to {OFFSET_MAX:g} keeps the mouth at most {target:g} open on the "
        f"training split's non-speech sounds ({rest:.3f} at {OFFSET_MAX:g})"
    )


def set_gate(
    network: FaceNet, target: float, offset: float | None, neutral_rest: bool, description: str
) -> tuple[dict[str, float], str]:
    """Give ``network`` the offset export asks for: ``offset`` by hand, else the one picked for
    ``target`` (0: none). Returns the card's ``gate:`` metrics and ``description`` with the
    offset said."""
    metrics, joint = {}, "; " if description else ""
    if offset is None and target:
        picked, rest = calibrated_offset(network, target, neutral_rest)
        metrics["gate: non-speech p95 (training split)"] = rest
        description += (
            f"{joint}voice gate offset {picked:g} logits, the smallest at which the mouth's 95th "
            f"percentile on the training split's non-speech sounds is at most {target:g} "
            f"({rest:.3f})"
        )  # fmt: skip
    elif offset:
        network.gate_offset = offset
        description += f"{joint}voice gate offset {offset:g} logits"
    metrics["gate: offset"] = network.gate_offset
    return metrics, description
