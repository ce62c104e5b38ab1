"""Write the face preview's blendshapes → 478-point map, :data:`FACE_MAP_FILE`.

The face preview of blendshape models (app and ``talkrig render``) reads the map without the
``onnx`` package. It comes from one of two places:

- ``--map FILE``: a ``facemap-landmarks3d.npz`` that ``talkrig train face-map`` fitted (what
  the shipped file is: the map fitted on GRID s1's training utterances);
- ``--model FILE``: a landmark model exported with ``--face-map``, whose graph holds the map as
  its ``neutral`` and ``basis`` initialisers (needs ``onnx``, the dev extra).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from . import arkit
from .errors import ModelError
from .face_map import FACE_MAP_FILE, read_face_map


def extract(model: Path, out: Path) -> None:
    """Write ``model``'s ``neutral`` ``(P, 3)`` and ``basis`` ``(52, P, 3)`` to ``out``."""
    import onnx
    from onnx import numpy_helper

    try:
        loaded = onnx.load(str(model))
    except Exception as exc:  # protobuf's DecodeError and kin: any unreadable file is one error
        raise ModelError(f"{str(model)!r} is not a readable ONNX model: {exc}") from None
    found = {i.name: numpy_helper.to_array(i) for i in loaded.graph.initializer}
    if "neutral" not in found or "basis" not in found:
        raise ModelError(f"{model.name} holds no blendshapes → points map (use --map)")
    points = next(int(p.value) for p in loaded.metadata_props if p.key == "points")
    neutral = found["neutral"].reshape(points, -1)
    basis = found["basis"].reshape(arkit.COUNT, *neutral.shape)
    np.savez_compressed(out, neutral=neutral, basis=basis)
    read_face_map(out)  # what was written reads back


def copy_map(source: Path, out: Path) -> None:
    """Write the ``neutral`` and ``basis`` of a ``talkrig train face-map`` file to ``out``."""
    fitted = read_face_map(source)  # checked: shapes, finite values
    np.savez_compressed(out, neutral=fitted.neutral, basis=fitted.basis)
    read_face_map(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--map", type=Path, help="facemap-landmarks3d.npz from train face-map")
    source.add_argument("--model", type=Path, help="a landmark model exported with --face-map")
    parser.add_argument("--out", type=Path, default=FACE_MAP_FILE)
    args = parser.parse_args(argv)
    try:
        if args.map is not None:
            copy_map(args.map, args.out)
        else:
            extract(args.model, args.out)
    except (ModelError, OSError) as exc:
        print(f"build_face_map: error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.out}: map of {(args.map or args.model).name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
