"""The mean of several exported models as one model file (``talkrig train average``).

Runs of one recipe that differ only in their seed make different errors; the mean of their
outputs makes fewer (docs/model-studies.md, "Two runs averaged"). The file holds every member's
graph (nodes and weights renamed apart: ``m0_``, ``m1_``, …) fed by the one ``audio`` input, and
an ONNX ``Mean`` of their outputs: the same contract as each member. What the members compute
alike from the audio (the log-Mel front end: same weights, same steps) is computed once, so the
file costs the members' networks and one front end.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from talkrig.models.card import ModelCard
from talkrig.models.session import ModelError, read_card

# what the members must share: the file is one model of one contract
_SAME = ("representation", "output_names", "points", "dims", "window_samples", "hop_samples",
         "lookahead_samples", "family")  # fmt: skip


class AverageError(ValueError):
    """Members that are unreadable or do not share one contract, or an unwritable file."""


def averaged_card(cards: Sequence[ModelCard], description: str | None = None) -> ModelCard:
    """The card of the members' mean: the first's, with the metrics every member agrees on and
    the others per member (``"KEY (member 2)"``; the judge writes the mean's own figures later),
    and ``description`` (by default the first's plus a sentence naming the members)."""
    first = cards[0]
    for key in _SAME:
        if len({repr(getattr(card, key)) for card in cards}) > 1:
            names = ", ".join(card.name for card in cards)
            raise AverageError(f"the members ({names}) differ in {key}: one model cannot be both")
    metrics: dict[str, Any] = {}
    keys: dict[str, None] = dict.fromkeys(k for card in cards for k in card.metrics)
    for key in keys:
        values = [card.metrics.get(key) for card in cards]
        if all(v == values[0] for v in values):
            metrics[key] = values[0]
        else:
            metrics.update({f"{key} (member {k + 1})": v for k, v in enumerate(values)})
    metrics["averaged members"] = float(len(cards))

    def joined(field: str) -> str:
        return "; and ".join(dict.fromkeys(str(getattr(card, field)) for card in cards))

    if description is None:
        description = (
            f"{first.description}; the mean of {len(cards)} models in one graph: "
            + ", ".join(card.name for card in cards)
        )
    return dataclasses.replace(
        first,
        architecture=joined("architecture"),
        training_data=joined("training_data"),
        license=joined("license"),
        metrics=metrics,
        description=description,
    )


def average_models(
    members: Sequence[Path], out: Path, name: str | None = None, description: str | None = None
) -> ModelCard:
    """Write the mean of ``members`` (two or more model files) as ``out``; returns its card.

    Raises:
        AverageError: fewer than two members, an unreadable member, members of different
            contracts, or ``out`` not writable.
    """
    import onnx
    from onnx import compose, helper

    if len(members) < 2:
        raise AverageError(f"averaging needs two models or more, got {len(members)}")
    try:
        cards = [read_card(path) for path in members]
    except ModelError as exc:
        raise AverageError(str(exc)) from None
    card = averaged_card(cards, description)
    if name is not None:
        card = dataclasses.replace(card, name=name)
    models = [onnx.load(str(path)) for path in members]
    first = models[0]
    versions = {(m.ir_version, *((o.domain, o.version) for o in m.opset_import)) for m in models}
    if len(versions) > 1:
        raise AverageError("the members were exported with different ONNX versions or opsets")
    shared, nodes, weights = first.graph.input[0], [], []
    outputs: list[list[str]] = [[] for _ in first.graph.output]
    for k, model in enumerate(models):
        graph = compose.add_prefix(model, f"m{k}_").graph
        for node in graph.node:  # the member's own input becomes the shared one
            node.input[:] = [shared.name if x == graph.input[0].name else x for x in node.input]
        nodes += graph.node
        weights += graph.initializer
        for j, output in enumerate(graph.output):
            outputs[j].append(output.name)
    for j, output in enumerate(first.graph.output):
        nodes.append(helper.make_node("Mean", outputs[j], [output.name]))
    nodes, weights = _computed_once(nodes, weights)
    graph = helper.make_graph(nodes, "average", [shared], list(first.graph.output), weights)
    model = helper.make_model(graph, opset_imports=first.opset_import)
    model.ir_version = first.ir_version
    helper.set_model_props(model, card.to_metadata())
    onnx.checker.check_model(model)
    try:
        onnx.save(model, str(out))
    except OSError as exc:
        raise AverageError(f"cannot write {str(out)!r}: {exc}") from None
    return card


def _computed_once(nodes: list[Any], weights: list[Any]) -> tuple[list[Any], list[Any]]:
    """``nodes`` (in topological order) and ``weights`` with repeats removed: a weight equal to
    an earlier one in type, shape and bytes, and then a node whose operator, attributes and
    inputs equal an earlier one's, is dropped and its outputs read from the earlier one. The
    output is unchanged to the bit; ORT would not merge these itself, as their names differ."""
    from onnx import AttributeProto, numpy_helper

    alias: dict[str, str] = {}
    kept_weights: dict[tuple[Any, ...], str] = {}
    unique_weights = []
    for weight in weights:
        same = (weight.data_type, tuple(weight.dims), numpy_helper.to_array(weight).tobytes())
        if same in kept_weights:
            alias[weight.name] = kept_weights[same]
        else:
            kept_weights[same] = weight.name
            unique_weights.append(weight)
    kept_nodes: dict[tuple[Any, ...], Any] = {}
    unique_nodes = []
    for node in nodes:
        node.input[:] = [alias.get(name, name) for name in node.input]
        key = (node.domain, node.op_type, tuple(node.input),
               tuple(a.SerializeToString() for a in node.attribute))  # fmt: skip
        # a random draw, or a subgraph reading outer names, is not the same step twice
        alike = not node.op_type.startswith(("Random", "Bernoulli", "Multinomial")) and all(
            a.type not in (AttributeProto.GRAPH, AttributeProto.GRAPHS) for a in node.attribute
        )
        if alike and key in kept_nodes:
            alias.update(zip(node.output, kept_nodes[key].output, strict=True))
            continue
        kept_nodes.setdefault(key, node)
        unique_nodes.append(node)
    return unique_nodes, unique_weights


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``talkrig train average`` arguments."""
    parser.add_argument("out", type=Path, help="the .onnx file to write")
    parser.add_argument("members", type=Path, nargs="+", help="two or more model files")
    parser.add_argument("--name", help="model card name (default: the first member's)")
    parser.add_argument("--description", help="card description (default: names the members)")


def run(args: argparse.Namespace) -> int:
    """``talkrig train average`` from parsed arguments."""
    card = average_models(args.members, args.out, args.name, args.description)
    size = args.out.stat().st_size / 1e6
    print(f"{args.out}: the mean of {len(args.members)} models, {size:.1f} MB, card {card.name!r}")
    return 0
