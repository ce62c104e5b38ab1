"""What PocketSphinx's phone loop costs and says when it runs live, 40 ms at a time.

    python docs/studies/phone_loop_cost.py S1 [CLIPS]  # S1: prepare's folder of GRID s1

Phone posteriors from a speaker-independent acoustic model are one route to "any voice"
(issue: models from real faces). PocketSphinx's Python API gives decoded hypotheses, not
per-frame scores; this streams each clip's audio through its phone-loop search
(``en-us-phone.lm.bin``) one 40 ms hop at a time, as the engine would, and prints the
sentence, the phones it heard and the time per hop (mean and worst) against the 1.5 ms budget
of a whole model.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from pocketsphinx import Decoder, get_model_path

from talkrig.models.contract import HOP_SAMPLES, SAMPLE_RATE
from talkrig.training.data.labels import load_labels
from talkrig.training.data.manifest import read_manifest


def main(s1: Path, clips: int = 5) -> None:
    rows = read_manifest(s1 / "manifest.jsonl")[:clips]
    phone_lm = Path(get_model_path()) / "en-us" / "en-us-phone.lm.bin"
    decoder = Decoder(
        samprate=SAMPLE_RATE, lm=None, allphone=str(phone_lm), backtrace=False, loglevel="FATAL"
    )
    times = []
    for u in rows:
        audio = load_labels(s1 / "labels", u)["audio"]
        pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)
        decoder.start_utt()
        for start in range(0, len(pcm), HOP_SAMPLES):
            began = time.perf_counter()
            decoder.process_raw(pcm[start : start + HOP_SAMPLES].tobytes())
            decoder.hyp()  # what a live reader would take each hop
            times.append(time.perf_counter() - began)
        decoder.end_utt()
        hyp = decoder.hyp()
        print(f"{u.sentence!r}: {hyp.hypstr if hyp else '(nothing)'}")
    ms = 1000.0 * np.asarray(times)
    print(
        f"per 40 ms hop: mean {ms.mean():.2f} ms, p99 {np.percentile(ms, 99):.2f} ms, "
        f"worst {ms.max():.2f} ms over {len(ms)} hops (budget of a whole model: 1.5 ms)"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 5)
