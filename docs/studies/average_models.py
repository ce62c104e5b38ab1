"""Do several runs of one recipe, averaged, follow a voice better than one?

    python docs/studies/average_models.py OUT.onnx A.onnx B.onnx [C.onnx ...]
    talkrig train judge OUT.onnx --data DATA --s1 data/grid_s1

Writes one graph that holds every member (their nodes and weights renamed apart, one shared
``audio`` input) and gives the mean of their outputs, with the first member's card: a model of
the same contract whose cost is the members' summed. The members must share the contract
(window, output); ``onnx.checker`` checks the result.
"""

from __future__ import annotations

import sys
from pathlib import Path

import onnx
from onnx import compose, helper


def average(out: Path, members: list[Path]) -> None:
    first = onnx.load(str(members[0]))
    shared, nodes, weights, outputs = first.graph.input[0], [], [], []
    for k, path in enumerate(members):
        graph = compose.add_prefix(onnx.load(str(path)), f"m{k}_").graph
        for node in graph.node:  # the member's own input becomes the shared one
            node.input[:] = [shared.name if x == graph.input[0].name else x for x in node.input]
        nodes += graph.node
        weights += graph.initializer
        outputs.append(graph.output[0].name)
    nodes.append(helper.make_node("Mean", outputs, [first.graph.output[0].name]))
    graph = helper.make_graph(nodes, "average", [shared], [first.graph.output[0]], weights)
    model = helper.make_model(graph, opset_imports=first.opset_import)
    model.ir_version = first.ir_version
    helper.set_model_props(model, {p.key: p.value for p in first.metadata_props})
    onnx.checker.check_model(model)
    onnx.save(model, str(out))
    print(f"{out}: the mean of {len(members)} models, {out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    average(Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]])
