"""``GraphBuilder``: a few lines per ONNX node, for the hand-built models in ``builders``.

Needs the ``onnx`` package, imported when a builder is created so that importing this module
does not. Names are numbered in creation order, so the same building code gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .card import ModelCard
from .contract import INPUT_NAME

OPSET = 17
IR_VERSION = 8  # the IR of opset 17; ONNX Runtime 1.17+ reads it


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ModuleNotFoundError(
            "building models needs the `onnx` package: pip install 'talkrig[dev]' (or onnx)"
        ) from None
    return onnx


class GraphBuilder:
    """Collects nodes and constant tensors, then writes one model with a single input."""

    def __init__(self) -> None:
        self._onnx = _onnx()
        self._nodes: list[Any] = []
        self._constants: list[Any] = []

    def op(self, op_type: str, *inputs: str, name: str | None = None, **attrs: Any) -> str:
        """Add a node; returns the name of its (single) output, ``name`` if given."""
        out = name or f"t{len(self._nodes)}"
        node = self._onnx.helper.make_node(
            op_type, list(inputs), [out], name=f"{op_type.lower()}{len(self._nodes)}", **attrs
        )
        self._nodes.append(node)
        return out

    def floats(self, value: float | np.ndarray) -> str:
        """A float32 constant (a scalar or an array); returns its name."""
        return self._constant(np.asarray(value, dtype=np.float32))

    def ints(self, values: Sequence[int]) -> str:
        """An int64 1-D constant (slice bounds, axes, shapes); returns its name."""
        return self._constant(np.asarray(values, dtype=np.int64))

    def _constant(self, array: np.ndarray) -> str:
        name = f"c{len(self._constants)}"
        self._constants.append(self._onnx.numpy_helper.from_array(array, name))
        return name

    def save(
        self,
        path: Path,
        card: ModelCard | None,
        output: str,
        samples: int | str,
        *,
        producer: str,
        input_name: str = INPUT_NAME,
        output_dims: Sequence[int | str] | None = None,
        batch: int | str = "batch",
    ) -> None:
        """Write the model: input ``[batch, samples]`` float32, output ``[batch, *output_dims]``
        (default the card's per-item shape), the card (if any) as ``metadata_props``. A ``str``
        dimension is dynamic."""
        onnx = self._onnx
        helper = onnx.helper
        if output_dims is None:
            if card is None:
                raise ValueError("output_dims is needed when there is no card")
            output_dims = card.output_shape
        graph = helper.make_graph(
            self._nodes,
            "talkrig",
            [helper.make_tensor_value_info(input_name, onnx.TensorProto.FLOAT, [batch, samples])],
            [helper.make_tensor_value_info(output, onnx.TensorProto.FLOAT, [batch, *output_dims])],
            initializer=self._constants,
        )
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", OPSET)],
            ir_version=IR_VERSION,
            producer_name=producer,
        )
        if card is not None:
            helper.set_model_props(model, card.to_metadata())
        onnx.checker.check_model(model)
        path.write_bytes(model.SerializeToString())
