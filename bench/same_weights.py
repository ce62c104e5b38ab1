"""Do two ONNX model files hold the same weights? Prints JSON; exit 0 either way, 2 on bad files.

A retrained model reproduces the shipped one when every weight (graph initializer) matches:
``python bench/same_weights.py rebuilt.onnx models/talkrig-neutral.onnx``. The model cards
are not compared (a rebuild's card may word its training data differently).
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np


def weights(path: str) -> dict[str, np.ndarray]:
    import onnx
    from onnx import numpy_helper

    model = onnx.load(path)
    if not model.graph.initializer:  # an empty file parses as an empty model
        raise ValueError(f"{path}: no weights (not an ONNX model?)")
    return {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}


def compare(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, object]:
    shared = sorted(a.keys() & b.keys())
    same_shape = [k for k in shared if a[k].shape == b[k].shape]
    diff = max(
        (float(np.abs(a[k].astype(np.float64) - b[k].astype(np.float64)).max(initial=0.0))
         for k in same_shape),
        default=0.0,
    )  # fmt: skip
    return {
        "identical": a.keys() == b.keys()
        and len(same_shape) == len(shared)
        and all(np.array_equal(a[k], b[k]) for k in shared),
        "initializers": [len(a), len(b)],
        "only in one": sorted(a.keys() ^ b.keys()),
        "shape differs": sorted(set(shared) - set(same_shape)),
        "max abs difference": diff,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a")
    parser.add_argument("b")
    args = parser.parse_args(argv)
    try:
        result = compare(weights(args.a), weights(args.b))
    except Exception as exc:  # onnx raises several types for a file that is not a model
        print(f"same_weights: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
