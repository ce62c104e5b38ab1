"""The model card: what a ``.onnx`` file says about itself in its ``metadata_props``.

Every value is a string (ONNX metadata is string → string). Structured values (output names,
metrics) are JSON. Training writes exactly these keys; the engine and registry read them.

Keys (all required unless marked optional):

====================  =====================================================================
``talkrig_card``      card format version, ``"1"``
``name``              short unique model name (``[a-z0-9._-]+``), used on the command line
``representation``    ``blendshapes`` | ``landmarks2d`` | ``landmarks3d``
``family``            ``emotional`` | ``neutral``
``output_names``      JSON list: the 52 ARKit names (blendshapes) or point labels (landmarks)
``points``            number of landmark points (0 for blendshapes)
``dims``              2 or 3 for landmarks (0 for blendshapes)
``sample_rate``       ``16000``
``window_samples``    samples the model reads per frame (paper: 4480)
``hop_samples``       samples between frames (paper: 640 = 40 ms)
``lookahead_samples`` audio after the end of the predicted frame (paper: 1920 = 120 ms)
``architecture``      free text (``1d-cnn``, ``sincnet``, ``lstm``, ...)
``training_data``     free text: corpora the model was trained on
``license``           licence of the weights (and what the training data imposes)
``metrics``           optional, JSON object of evaluation figures
``description``       optional free text
====================  =====================================================================
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import arkit
from .contract import (
    HOP_SAMPLES,
    PAPER_LOOKAHEAD_SAMPLES,
    SAMPLE_RATE,
    WINDOW_SAMPLES,
    Family,
    Representation,
)

CARD_VERSION = "1"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_REQUIRED = (
    "talkrig_card", "name", "representation", "family", "output_names", "points", "dims",
    "sample_rate", "window_samples", "hop_samples", "lookahead_samples", "architecture",
    "training_data", "license",
)  # fmt: skip


class CardError(ValueError):
    """A model card is missing or contradicts itself."""


@dataclass(frozen=True)
class ModelCard:
    """The parsed model card. ``output_shape`` is the per-item shape of the model's output."""

    name: str
    representation: Representation
    family: Family
    output_names: tuple[str, ...]
    architecture: str
    training_data: str
    license: str
    points: int = 0
    dims: int = 0
    sample_rate: int = SAMPLE_RATE
    window_samples: int = WINDOW_SAMPLES
    hop_samples: int = HOP_SAMPLES
    lookahead_samples: int = PAPER_LOOKAHEAD_SAMPLES
    metrics: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        problems = self._problems()
        if problems:
            raise CardError("; ".join(problems))

    def _problems(self) -> list[str]:
        out = []
        if not _NAME_RE.match(self.name):
            out.append(f"name {self.name!r} must match {_NAME_RE.pattern}")
        if self.sample_rate != SAMPLE_RATE:
            out.append(f"sample_rate is {self.sample_rate}, TalkRig streams {SAMPLE_RATE} Hz")
        if self.hop_samples <= 0 or self.window_samples < self.hop_samples:
            out.append(
                f"window_samples {self.window_samples} and hop_samples {self.hop_samples} "
                "must satisfy 0 < hop <= window"
            )
        if not 0 <= self.lookahead_samples <= self.window_samples - self.hop_samples:
            out.append(
                f"lookahead_samples {self.lookahead_samples} must lie in "
                f"[0, window - hop = {self.window_samples - self.hop_samples}]"
            )
        if self.representation is Representation.BLENDSHAPES:
            if tuple(self.output_names) != arkit.NAMES:
                out.append("a blendshape model's output_names must be the 52 ARKit names in order")
            if self.points or self.dims:
                out.append("a blendshape model has points = dims = 0")
        else:
            want_dims = 2 if self.representation is Representation.LANDMARKS_2D else 3
            if self.dims != want_dims:
                out.append(f"{self.representation.value} needs dims = {want_dims}, not {self.dims}")
            if self.points <= 0:
                out.append("a landmark model needs points > 0")
            if len(self.output_names) != self.points:
                out.append(
                    f"output_names has {len(self.output_names)} labels for {self.points} points"
                )
        return out

    @property
    def output_shape(self) -> tuple[int, ...]:
        """Shape of one output item: ``(52,)`` or ``(points, dims)``."""
        if self.representation is Representation.BLENDSHAPES:
            return (arkit.COUNT,)
        return (self.points, self.dims)

    @property
    def lookahead_ms(self) -> float:
        return 1000.0 * self.lookahead_samples / self.sample_rate

    def to_metadata(self) -> dict[str, str]:
        """The card as ONNX ``metadata_props`` (string → string)."""
        return {
            "talkrig_card": CARD_VERSION,
            "name": self.name,
            "representation": self.representation.value,
            "family": self.family.value,
            "output_names": json.dumps(list(self.output_names)),
            "points": str(self.points),
            "dims": str(self.dims),
            "sample_rate": str(self.sample_rate),
            "window_samples": str(self.window_samples),
            "hop_samples": str(self.hop_samples),
            "lookahead_samples": str(self.lookahead_samples),
            "architecture": self.architecture,
            "training_data": self.training_data,
            "license": self.license,
            "metrics": json.dumps(dict(self.metrics)),
            "description": self.description,
        }

    @classmethod
    def from_metadata(cls, meta: Mapping[str, str]) -> ModelCard:
        """Parse ``metadata_props``; raises :class:`CardError` naming what is wrong."""
        missing = [k for k in _REQUIRED if k not in meta]
        if missing:
            if "talkrig_card" in missing:
                raise CardError("no TalkRig model card in metadata_props (key 'talkrig_card')")
            raise CardError(f"model card lacks {', '.join(missing)}")
        if meta["talkrig_card"] != CARD_VERSION:
            raise CardError(f"model card version {meta['talkrig_card']!r} is not {CARD_VERSION!r}")
        try:
            representation = Representation(meta["representation"])
            family = Family(meta["family"])
        except ValueError as exc:
            raise CardError(str(exc)) from None
        try:
            names = json.loads(meta["output_names"])
            metrics = json.loads(meta.get("metrics") or "{}")
            ints = {
                k: int(meta[k])
                for k in (
                    "points", "dims", "sample_rate", "window_samples", "hop_samples",
                    "lookahead_samples",
                )
            }  # fmt: skip
        except (ValueError, TypeError) as exc:
            raise CardError(f"malformed card value: {exc}") from None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise CardError("output_names must be a JSON list of strings")
        if not isinstance(metrics, dict):
            raise CardError("metrics must be a JSON object")
        return cls(
            name=meta["name"],
            representation=representation,
            family=family,
            output_names=tuple(names),
            architecture=meta["architecture"],
            training_data=meta["training_data"],
            license=meta["license"],
            metrics=metrics,
            description=meta.get("description", ""),
            **ints,
        )
