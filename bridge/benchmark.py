"""``talkrig bench``: run-time figures in the layout of the paper's Table 6.

For each model: batch-1 inference cost, the whole per-frame cost (model + post chain + every UDP
target), a real-time stream (RTF, frames delivered, latency audio-in → last datagram out, FPS,
RSS) and a long stream at accelerated pace (memory growth over an hour of audio). Streams run
in a child ``talkrig run`` process so each model's RSS is that of a real headless run.
Prints JSON; ``--markdown`` also writes the table.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from talkrig.bridge.audio.sources import decode_file, demo_path
from talkrig.bridge.pipeline import FramePipeline, Window
from talkrig.bridge.post.chain import PostConfig
from talkrig.bridge.senders.targets import make_target
from talkrig.models.loader import Model, load_model
from talkrig.models.registry import Registry

UDP_TARGETS = ("unity", "vmc", "livelink", "ifacialmocap")


# What `talkrig bench --help` says: the module docstring without its reStructuredText markup.
BENCH_HELP = """\
Run-time figures in the layout of the paper's Table 6. For each model: batch-1 inference cost,
the whole per-frame cost (model + post chain + every UDP target), a real-time stream (RTF, frames
delivered, latency audio-in → last datagram out, FPS, RSS) and a long stream at accelerated pace
(memory growth over an hour of audio). Streams run in a child `talkrig run` process, so each
model's RSS is that of a real headless run. Prints JSON; --markdown also writes the table."""
BENCH_EXAMPLES = """\
examples:
  talkrig bench --models talkrig-neutral --realtime 10 --hour 60
  talkrig bench --json bench.json --markdown bench.md     (every shipped model; minutes each)"""


def percentiles(ms: np.ndarray) -> dict[str, float]:
    """p50, p99, max and mean of a 1-D array of times (ms); all NaN when it is empty."""
    if ms.size == 0:
        return dict.fromkeys(("p50", "p99", "max", "mean"), float("nan"))
    return {
        "p50": float(np.percentile(ms, 50)),
        "p99": float(np.percentile(ms, 99)),
        "max": float(ms.max()),
        "mean": float(ms.mean()),
    }


def machine() -> dict[str, Any]:
    """What a result file says about the machine it was measured on."""
    return {"cpus": os.cpu_count(), "python": sys.version.split()[0]}


def write_results(
    results: dict[str, Any],
    markdown: Callable[[dict[str, Any]], str],
    json_path: str | None = None,
    markdown_path: str | None = None,
) -> None:
    """Print ``results`` as JSON; also write that to ``json_path`` and ``markdown(results)``
    to ``markdown_path`` where given (the benchmark scripts' ``--json`` / ``--markdown``)."""
    text = json.dumps(results, indent=2)
    print(text)
    if json_path:
        Path(json_path).write_text(text + "\n")
    if markdown_path:
        Path(markdown_path).write_text(markdown(results))


def _windows(model: Model, count: int) -> np.ndarray:
    """``count`` real speech windows from the demo clip, (count, window) float32."""
    audio = decode_file(demo_path())
    card = model.card
    starts = np.linspace(0, len(audio) - card.window_samples, count).astype(int)
    return np.stack([audio[s : s + card.window_samples] for s in starts]).astype(np.float32)


