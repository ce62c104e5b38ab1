"""What the paper's network costs here, before trained models ship.

Builds the paper's 1D-CNN (kernel 21, 64/128/256/512 channels, strides 4/4/4/2) with random
weights for each representation (the landmark ones decode 20 PDM coefficients inside the graph),
then measures batch-1 inference and the whole per-frame cost (model + post chain + every UDP
target) exactly as ``talkrig bench`` does for shipped models. Needs the ``onnx`` package (dev
extra). Prints JSON.

    python bench/reference_models.py [--runs 2000] [--threads 1 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from talkrig.bridge.benchmark import Sinks, frame_cost, inference_cost
from talkrig.models.builders import build_cnn_model, make_card
from talkrig.models.contract import Representation
from talkrig.models.loader import load_model


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=2000)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = p.parse_args()
    results: dict[str, dict[str, object]] = {}
    sinks = Sinks()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for rep in Representation:
                name = f"reference-cnn-{rep.value}"
                card = make_card(name, rep, architecture="1d-cnn (random weights)",
                                 training_data="none: cost reference only")  # fmt: skip
                path = Path(tmp) / f"{name}.onnx"
                build_cnn_model(path, card)
                for threads in args.threads:
                    print(f"reference: {name}, {threads} thread(s)", file=sys.stderr)
                    with load_model(path, providers="cpu", threads=threads) as model:
                        results[f"{name}@{threads}t"] = {
                            "representation": rep.value,
                            "threads": threads,
                            "size_mb": path.stat().st_size / 2**20,
                            "inference_ms": inference_cost(model, args.runs),
                            "frame_ms": frame_cost(model, args.runs, sinks),
                        }
    finally:
        sinks.close()
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
