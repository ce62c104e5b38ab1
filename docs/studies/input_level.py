"""How wide a model opens the mouth for the same speech at different input levels.

    python docs/studies/input_level.py DATA [MODEL.onnx ...]  # DATA: the shared data folder

Each clip (the three read-speech clips and the two other-speaker GRID clips) is scaled so its
loudest sample sits at -40 ... -3 dBFS; printed is the median raw jawOpen over its loud frames
(within 30 dB of its loudest, the judge's "voiced"), averaged over the clips; for a landmark
model the inner-lip gap over the face height above its rest instead (other units). Training
saw voices peaking at about -15 to 0 dBFS (room copies: peak 0.7 then -12 to +3 dB) unless the
recipe sets ``room_gain_low_db``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from talkrig.bridge.audio.base import AudioError
from talkrig.bridge.audio.sources import decode_file
from talkrig.models.contract import Representation
from talkrig.models.errors import ModelError
from talkrig.models.loader import load_model
from talkrig.training.judging import judge

PEAKS_DB = (-40.0, -30.0, -20.0, -10.0, -3.0)
OTHER_SPEAKERS = ("lbax4n.mpg", "id2_vcd_swwp2s.mpg")


def clips(data: Path) -> list[np.ndarray]:
    paths = [*sorted((data / "speech").glob("*.mp3")), *(data / "grid" / n for n in OTHER_SPEAKERS)]
    return [decode_file(path) for path in paths]


def median_opening(model: judge.Model, audio: np.ndarray, peak_db: float) -> float:
    scaled = (audio / np.abs(audio).max() * 10 ** (peak_db / 20)).astype(np.float32)
    jaw = judge.opening(model, judge.raw_outputs(model, scaled))
    levels = judge.frame_levels(scaled)
    n = min(len(jaw), len(levels))
    rest = 0.0
    if model.card.representation is not Representation.BLENDSHAPES:
        rest = float(judge.opening(model, model.rest_output()[None])[0])
    return float(np.median(jaw[:n][levels[:n] > judge.VOICED_DB])) - rest


def main(data: Path, models: Sequence[Path]) -> None:
    audio = clips(data)
    print("peak dBFS: " + "  ".join(f"{p:6.0f}" for p in PEAKS_DB))
    for path in models:
        with load_model(path) as model:
            row = [np.mean([median_opening(model, a, p) for a in audio]) for p in PEAKS_DB]
            lips = model.card.representation is not Representation.BLENDSHAPES
        print(f"{path.stem}{' (lip gap)' if lips else ''}: " + "  ".join(f"{v:6.3f}" for v in row))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: input_level.py DATA [MODEL.onnx ...]")
    try:
        main(Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]])
    except (AudioError, ModelError) as exc:  # a wrong DATA folder or a broken model: one line
        sys.exit(f"input_level: {exc}")
