"""Per-frame cost of keeping every value finite (issue 13, point 1): prints JSON.

- ``sanitise`` on one 40 ms block of 48 kHz stereo audio (what a device delivers): clean (the
  usual case: two reductions, no copy) and with NaN in it (the repair path);
- the post chain on one frame of the shipped default model's shape, with the non-finite checks
  it now makes, against the same chain fed a NaN frame (the replacement path);
- ``wire_floats`` (every sender's last guard) on 52 blendshapes and 478 × 3 landmarks.

Usage: ``python bench/finite_costs.py [--runs 5000] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from micro_costs import timed  # bench/ is on the path when run as a script

from talkrig.bridge.audio.sanitise import sanitise
from talkrig.bridge.post.chain import PostChain, PostConfig
from talkrig.bridge.senders.finite import wire_floats
from talkrig.models.builders import make_card
from talkrig.models.contract import Representation


def costs(runs: int) -> dict[str, dict[str, float]]:
    rng = np.random.default_rng(0)
    block = (0.1 * rng.standard_normal((1920, 2))).astype(np.float32)
    broken = block.copy()
    broken[::97] = np.nan
    card = make_card("bench", Representation.BLENDSHAPES, architecture="-", training_data="-")
    chain = PostChain(card, PostConfig(seed=0), np.zeros(52, np.float32))
    frames = rng.random((64, 52)).astype(np.float32)
    audio = (0.1 * rng.standard_normal(640)).astype(np.float32)
    nan_frame = np.full(52, np.nan, np.float32)
    landmarks = rng.random((478, 3)).astype(np.float32)
    return {
        "sanitise_clean_block": timed(lambda i: sanitise(block), runs),
        "sanitise_block_with_nan": timed(lambda i: sanitise(broken), runs),
        "post_chain_finite_frame": timed(lambda i: chain(frames[i % 64], audio), runs),
        "post_chain_nan_frame": timed(lambda i: chain(nan_frame, audio), runs),
        "wire_floats_52": timed(lambda i: wire_floats(frames[i % 64]), runs),
        "wire_floats_478x3": timed(lambda i: wire_floats(landmarks), runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args()
    result = {"runs": args.runs, "costs": costs(args.runs)}
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
