"""Regenerate every shipped ``models/*.onnx``: ``python -m talkrig.models.build_shipped``.

The shipped models are hand-built placeholders (no training) until the training issue ships
trained networks. Same code, same bytes: running it twice changes nothing. Needs ``onnx``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .builders import build_energy_model, make_card
from .card import ModelCard
from .contract import SAMPLE_RATE, Family, Representation
from .registry import SHIPPED_DIR

_TRAINING = "none: hand-built from speech energy and spectral balance, no data, no training"
_PLACEHOLDER = (
    "Placeholder until trained networks ship: a fixed formula, not a learned model. It reads "
    "the predicted 40 ms frame of the window; its loudness (dBFS, floor -50) opens the jaw, "
    "high-frequency energy widens the mouth a little, low-frequency energy rounds it a little."
)
_FACES = {
    Representation.BLENDSHAPES: "Output: the 52 ARKit blendshapes; only mouth and jaw move.",
    Representation.LANDMARKS_2D: (
        "Output: 68 2D points in dlib order on a hand-made neutral face in normalised image "
        "coordinates (y down); jaw and lower lip drop with loudness."
    ),
    Representation.LANDMARKS_3D: (
        "Output: 478 3D points in MediaPipe FaceMesh order on a SCHEMATIC neutral mesh: lips, "
        "eyes, irises, brows, face oval and midline sit where MediaPipe puts them, the other "
        "indices are filler points spread over the face. MediaPipe's lower-lip points drop "
        "with loudness."
    ),
}


def shipped_cards() -> list[ModelCard]:
    """The cards of every shipped model (the first is the default blendshape model)."""
    cards = []
    for suffix, representation in (
        ("blendshapes", Representation.BLENDSHAPES),
        ("landmarks2d", Representation.LANDMARKS_2D),
        ("landmarks3d", Representation.LANDMARKS_3D),
    ):
        cards.append(_energy_card(f"baseline-energy-{suffix}", representation, lookahead=1920))
    # Same formula on the newest 40 ms: nothing to gain from future context, 120 ms less delay.
    cards.append(
        _energy_card("baseline-energy-lowlatency", Representation.BLENDSHAPES, lookahead=0)
    )
    return cards


def _energy_card(name: str, representation: Representation, lookahead: int) -> ModelCard:
    delay_ms = 1000 * lookahead // SAMPLE_RATE
    return make_card(
        name,
        representation,
        architecture="energy-baseline",
        training_data=_TRAINING,
        license="MIT",
        family=Family.NEUTRAL,
        lookahead_samples=lookahead,
        description=f"{_PLACEHOLDER} {_FACES[representation]} Look-ahead {delay_ms} ms.",
    )


def build_all(folder: Path = SHIPPED_DIR) -> list[Path]:
    """Write every shipped model into ``folder`` as ``<name>.onnx``; returns the paths."""
    paths = []
    for card in shipped_cards():
        path = folder / f"{card.name}.onnx"
        build_energy_model(path, card)
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m talkrig.models.build_shipped", description=__doc__
    )
    parser.add_argument("--out", type=Path, default=SHIPPED_DIR, help="folder to write into")
    args = parser.parse_args(argv)
    if not args.out.is_dir():
        parser.error(f"--out {args.out}: not a folder")
    for path in build_all(args.out):
        print(f"{path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
