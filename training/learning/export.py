"""ONNX export: one self-describing file per model (docs/architecture.md, the model contract).

Input ``audio`` float32 ``[batch, window_samples]`` with a dynamic batch axis; output
``blendshapes`` ``[batch, 52]`` or ``landmarks`` ``[batch, points, dims]`` with the PDM decode
(``coeffs @ basis + mean``) inside the graph; the model card in ``metadata_props``. Exported with
the TorchScript exporter (``dynamo=False``): it needs no ``onnxscript`` and writes the weights
into the one file (docs/environment.md).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from talkrig.models import arkit
from talkrig.models.builders import make_card
from talkrig.models.card import ModelCard
from talkrig.models.contract import INPUT_NAME, Family, Representation

from .face_map import FaceMap
from .networks import FaceNet
from .pdm import Pdm

OPSET = 17  # what talkrig.models' own files use; ONNX Runtime 1.17+ reads it


class ExportError(RuntimeError):
    """A network, PDM and card that do not fit together, or a file that could not be written."""


# A voice does not tell where the eyes look or when they blink, and GRID's speakers read their
# sentences off a prompt: their gaze is down and their eyes half shut all along. A face with a
# neutral rest leaves the eyes to the post chain's blinks and the avatar app's gaze.
STILL_WITH_NEUTRAL_REST = arkit.REGIONS["eyes"]


class NeutralRest(nn.Module):
    """A blendshape network whose output is measured from its own face in silence, with the eyes
    kept still: an avatar at rest shows all zeros (ARKit's neutral), not the training speaker's
    resting frown, press and squint. ``(B, W)`` → ``(B, 52)``, not yet clamped."""

    rest: torch.Tensor  # (52,) buffer
    keep: torch.Tensor  # (52,) buffer

    def __init__(self, network: FaceNet) -> None:
        super().__init__()
        self.network = network
        self.window_samples = network.window_samples
        with torch.no_grad():
            rest = network.eval()(torch.zeros(1, network.window_samples))[0]
        keep = torch.ones(arkit.COUNT)
        keep[list(STILL_WITH_NEUTRAL_REST)] = 0.0
        self.register_buffer("rest", rest.clone())
        self.register_buffer("keep", keep)

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        return (self.network(audio) - self.rest) * self.keep


class Exported(nn.Module):
    """The network plus, for landmark models, the PDM decode: ``(B, W)`` → ``(B, 52)`` or
    ``(B, P, D)``."""

    basis: torch.Tensor  # (K, P * D) buffer
    mean: torch.Tensor  # (P * D,) buffer

    def __init__(self, network: nn.Module, pdm: Pdm | None) -> None:
        super().__init__()
        self.network = network
        self.points = self.dims = 0
        if pdm is not None:
            self.points, self.dims = pdm.shape
            self.register_buffer("basis", torch.from_numpy(pdm.basis.copy()))
            self.register_buffer("mean", torch.from_numpy(pdm.mean.reshape(-1).copy()))

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        out = self.network(audio)  # (B, out_dim)
        if not self.points:
            return torch.clamp(out, 0.0, 1.0)  # the contract's range for blendshapes
        flat = torch.matmul(out, self.basis) + self.mean  # (B, P * D)
        return flat.view(-1, self.points, self.dims)


class FaceMapped(nn.Module):
    """A blendshape network whose (clamped) output drives a :class:`FaceMap`: ``(B, W)`` →
    ``(B, P, D)`` landmarks of a real face (``face_map.py``)."""

    basis: torch.Tensor  # (52, P * D) buffer
    neutral: torch.Tensor  # (P * D,) buffer

    def __init__(self, network: nn.Module, face_map: FaceMap) -> None:
        super().__init__()
        self.network = network
        self.points, self.dims = face_map.neutral.shape
        self.register_buffer(
            "basis", torch.from_numpy(face_map.basis.reshape(arkit.COUNT, -1).copy())
        )
        self.register_buffer("neutral", torch.from_numpy(face_map.neutral.reshape(-1).copy()))

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        weights = torch.clamp(self.network(audio), 0.0, 1.0)  # (B, 52)
        flat = torch.matmul(weights, self.basis) + self.neutral
        return flat.view(-1, self.points, self.dims)


def card_for(
    network: FaceNet,
    name: str,
    representation: Representation,
    *,
    training_data: str,
    license: str,
    family: Family = Family.NEUTRAL,
    metrics: Mapping[str, Any] | None = None,
    description: str = "",
) -> ModelCard:
    """The model card for ``network``: its window, hop and look-ahead, its architecture."""
    return make_card(
        name,
        representation,
        architecture=network.architecture,
        training_data=training_data,
        license=license,
        family=family,
        window_samples=network.window_samples,
        hop_samples=network.hop_samples,
        lookahead_samples=network.lookahead_samples,
        description=description,
        metrics=metrics,
    )


def _check(network: FaceNet, pdm: Pdm | None, card: ModelCard) -> None:
    if card.window_samples != network.window_samples or card.hop_samples != network.hop_samples:
        raise ExportError(f"card {card.name!r}: window/hop differ from the network's")
    if card.representation is Representation.BLENDSHAPES:
        if pdm is not None or network.out_dim != len(card.output_names):
            raise ExportError(f"card {card.name!r}: a blendshape network has 52 outputs, no PDM")
        return
    if pdm is None:
        raise ExportError(f"card {card.name!r}: a landmark model needs its PDM")
    if pdm.shape != card.output_shape or pdm.components != network.out_dim:
        raise ExportError(
            f"card {card.name!r} wants {card.output_shape}; PDM gives {pdm.shape} from "
            f"{pdm.components} coefficients, network gives {network.out_dim}"
        )


def export_onnx(
    network: FaceNet,
    path: Path,
    card: ModelCard,
    pdm: Pdm | None = None,
    face_map: FaceMap | None = None,
    neutral_rest: bool = False,
) -> Path:
    """Write ``network`` (eval mode, CPU) as ``path`` with ``card`` in its metadata; with
    ``face_map``, a blendshape network is exported as the landmark model the map makes of it;
    with ``neutral_rest``, a blendshape network's output is taken from its face in silence and
    its eyes are kept still (:class:`NeutralRest`).

    Raises:
        ExportError: when network, PDM, face map and card disagree, or the file cannot be written.
    """
    import onnx

    module: nn.Module
    inner: nn.Module = network.eval()
    if neutral_rest:
        if pdm is not None or network.out_dim != arkit.COUNT:
            raise ExportError("a neutral rest is for blendshape networks (52 outputs)")
        inner = NeutralRest(network).eval()
    if face_map is None:
        _check(network, pdm, card)
        module = Exported(inner, pdm).eval()
    else:
        if network.out_dim != arkit.COUNT or card.output_shape != face_map.neutral.shape:
            raise ExportError(
                f"card {card.name!r} wants {card.output_shape}; the face map gives "
                f"{face_map.neutral.shape} from a network of {network.out_dim} outputs (needs 52)"
            )
        module = FaceMapped(inner, face_map).eval()
    output = card.representation.output_name
    dummy = torch.zeros(2, network.window_samples)
    try:
        with warnings.catch_warnings():
            # the TorchScript exporter is deprecated in favour of dynamo, which needs onnxscript
            warnings.simplefilter("ignore", DeprecationWarning)
            # tracing nn.LSTM's shape checks, and a batch-size caution that the dynamic batch
            # axis and the parity tests (batch 1 and 20) answer
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            warnings.filterwarnings("ignore", "Exporting a model to ONNX with a batch_size")
            torch.onnx.export(
                module,
                (dummy,),
                str(path),
                input_names=[INPUT_NAME],
                output_names=[output],
                dynamic_axes={INPUT_NAME: {0: "batch"}, output: {0: "batch"}},
                opset_version=OPSET,
                dynamo=False,
            )
        model = onnx.load(str(path))
        onnx.helper.set_model_props(model, card.to_metadata())  # replaces what was there
        onnx.save(model, str(path))
    except OSError as exc:
        raise ExportError(f"cannot write {str(path)!r}: {exc}") from None
    return path
