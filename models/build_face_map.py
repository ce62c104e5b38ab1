"""Copy the face map out of ``talkrig-landmarks3d.onnx``.

Run ``python -m talkrig.models.build_face_map`` after a new landmark export.

The landmark model holds its blendshapes → points map as the graph's ``neutral`` and ``basis``
initialisers; the face preview of blendshape models reads the same map from
:data:`talkrig.models.face_map.FACE_MAP_FILE` without the ``onnx`` package. Needs ``onnx``
(the dev extra).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from . import arkit
from .face_map import FACE_MAP_FILE, read_face_map
from .registry import SHIPPED_DIR


def extract(model: Path, out: Path) -> None:
    """Write ``model``'s ``neutral`` ``(P, 3)`` and ``basis`` ``(52, P, 3)`` to ``out``."""
    import onnx
    from onnx import numpy_helper

    loaded = onnx.load(str(model))
    found = {i.name: numpy_helper.to_array(i) for i in loaded.graph.initializer}
    points = next(int(p.value) for p in loaded.metadata_props if p.key == "points")
    neutral = found["neutral"].reshape(points, -1)
    basis = found["basis"].reshape(arkit.COUNT, *neutral.shape)
    np.savez_compressed(out, neutral=neutral, basis=basis)
    read_face_map(out)  # what was written reads back


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=SHIPPED_DIR / "talkrig-landmarks3d.onnx")
    parser.add_argument("--out", type=Path, default=FACE_MAP_FILE)
    args = parser.parse_args(argv)
    extract(args.model, args.out)
    print(f"{args.out}: map of {args.model.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
