"""The paper's Table 6 through client AND server: ``talkrig serve`` and ``talkrig run --server``.

Both run as separate processes (as on a GPU box and a laptop) talking a real WebSocket on
loopback; this script only starts them, samples the RSS of each with psutil, and reads the
client's JSON report. Two modes per model:

- accelerated: ``--hour`` seconds of audio (the demo clip, or ``--source FILE``, looped) played
  as fast as the server answers (``serve --max-speed 0``, ``run --fast``);
- real time: ``--realtime`` seconds paced like a microphone, with the server's default limits.

    python bench/client_server.py --json bench/results/client-server-talkrig.json \\
        --markdown bench/results/client-server-talkrig.md

Figures (all from the client's report unless said): single-frame processing = server
``sent − received`` of each frame (from the frame header: audio in → frame out, batching wait
included); latency = client audio read → last local datagram sent; queue time = mean latency −
mean server processing (the time audio and frames wait in client buffers, sockets and TCP);
RTF = server processing × frames / audio seconds; processed % = frames received / frames due
for the asked duration.
"""

from __future__ import annotations

import argparse
import json
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

import psutil

from talkrig.bridge.benchmark import Sinks, machine, write_results
from talkrig.models.contract import HOP_SAMPLES, SAMPLE_RATE, WINDOW_SAMPLES

# The trained models (``bench/results/client-server-baseline-energy.*``: the energy baselines).
MODELS = ("talkrig-landmarks2d", "talkrig-landmarks3d", "talkrig-neutral")
CLI = [sys.executable, "-m", "talkrig.commands"]
START_TIMEOUT_S = 60.0
RSS_EVERY_S = 0.5


FOOTNOTES = (
    "Server and client are separate processes on one machine, talking WebSocket over loopback.",
    "Single-frame processing: server `sent − received` per frame (batching wait included).",
    "Latency: client reads the audio → last local datagram of its frame sent. Queue time: mean "
    "latency − mean server processing. Accelerated runs send audio as fast as the server takes "
    "it, so there latency and queue time measure the audio buffered in the client, the sockets "
    "and TCP (seconds, by design); the real-time column is the live figure.",
)


class BenchError(RuntimeError):
    """A child process failed or did not start; the text says which and why."""


class RssSampler:
    """Max RSS (MB) of some processes, sampled on its own thread until :meth:`stop`."""

    def __init__(self, pids: dict[str, int]) -> None:
        self._procs = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.max_mb = dict.fromkeys(pids, 0.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(RSS_EVERY_S):
            for name, proc in self._procs.items():
                try:
                    mb = proc.memory_info().rss / 2**20
                except psutil.Error:  # the process ended between two samples
                    continue
                self.max_mb[name] = max(self.max_mb[name], mb)

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join(2 * RSS_EVERY_S)
        return self.max_mb


def _lines(stream: IO[str], out: queue.Queue[str]) -> None:
    for line in stream:
        out.put(line)


def start_server(model: str, accelerated: bool, threads: int) -> tuple[subprocess.Popen[str], int]:
    """``talkrig serve`` on a free loopback port; (process, port)."""
    cmd = [*CLI, "serve", "--port", "0", "--model", model, "--provider", "cpu",
           "--threads", str(threads), "--seed", "0", "-q"]  # fmt: skip
    if accelerated:
        cmd += ["--max-speed", "0"]  # no per-connection pace limit: the client replays a file
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stderr, lines), daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        found = re.search(r"ws://[^\s:]+:(\d+)", line)
        if found:
            return proc, int(found.group(1))
    proc.kill()
    raise BenchError(f"talkrig serve --model {model} did not start (exit {proc.poll()})")


def stop_server(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)  # the CLI's clean stop
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def one_run(model: str, seconds: float, accelerated: bool, source: str, threads: int) -> dict:
    """Server and client processes for ``seconds`` of audio; the Table 6 figures."""
    sinks = Sinks()
    server, port = start_server(model, accelerated, threads)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            report = Path(tmp) / "client.json"
            url = f"ws://127.0.0.1:{port}"
            cmd = [*CLI, "run", "--source", source, "--loop", "--duration", str(seconds),
                   "--server", url, "--report", str(report), "--quiet"]  # fmt: skip
            if accelerated:
                cmd.append("--fast")
            for spec in sinks.specs():
                cmd += ["--target", spec]
            started = time.perf_counter()
            client = subprocess.Popen(cmd)
            sampler = RssSampler({"client": client.pid, "server": server.pid})
            try:
                code = client.wait(seconds * 3 + 600)
            finally:
                rss = sampler.stop()
            wall = time.perf_counter() - started
            if code != 0 or not report.exists():
                raise BenchError(f"talkrig run --server for {model} exited {code}")
            out: dict[str, Any] = json.loads(report.read_text())
    finally:
        stop_server(server)
        sinks.close()
    return summary(out, seconds, wall, rss)


