"""Small real ONNX models built with the ``onnx`` helper API: shipped placeholders, the paper's
1D-CNN at random weights (for cost), and tiny or deliberately broken files for tests.

Needs the ``onnx`` package (dev and train extras), imported inside the functions so the rest of
``talkrig.models`` works without it. Files are opset 17, IR version 8 (ONNX Runtime 1.17+), and
built deterministically: the same arguments give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import arkit, faces
from .card import ModelCard
from .contract import (
    HOP_SAMPLES,
    INPUT_NAME,
    PAPER_LOOKAHEAD_SAMPLES,
    WINDOW_SAMPLES,
    Family,
    Representation,
)
from .onnx_graph import GraphBuilder

# Energy baseline: frame RMS in dBFS → activity 0..1, squared so that quiet frames barely move
# the jaw and loud read speech (median near -20 dBFS) opens it about halfway. Silence below the
# floor gives exactly 0.
FLOOR_DB = -50.0
TOP_DB = -5.0
EPS = 1e-10
SMOOTH_TAPS = 16  # moving average: first null at 1 kHz, so it keeps F1 of rounded vowels

# 1D-CNN of the paper: kernel 21, channels 64/128/256/512, strides 4/4/4/2, PCA of 20 components.
CNN_KERNEL = 21
CNN_LAYERS = ((64, 4), (128, 4), (256, 4), (512, 2))
PDM_COMPONENTS = 20


def make_card(
    name: str,
    representation: Representation,
    *,
    architecture: str,
    training_data: str,
    license: str = "MIT",
    family: Family = Family.NEUTRAL,
    window_samples: int = WINDOW_SAMPLES,
    hop_samples: int = HOP_SAMPLES,
    lookahead_samples: int = PAPER_LOOKAHEAD_SAMPLES,
    description: str = "",
    metrics: Mapping[str, Any] | None = None,
) -> ModelCard:
    """A card with output names, points and dims filled in for ``representation``.

    Landmark labels come from :mod:`talkrig.models.faces` (68 dlib or 478 MediaPipe points).
    """
    if representation is Representation.BLENDSHAPES:
        names, points, dims = arkit.NAMES, 0, 0
    else:
        names = faces.labels(representation)
        points, dims = len(names), 2 if representation is Representation.LANDMARKS_2D else 3
    return ModelCard(
        name=name,
        representation=representation,
        family=family,
        output_names=names,
        architecture=architecture,
        training_data=training_data,
        license=license,
        points=points,
        dims=dims,
        window_samples=window_samples,
        hop_samples=hop_samples,
        lookahead_samples=lookahead_samples,
        metrics=dict(metrics or {}),
        description=description,
    )


def build_energy_model(path: Path, card: ModelCard) -> None:
    """The hand-built energy baseline (no training): speech energy opens the jaw.

    Reads the predicted 40 ms frame, which ends ``lookahead_samples`` before the window's end.
    Features of that frame (DC removed), each 0..1: ``act`` = (RMS in dB from -50 (silence, 0)
    to -5 dBFS (1)) squared; ``bright`` = first-difference energy ratio (fricatives, /i/);
    ``round`` = energy kept by a 1 kHz moving average (low, rounded vowels). Blendshapes are
    ``clip(feats @ W, 0, 1)`` (jawOpen up to 0.7); landmarks are ``neutral + feats @ basis`` with
    the jaw dropping and the lip corners widening or narrowing (see :mod:`talkrig.models.faces`).
    """
    g = GraphBuilder()
    end = card.window_samples - card.lookahead_samples
    frame = g.op("Slice", INPUT_NAME, g.ints([end - card.hop_samples]), g.ints([end]), g.ints([1]))
    x = g.op("Sub", frame, g.op("ReduceMean", frame, axes=[1], keepdims=1))  # (B, hop)
    power = g.op("Add", g.op("ReduceMean", g.op("Mul", x, x), axes=[1], keepdims=1), g.floats(EPS))
    decibels = g.op("Mul", g.op("Log", power), g.floats(10.0 / math.log(10.0)))  # (B, 1)
    level = _ramp(g, decibels, FLOOR_DB, TOP_DB)
    act = g.op("Mul", level, level)
    hop = card.hop_samples
    diff = g.op(
        "Sub",
        g.op("Slice", x, g.ints([1]), g.ints([hop]), g.ints([1])),
        g.op("Slice", x, g.ints([0]), g.ints([hop - 1]), g.ints([1])),
    )  # (B, hop - 1)
    # Halved below, a sine at f gives 2 sin²(πf/fs): 0.08 at 1 kHz, 1.0 at 4 kHz.
    high = g.op("Div", g.op("ReduceMean", g.op("Mul", diff, diff), axes=[1], keepdims=1), power)
    bright = _ramp(g, g.op("Mul", high, g.floats(0.5)), 0.1, 0.6)
    taps = np.full((1, 1, SMOOTH_TAPS), 1.0 / SMOOTH_TAPS, np.float32)
    smooth = g.op("Conv", g.op("Unsqueeze", x, g.ints([1])), g.floats(taps))  # (B, 1, hop - 15)
    low = g.op("ReduceMean", g.op("Mul", smooth, smooth), axes=[2], keepdims=0)  # (B, 1)
    rounded = _ramp(g, g.op("Div", low, power), 0.85, 0.98)
    feats = g.op(
        "Concat", act, g.op("Mul", act, bright), g.op("Mul", act, rounded), axis=1
    )  # (B, 3)
    if card.representation is Representation.BLENDSHAPES:
        out = g.op("Clip", g.op("MatMul", feats, g.floats(_energy_blend_weights())),
                   g.floats(0.0), g.floats(1.0), name=card.representation.output_name)  # fmt: skip
    else:
        basis = np.stack(
            [
                0.7 * faces.jaw_drop(card.representation),
                faces.mouth_widen(card.representation),
                -1.2 * faces.mouth_widen(card.representation),
            ]
        ).reshape(3, -1)
        out = _decode_points(g, feats, basis, card)
    g.save(path, card, out, card.window_samples, producer="talkrig energy baseline")


def _energy_blend_weights() -> np.ndarray:
    """(3, 52): rows act, act·bright, act·round → ARKit values."""
    w = np.zeros((3, arkit.COUNT), np.float32)
    for row, pairs in enumerate(
        (
            {"jawOpen": 0.7, "mouthLowerDownLeft": 0.25, "mouthLowerDownRight": 0.25},
            {"mouthStretchLeft": 0.3, "mouthStretchRight": 0.3,
             "mouthSmileLeft": 0.15, "mouthSmileRight": 0.15},
            {"mouthFunnel": 0.35, "mouthPucker": 0.3, "jawOpen": -0.15},
        )
    ):  # fmt: skip
        for name, value in pairs.items():
            w[row, arkit.INDEX[name]] = value
    return w


def _ramp(g: GraphBuilder, value: str, low: float, high: float) -> str:
    """``clip((value - low) / (high - low), 0, 1)``."""
    scaled = g.op("Mul", g.op("Sub", value, g.floats(low)), g.floats(1.0 / (high - low)))
    return g.op("Clip", scaled, g.floats(0.0), g.floats(1.0))


def _decode_points(g: GraphBuilder, coeffs: str, basis: np.ndarray, card: ModelCard) -> str:
    """``coeffs (B, K) @ basis (K, P·D) + neutral face`` → ``landmarks (B, P, D)``."""
    mean = faces.neutral(card.representation).reshape(-1)
    flat = g.op("Add", g.op("MatMul", coeffs, g.floats(basis)), g.floats(mean))
    return g.op(
        "Reshape", flat, g.ints([-1, *card.output_shape]), name=card.representation.output_name
    )


def build_cnn_model(path: Path, card: ModelCard, seed: int = 0) -> None:
    """The paper's 1D-CNN with random (He-normal) weights: the honest cost of that network.

    ``audio (B, W)`` → 4 × [Conv1d k=21, no padding, ReLU] (64/128/256/512 channels, strides
    4/4/4/2) → mean over time (B, 512) → linear → sigmoid (B, 52), or → 20 PDM coefficients →
    ``coeffs @ basis + neutral`` (B, P, D). Untrained: the outputs mean nothing.
    """
    rng = np.random.default_rng(seed)
    g = GraphBuilder()
    x = g.op("Unsqueeze", INPUT_NAME, g.ints([1]))  # (B, 1, W)
    channels = 1
    for out_channels, stride in CNN_LAYERS:
        w = rng.normal(0.0, math.sqrt(2.0 / (channels * CNN_KERNEL)),
                       (out_channels, channels, CNN_KERNEL))  # fmt: skip
        b = np.zeros(out_channels)
        x = g.op("Relu", g.op("Conv", x, g.floats(w), g.floats(b), strides=[stride]))
        channels = out_channels
    pooled = g.op("ReduceMean", x, axes=[2], keepdims=0)  # (B, 512)
    if card.representation is Representation.BLENDSHAPES:
        w = rng.normal(0.0, math.sqrt(1.0 / channels), (channels, arkit.COUNT))
        logits = g.op("Add", g.op("MatMul", pooled, g.floats(w)), g.floats(np.zeros(arkit.COUNT)))
        out = g.op("Sigmoid", logits, name=card.representation.output_name)
    else:
        w = rng.normal(0.0, math.sqrt(1.0 / channels), (channels, PDM_COMPONENTS))
        coeffs = g.op("MatMul", pooled, g.floats(w))  # (B, 20)
        size = card.points * card.dims
        basis, _ = np.linalg.qr(rng.normal(size=(size, PDM_COMPONENTS)))  # orthonormal modes
        out = _decode_points(g, coeffs, 0.01 * basis.T, card)
    g.save(path, card, out, card.window_samples, producer="talkrig random 1d-cnn")


def build_test_model(
    path: Path,
    card: ModelCard,
    *,
    with_card: bool = True,
    input_name: str = INPUT_NAME,
    output_name: str | None = None,
    output_shape: Sequence[int] | None = None,
    declared_shape: Sequence[int | str] | None = None,
    fixed_batch: bool = False,
    input_samples: int | None = None,
) -> None:
    """A tiny fast model, ``out = bias + mean(|audio|) · ramp``, or a deliberately broken one.

    By default it conforms to ``card``. Break it with: ``with_card=False`` (no metadata),
    ``input_name``/``output_name`` (wrong names), ``output_shape`` (per-item shape it really
    produces), ``declared_shape`` (per-item dims it declares, ``str`` = dynamic; default the real
    ones), ``fixed_batch`` (input declared ``[1, samples]``) or ``input_samples`` (input width
    other than the card's ``window_samples``).
    """
    shape = tuple(output_shape) if output_shape is not None else card.output_shape
    size = int(np.prod(shape))
    g = GraphBuilder()
    level = g.op("ReduceMean", g.op("Abs", input_name), axes=[1], keepdims=1)  # (B, 1)
    ramp = np.linspace(0.5, 1.0, size)[None, :]
    bias = np.linspace(0.0, 0.4, size)
    flat = g.op("Add", g.op("MatMul", level, g.floats(ramp)), g.floats(bias))
    out = g.op(
        "Reshape", flat, g.ints([-1, *shape]),
        name=output_name or card.representation.output_name,
    )  # fmt: skip
    g.save(
        path,
        card if with_card else None,
        out,
        input_samples or card.window_samples,
        input_name=input_name,
        output_dims=declared_shape if declared_shape is not None else shape,
        batch=1 if fixed_batch else "batch",
        producer="talkrig test model",
    )
