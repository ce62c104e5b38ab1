"""Per-frame costs of two small choices the docs quote (docs/environment.md): prints JSON.

- VMC face frame: building the 52-message bundles with python-osc every frame, against patching
  the floats of a prebuilt datagram (``VmcFrameTemplate``, what the sender does).
- Streaming Savitzky–Golay: one dot product per frame (``SavitzkyGolay``), against
  ``scipy.signal.savgol_filter`` over the last W frames.
- The emotional models' prosody step (``ProsodyFace``): pitch of the last 80 ms and the upper
  face from the voice's last 6 s, per frame, on real read speech.

Usage: ``python bench/micro_costs.py [--runs 5000] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder
from scipy.signal import savgol_filter

from talkrig.bridge.audio.sources import decode_file, demo_path
from talkrig.bridge.post.prosody import ProsodyFace
from talkrig.bridge.post.savgol import SavitzkyGolay
from talkrig.bridge.post.silence_gate import level_dbfs
from talkrig.bridge.senders.vmc import VmcFrameTemplate
from talkrig.models import arkit


def timed(step: Callable[[int], object], runs: int) -> dict[str, float]:
    """p50 / p99 / mean of ``step(i)`` in microseconds over ``runs`` calls (after 100 warm-up)."""
    for i in range(100):
        step(i)
    spent = np.empty(runs)
    for i in range(runs):
        t0 = time.perf_counter()
        step(i)
        spent[i] = time.perf_counter() - t0
    us = spent * 1e6
    return {
        "p50_us": round(float(np.percentile(us, 50)), 2),
        "p99_us": round(float(np.percentile(us, 99)), 2),
        "mean_us": round(float(us.mean()), 2),
    }


def vmc_costs(runs: int) -> dict[str, dict[str, float]]:
    names = [arkit.pascal(n) for n in arkit.NAMES]
    frames = np.random.default_rng(0).random((64, 52)).astype(np.float32)

    def python_osc(i: int) -> bytes:
        bundle = OscBundleBuilder(IMMEDIATELY)
        for name, value in zip(names, frames[i % 64], strict=True):
            msg = OscMessageBuilder("/VMC/Ext/Blend/Val")
            msg.add_arg(name)
            msg.add_arg(float(value))
            bundle.add_content(msg.build())
        bundle.add_content(OscMessageBuilder("/VMC/Ext/Blend/Apply").build())
        return bundle.build().dgram

    template = VmcFrameTemplate(names)
    return {
        "python_osc_build": timed(python_osc, runs),
        "template_patch": timed(lambda i: template.encode(frames[i % 64]), runs),
    }


def savgol_costs(runs: int) -> dict[str, dict[str, float]]:
    frames = np.random.default_rng(1).random((64, 52)).astype(np.float32)
    stream = SavitzkyGolay(7, 2, 1)
    history = np.zeros((7, 52))

    def whole_window(i: int) -> np.ndarray:
        history[:-1] = history[1:]
        history[-1] = frames[i % 64]
        return savgol_filter(history, 7, 2, axis=0)[-2]

    return {
        "streaming_dot": timed(lambda i: stream(frames[i % 64]), runs),
        "savgol_filter_window": timed(whole_window, runs),
    }


def prosody_costs(runs: int) -> dict[str, dict[str, float]]:
    audio = decode_file(demo_path())
    frames = [audio[k : k + 640] for k in range(0, len(audio) - 640, 640)]
    face = ProsodyFace()
    values = np.zeros(52, np.float32)
    values[arkit.INDEX["jawOpen"]] = 0.3  # a talking face: the whole step runs every frame

    def step(i: int) -> np.ndarray:
        frame = frames[i % len(frames)]
        return face.apply(values, face.analyse(frame, level_dbfs(frame)))

    return {"analyse_and_apply": timed(step, runs)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5000, help="timed calls per figure")
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    result = {
        "runs": args.runs,
        "vmc_frame_52_values": vmc_costs(args.runs),
        "savgol_52_values_w7_p2": savgol_costs(args.runs),
        "prosody_step": prosody_costs(args.runs),
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
