"""Peak RSS of ``talkrig infer`` against the length of the file (issue 13, point 4).

Writes FLAC files of the demo clip looped to each length (in a temporary folder, deleted after),
runs ``talkrig infer FILE --out CSV`` on each in a child process, and prints JSON: per length,
the child's peak RSS (``wait4``'s ``ru_maxrss``), wall time and the CSV's row count. A streaming
``infer`` has the same peak for 1 h and 10 h.

    python bench/infer_memory.py --hours 0.1 1 10 --model baseline-energy-blendshapes
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import av
import numpy as np

from talkrig.bridge.audio.sources import decode_file, demo_path
from talkrig.bridge.benchmark import machine, write_results
from talkrig.models.contract import SAMPLE_RATE

CHUNK_S = 60  # seconds of audio per encoded piece: the writer never holds the whole file


def write_long_flac(path: Path, seconds: float) -> None:
    """``seconds`` of the demo clip looped, 16 kHz mono 16-bit FLAC."""
    clip = (np.clip(decode_file(demo_path()), -1, 1) * 32767).astype(np.int16)
    total = int(seconds * SAMPLE_RATE)
    loop = np.tile(clip, -(-CHUNK_S * SAMPLE_RATE // len(clip)) + 1)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("flac", rate=SAMPLE_RATE, layout="mono")
        done = 0
        while done < total:
            n = min(CHUNK_S * SAMPLE_RATE, total - done)
            start = done % len(clip)
            frame = av.AudioFrame.from_ndarray(loop[None, start : start + n], format="s16",
                                               layout="mono")  # fmt: skip
            frame.sample_rate = SAMPLE_RATE
            frame.pts = done
            for packet in stream.encode(frame):
                out.mux(packet)
            done += n
        for packet in stream.encode(None):
            out.mux(packet)


def measure(path: Path, csv: Path, model: str) -> dict[str, Any]:
    """Run ``talkrig infer`` on ``path`` in a child; its peak RSS, time and rows."""
    cmd = [sys.executable, "-m", "talkrig.commands", "infer", str(path), "--out", str(csv),
           "--format", "csv", "--quiet", "--model", model, "--provider", "cpu"]  # fmt: skip
    started = time.perf_counter()
    child = subprocess.Popen(cmd)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"infer failed with status {child.returncode}: {' '.join(cmd)}")
    with csv.open() as f:
        rows = sum(1 for _ in f) - 1
    return {"peak_rss_mb": usage.ru_maxrss / 1024, "wall_s": wall, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--hours", type=float, nargs="+", default=[1.0, 10.0])
    p.add_argument("--model", default="baseline-energy-blendshapes")
    p.add_argument("--json", help="write the JSON here too")
    args = p.parse_args(argv)
    results: dict[str, Any] = {"machine": machine(), "model": args.model, "runs": []}
    with tempfile.TemporaryDirectory(prefix="talkrig-infer-mem-") as tmp:
        for hours in args.hours:
            flac, csv = Path(tmp) / f"{hours:g}h.flac", Path(tmp) / f"{hours:g}h.csv"
            print(f"infer_memory: writing {hours:g} h of audio", file=sys.stderr, flush=True)
            write_long_flac(flac, hours * 3600)
            print(f"infer_memory: talkrig infer on {hours:g} h", file=sys.stderr, flush=True)
            run = {"hours": hours, "file_mb": flac.stat().st_size / 2**20}
            run.update(measure(flac, csv, args.model))
            results["runs"].append(run)
            flac.unlink()
            csv.unlink()
    write_results(results, lambda r: "", args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