class Sinks:
    """Loopback UDP sockets that stand in for the receivers; counts what arrives."""

    def __init__(self) -> None:
        self.socks = {}
        for name in UDP_TARGETS:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            s.settimeout(0.2)
            self.socks[name] = s
        self.received = dict.fromkeys(UDP_TARGETS, 0)
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._drain, args=(n,), daemon=True) for n in UDP_TARGETS
        ]
        for t in self._threads:
            t.start()

    def _drain(self, name: str) -> None:
        sock = self.socks[name]
        while not self._stop.is_set():
            try:
                sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            self.received[name] += 1

    def specs(self) -> list[str]:
        port = {n: s.getsockname()[1] for n, s in self.socks.items()}
        return [
            f"unity://127.0.0.1:{port['unity']}",
            f"vmc://127.0.0.1:{port['vmc']}",
            f"livelink://127.0.0.1:{port['livelink']}",
            f"ifacialmocap://127.0.0.1:{port['ifacialmocap']}",
        ]

    def close(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(1.0)
        for s in self.socks.values():
            s.close()


def inference_cost(model: Model, runs: int) -> dict[str, float]:
    """Batch-1 model inference, ms."""
    windows = _windows(model, 64)
    for w in windows[:20]:
        model(w[None])
    times = np.empty(runs)
    for i in range(runs):
        w = windows[i % len(windows)][None]
        t0 = time.perf_counter()
        model(w)
        times[i] = time.perf_counter() - t0
    return percentiles(1000.0 * times)


def frame_cost(model: Model, runs: int, sinks: Sinks) -> dict[str, float]:
    """Model + post chain + every UDP target, one frame at a time, ms."""
    pipe = FramePipeline(model, PostConfig(seed=0))
    senders = [make_target(spec) for spec in sinks.specs()]
    windows = _windows(model, 64)
    first = pipe.timing.first_window  # real speech windows numbered from the first one shown
    times = np.empty(runs)
    try:
        for i in range(runs + 20):
            w = Window(first + i, windows[i % len(windows)])
            t0 = time.perf_counter()
            raw = pipe.infer((w,))[0]
            t1 = time.perf_counter()
            frame = pipe.emit(w, raw, t0, t0, t1)
            assert frame is not None
            for s in senders:
                s.send(frame)
            if i >= 20:
                times[i - 20] = time.perf_counter() - t0
            time.sleep(0.0005)  # let the receivers drain; not timed
    finally:
        for s in senders:
            s.close()
    return percentiles(1000.0 * times)


def stream(model_name: str, seconds: float, fast: bool, sinks: Sinks, threads: int) -> dict:
    """A child ``talkrig run`` on the looped demo clip; returns its JSON report."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        cmd = [
            sys.executable, "-m", "talkrig.commands", "run", "--source", "demo", "--loop",
            "--model", model_name, "--duration", str(seconds), "--report", str(report),
            "--threads", str(threads), "--provider", "cpu", "--seed", "0",
        ]  # fmt: skip
        # The accelerated run shows the child's progress bar; a real-time one stays quiet.
        cmd.append("--fast" if fast else "--quiet")
        for spec in sinks.specs():
            cmd += ["--target", spec]
        started = time.perf_counter()
        subprocess.run(cmd, check=True, timeout=seconds * 3 + 600)
        wall = time.perf_counter() - started
        out: dict[str, Any] = json.loads(report.read_text())
    m = out["metrics"]
    total_proc_s = m["processing_ms"]["mean"] * m["frames"] / 1000.0
    out["summary"] = {
        "wall_s": wall,
        "stream_s": m["stream_s"],
        "rtf": total_proc_s / m["stream_s"] if m["stream_s"] else float("nan"),
        "delivered_pct": m["delivered_pct"],
        "fps_wall": m["average_fps"],
        "fps_stream": m["frames"] / m["stream_s"] if m["stream_s"] else float("nan"),
        "latency_p99_ms": m["processing_ms"]["p99"],
        "latency_max_ms": m["processing_ms"]["max"],
        "rss_max_mb": m["rss_max_mb"],
        "rss_growth_mb": (
            m["rss_max_mb"] - m["rss_warm_mb"] if m["rss_warm_mb"] is not None else None
        ),
        "mouth_to_avatar_ms": m["mouth_to_avatar_ms"],
    }
    return out


def run(
    names: Sequence[str], runs: int, realtime_s: float, hour_s: float, threads: int
) -> dict[str, Any]:
    results: dict[str, Any] = {
        "machine": machine(),
        "settings": {"runs": runs, "realtime_s": realtime_s, "hour_s": hour_s, "threads": threads},
        "models": {},
    }
    sinks = Sinks()
    try:
        for name in names:
            print(f"bench: {name}", file=sys.stderr, flush=True)
            with load_model(name, providers="cpu", threads=threads) as model:
                entry: dict[str, Any] = {
                    "representation": model.card.representation.value,
                    "architecture": model.card.architecture,
                    "provider": model.provider,
                    "inference_ms": inference_cost(model, runs),
                    "frame_ms": frame_cost(model, runs, sinks),
                }
            if realtime_s > 0:
                print(f"bench: {name}: {realtime_s:.0f} s real-time stream", file=sys.stderr)
                entry["realtime"] = stream(name, realtime_s, False, sinks, threads)["summary"]
            if hour_s > 0:
                print(f"bench: {name}: {hour_s:.0f} s accelerated stream", file=sys.stderr)
                entry["accelerated"] = stream(name, hour_s, True, sinks, threads)["summary"]
            results["models"][name] = entry
    finally:
        sinks.close()
    return results


def markdown(results: dict[str, Any]) -> str:
    """The paper's Table 6 layout: one column per model, one row per figure."""
    names = list(results["models"])
    rows: list[tuple[str, Any]] = [
        ("representation", lambda e: e["representation"]),
        ("model inference p50 / p99 (ms)",
         lambda e: f"{e['inference_ms']['p50']:.3f} / {e['inference_ms']['p99']:.3f}"),
        ("single-frame processing p50 / p99 (ms)",
         lambda e: f"{e['frame_ms']['p50']:.3f} / {e['frame_ms']['p99']:.3f}"),
        ("RTF", lambda e: f"{e['realtime']['rtf']:.4f}" if "realtime" in e else "–"),
        ("processed frames (%)",
         lambda e: f"{e['realtime']['delivered_pct']:.2f}" if "realtime" in e else "–"),
        ("latency audio-in → last datagram p99 / max (ms)",
         lambda e: f"{e['realtime']['latency_p99_ms']:.2f} / {e['realtime']['latency_max_ms']:.2f}"
         if "realtime" in e else "–"),
        ("average FPS (wall clock)",
         lambda e: f"{e['realtime']['fps_wall']:.2f}" if "realtime" in e else "–"),
        ("mouth-to-avatar delay (ms)",
         lambda e: f"{e['realtime']['mouth_to_avatar_ms']:.0f}" if "realtime" in e else "–"),
        ("headless RSS (MB)",
         lambda e: f"{e['realtime']['rss_max_mb']:.0f}" if "realtime" in e else "–"),
        ("accelerated stream: audio (s)",
         lambda e: f"{e['accelerated']['stream_s']:.0f}" if "accelerated" in e else "–"),
        ("accelerated: frames (%) / frames per audio second",
         lambda e: f"{e['accelerated']['delivered_pct']:.2f} / {e['accelerated']['fps_stream']:.2f}"
         if "accelerated" in e else "–"),
        ("accelerated: RSS growth after 60 s (MB)",  # none when the stream was shorter
         lambda e: f"{e['accelerated']['rss_growth_mb']:.1f}"
         if e.get("accelerated", {}).get("rss_growth_mb") is not None else "–"),
    ]  # fmt: skip
    lines = ["| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(results["models"][n]) for n in names) + " |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="talkrig bench", description=BENCH_HELP, epilog=BENCH_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    p.add_argument("--models", nargs="*", help="model names (default: every shipped model)")
    p.add_argument("--runs", type=int, default=2000, help="timed frames per cost measurement")
    p.add_argument("--realtime", type=float, default=60.0, help="seconds of real-time stream")
    p.add_argument("--hour", type=float, default=3600.0, help="seconds of accelerated stream")
    p.add_argument("--threads", type=int, default=1, help="inference threads")
    p.add_argument("--json", help="write the JSON here too")
    p.add_argument("--markdown", help="write the markdown table here")
    args = p.parse_args(argv)
    names = args.models or [
        e.name for e in Registry().entries() if e.card is not None and e.shipped
    ]
    results = run(names, args.runs, args.realtime, args.hour, args.threads)
    write_results(results, markdown, args.json, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