def summary(
    report: dict[str, Any], seconds: float, wall_s: float, rss: dict[str, float]
) -> dict[str, Any]:
    """Table 6 figures from the client's report, the asked duration, wall time and RSS."""
    m = report["metrics"]
    server_ms, latency_ms = m["inference_ms"], m["processing_ms"]
    stream_s, frames = m["stream_s"], m["frames"]
    # The client stops at the first block past ``seconds``: that block may add one frame.
    due = 1 + (round(seconds * SAMPLE_RATE) - WINDOW_SAMPLES) // HOP_SAMPLES
    return {
        "stream_s": stream_s,
        "wall_s": wall_s,
        "frames": frames,
        "skipped": m["skipped"],
        "processed_pct": 100.0 * min(frames, due) / due,
        "rtf": server_ms["mean"] * frames / 1000.0 / stream_s,
        "wall_per_audio_s": wall_s / stream_s,
        "server_processing_ms": server_ms,
        "latency_ms": latency_ms,
        "queue_ms_mean": latency_ms["mean"] - server_ms["mean"],
        "average_fps_wall": m["average_fps"],
        "fps_per_audio_s": frames / stream_s,
        "client_rss_max_mb": rss["client"],
        "server_rss_max_mb": rss["server"],
        "client_error": report["error"],
    }


def markdown(results: dict[str, Any]) -> str:
    """Table 6 layout: one column per model and mode, one row per figure."""
    cols = [(name, mode, entry[mode]) for name, entry in results["models"].items()
            for mode in ("accelerated", "realtime") if mode in entry]  # fmt: skip
    rows: list[tuple[str, Any]] = [
        ("audio streamed (s) / wall (s)", lambda r: f"{r['stream_s']:.0f} / {r['wall_s']:.0f}"),
        ("RTF (server processing / audio)", lambda r: f"{r['rtf']:.4f}"),
        ("processed packets (%)", lambda r: f"{r['processed_pct']:.2f}"),
        ("max latency, audio read → last datagram (ms)", lambda r: f"{r['latency_ms']['max']:.1f}"),
        ("average FPS (wall clock)", lambda r: f"{r['average_fps_wall']:.2f}"),
        ("frames per audio second", lambda r: f"{r['fps_per_audio_s']:.2f}"),
        ("single-frame processing p50 / mean / p99 (ms)",
         lambda r: "{p50:.2f} / {mean:.2f} / {p99:.2f}".format(**r["server_processing_ms"])),
        ("client RAM, max RSS (MB)", lambda r: f"{r['client_rss_max_mb']:.0f}"),
        ("server RAM, max RSS (MB)", lambda r: f"{r['server_rss_max_mb']:.0f}"),
        ("queue time, mean (ms)", lambda r: f"{r['queue_ms_mean']:.1f}"),
    ]  # fmt: skip
    head = [f"{name} ({mode})" for name, mode, _ in cols]
    lines = ["| | " + " | ".join(head) + " |", "|---|" + "---|" * len(cols)]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(r) for _, _, r in cols) + " |")
    lines += ["", *FOOTNOTES]
    note = results["settings"].get("note")
    return "\n".join(lines) + "\n" + (f"\n{note}\n" if note else "")


def merged(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``old`` with the runs of ``new`` added (a model's mode measured again replaces it)."""
    out = {**old, "machine": new["machine"]}
    runs = out.setdefault("runs_settings", [old["settings"]])
    runs.append(new["settings"])
    models = {name: dict(entry) for name, entry in old["models"].items()}
    for name, entry in new["models"].items():
        models.setdefault(name, {}).update(entry)
    out["models"] = models
    return out


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="+", default=list(MODELS))
    p.add_argument("--hour", type=float, default=3600.0, help="accelerated audio seconds (0: skip)")
    p.add_argument("--realtime", type=float, default=600.0, help="real-time seconds (0: skip)")
    p.add_argument("--realtime-models", nargs="*", help="real-time run only for these")
    p.add_argument("--source", default="demo", help="audio file to loop (default: the demo)")
    p.add_argument("--threads", type=int, default=1, help="server inference threads")
    p.add_argument("--note", help="a line stored with the results (e.g. machine load)")
    p.add_argument("--json", help="write the JSON here too")
    p.add_argument(
        "--merge", action="store_true", help="keep the other runs already in --json (per mode)"
    )
    p.add_argument("--markdown", help="write the markdown table here")
    args = p.parse_args(argv)
    realtime_models = set(args.realtime_models if args.realtime_models is not None else args.models)
    results: dict[str, Any] = {
        "machine": machine(),
        "settings": {key: getattr(args, key) for key in ("hour", "realtime", "source", "threads")},
        "models": {},
    }
    if args.note:
        results["settings"]["note"] = args.note
    for name in args.models:
        entry: dict[str, Any] = {}
        if args.hour > 0:
            print(f"bench: {name}: {args.hour:.0f} s accelerated", file=sys.stderr, flush=True)
            entry["accelerated"] = one_run(name, args.hour, True, args.source, args.threads)
        if args.realtime > 0 and name in realtime_models:
            print(f"bench: {name}: {args.realtime:.0f} s real time", file=sys.stderr, flush=True)
            entry["realtime"] = one_run(name, args.realtime, False, args.source, args.threads)
        results["models"][name] = entry
    if args.merge and args.json and Path(args.json).exists():
        results = merged(json.loads(Path(args.json).read_text()), results)
    write_results(results, markdown, args.json, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
