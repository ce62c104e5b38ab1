"""Real-time soak under load (issue 13, point 7): an hour of live streaming on busy cores.

A child ``talkrig run`` (the shipped headless engine, default model, ONNX Runtime on the CPU)
streams for ``--duration`` seconds of real time, not accelerated, to three targets on loopback:
the Unity receiver format and VMC (UDP sockets in this process count the frames that arrive)
and a CSV recorder (its rows are counted at the end). Meanwhile ``--load`` busy-loop processes
keep every core busy.

The audio comes, by default (``--source jack``), through the path a performer's microphone
takes: a private JACK server with the dummy backend (a real-time clock, no sound card), a JACK
client in this process looping the demo speech into PortAudio's input ports, and the child
capturing the default input device through PortAudio's callback (``talkrig run --source mic``).
That exercises the callback → ring → resampler → engine hand-off at a device's pace, which a
file cannot. ``--source file`` plays the demo clip looped at real-time pace instead
(``talkrig run --source demo --loop``) where JACK is missing.

Prints JSON: frames produced (the engine's counter), received per target and lost, skipped
windows, latency audio-available → last datagram sent (p50/p99/max, the engine's histogram),
the child's RSS sampled every ``--sample`` seconds, at the start, after ``--warmup`` and at the
end, and its growth from after the warm-up. One progress line on stderr every ``--progress``
seconds.

    python bench/soak.py --duration 3600 --load 2 --json bench/results/soak.json

Goals (issue 13): 0 frames lost at the targets, latency p99 <= 10 ms, RSS growth < 5 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from talkrig.bridge.audio.sources import decode_file, demo_path
from talkrig.bridge.benchmark import machine, write_results
from talkrig.bridge.senders.unity_osc import BLENDSHAPES_ADDRESS
from talkrig.bridge.senders.vmc import APPLY_ADDRESS
from talkrig.models.contract import SAMPLE_RATE
from talkrig.models.registry import DEFAULT_MODEL

GOALS = {"frames_lost": 0, "latency_p99_ms": 10.0, "rss_growth_mb": 5.0}
JACK_PERIOD = 320  # 20 ms periods at 16 kHz, as in tests/bridge/audio/conftest.py
JACK_START_S = 10.0
# Every frame's last datagram carries one of these addresses (hellos and liveness bundles do not).
FRAME_MARKERS = {"unity": BLENDSHAPES_ADDRESS.encode(), "vmc": APPLY_ADDRESS.encode()}
LOAD_CODE = "while True: pass"


class FrameCounter:
    """A UDP socket on loopback that counts datagrams and the frames among them (own thread)."""

    def __init__(self, marker: bytes) -> None:
        self.marker = marker
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.datagrams = 0
        self.frames = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drain, name="soak-receiver", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            self.datagrams += 1
            if self.marker in data:
                self.frames += 1

    def close(self) -> None:
        """Stop after what is queued has been read (the socket times out when it is empty)."""
        self._stop.set()
        self._thread.join(2.0)
        self.sock.close()


@contextmanager
def jack_speech(clip: np.ndarray) -> Iterator[dict[str, Any]]:
    """A private jackd (dummy backend, 16 kHz, real time) and a client that loops ``clip`` into
    every PortAudio input port that appears. Yields the environment a child needs to capture
    from it, plus live counters (``callbacks``, ``xruns``, ``shutdown``)."""
    import jack  # JACK-Client: only this source needs it

    if shutil.which("jackd") is None:
        raise SystemExit("soak: jackd is not installed (Debian: jackd2); or use --source file")
    name = f"talkrig-soak-{os.getpid()}"
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below)
    server = subprocess.Popen(
        ["jackd", "-n", name, "--no-realtime", "-d", "dummy", "-r", str(SAMPLE_RATE),
         "-p", str(JACK_PERIOD)],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    client = None
    stop = threading.Event()
    try:
        deadline = time.monotonic() + JACK_START_S
        while client is None:
            try:
                client = jack.Client("talkrig-soak", servername=name, no_start_server=True)
            except jack.JackOpenError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise SystemExit(f"soak: jackd did not come up: {log.read()!r}") from None
                time.sleep(0.1)
        out = client.outports.register("speech")
        state: dict[str, Any] = {"callbacks": 0, "xruns": 0, "shutdown": None, "pos": 0}

        @client.set_process_callback
        def process(frames: int) -> None:  # JACK's thread: copy the next piece, nothing else
            pos = state["pos"]
            idx = (pos + np.arange(frames)) % len(clip)
            out.get_array()[:] = clip[idx]
            state["pos"] = (pos + frames) % len(clip)
            state["callbacks"] += 1

        @client.set_xrun_callback
        def xrun(delay: float) -> None:
            state["xruns"] += 1

        @client.set_shutdown_callback
        def shutdown(status: jack.Status, reason: str) -> None:
            state["shutdown"] = reason

        def connect() -> None:  # PortAudio registers its ports when the child opens its stream
            connected: set[str] = set()
            while not stop.wait(0.05):
                for port in client.get_ports("PortAudio", is_input=True, is_audio=True):
                    if port.name not in connected:
                        try:
                            client.connect(out, port)
                        except jack.JackError:  # the stream closed between listing and now
                            continue
                        connected.add(port.name)

        client.activate()
        connector = threading.Thread(target=connect, name="soak-jack-connect", daemon=True)
        connector.start()
        env = {"JACK_DEFAULT_SERVER": name, "JACK_NO_START_SERVER": "1"}
        yield {"env": env, "player": state}
        if state["shutdown"] is not None:
            print(f"soak: JACK shut the player down: {state['shutdown']}", file=sys.stderr)
        stop.set()
        connector.join(1.0)
    finally:
        stop.set()
        if client is not None:
            client.deactivate()
            client.close()
        server.terminate()
        try:
            server.wait(5.0)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5.0)
        log.close()


@contextmanager
def cpu_load(workers: int, nice: int) -> Iterator[list[int]]:
    """``workers`` processes that spin at niceness ``nice`` until the block ends."""
    code = f"import os\nos.nice({nice})\n{LOAD_CODE}"  # a loop cannot follow "; " on one line
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(workers)]
    time.sleep(0.5)
    dead = [p.returncode for p in procs if p.poll() is not None]
    if dead:  # a soak "under load" without its load would measure an idle machine
        for p in procs:
            p.kill()
        raise SystemExit(f"soak: {len(dead)} load worker(s) exited at once (status {dead})")
    try:
        yield [p.pid for p in procs]
    finally:
        for p in procs:
            p.kill()
            p.wait(5.0)


def summarise(
    report: dict[str, Any],
    received: dict[str, int],
    rss_samples: list[tuple[float, float]],
    warmup_s: float,
    run_s: float,
) -> dict[str, Any]:
    """The soak's verdict from the child's ``--report``, the frames each target received and
    the child's RSS samples ``(seconds since the child started, MB)`` in time order.

    RSS growth is end − the first sample at or after ``warmup_s`` (None when the run was too
    short to have one); lost frames per target are produced − received (negative would mean a
    counting error, and is shown as such).
    """
    m = report["metrics"]
    produced = int(m["frames"])
    lost = {name: produced - n for name, n in received.items()}
    warm = next((mb for t, mb in rss_samples if t >= warmup_s), None)
    start = rss_samples[0][1] if rss_samples else None
    end = rss_samples[-1][1] if rss_samples else None
    growth = end - warm if warm is not None and end is not None else None
    latency = m["processing_ms"]
    met = {
        "frames_lost": all(n <= GOALS["frames_lost"] for n in lost.values()),
        "latency_p99_ms": latency["p99"] is not None and latency["p99"] <= GOALS["latency_p99_ms"],
        "rss_growth_mb": growth is not None and growth < GOALS["rss_growth_mb"],
    }
    return {
        "run_s": run_s,
        "stream_s": m["stream_s"],
        "frames": {
            "produced": produced,
            "skipped_windows": int(m["skipped"]),
            "replaced": int(m.get("frames_replaced", 0)),
            "received": dict(received),
            "lost": lost,
        },
        "latency_ms": {k: latency[k] for k in ("p50", "p99", "max", "mean")},
        "fps": m["average_fps"],
        "rss_mb": {
            "start": start,
            "after_warmup": warm,
            "end": end,
            "max": max(mb for _, mb in rss_samples) if rss_samples else None,
            "growth": growth,
            "warmup_s": warmup_s,
        },
        "goals": GOALS,
        "met": met,
        "target_errors": {t["spec"]: t["errors"] for t in report.get("targets", [])},
        "error": report.get("error"),
    }


def _child_command(args: argparse.Namespace, counters: dict[str, FrameCounter], csv: Path,
                   report: Path) -> list[str]:  # fmt: skip
    source = ["--source", "mic"] if args.source == "jack" else ["--source", "demo", "--loop"]
    cmd = [sys.executable, "-m", "talkrig.commands", "run", *source, "--model", args.model,
           "--duration", str(args.duration), "--report", str(report), "--provider", "cpu",
           "--threads", "1", "--seed", "0", "--quiet",
           "--target", f"unity://127.0.0.1:{counters['unity'].port}",
           "--target", f"vmc://127.0.0.1:{counters['vmc'].port}",
           "--target", f"csv:{csv}"]  # fmt: skip
    return cmd


def _watch(
    child: subprocess.Popen[bytes], args: argparse.Namespace, counters: dict[str, FrameCounter]
) -> tuple[list[tuple[float, float]], list[dict[str, float]], float]:
    """From the first frame at a target, sample the child's RSS every second until it exits;
    returns the samples for the summary ``(seconds since the first frame, MB)`` (one every
    ``--sample`` seconds and the last one taken while frames still came), the same as a series
    for the JSON, and the seconds from the first frame to the child's exit."""
    proc = psutil.Process(child.pid)
    launched = time.monotonic()
    while child.poll() is None and counters["unity"].frames == 0:  # loading, opening the device
        time.sleep(0.05)
    started = time.monotonic()
    samples: list[tuple[float, float]] = []
    series: list[dict[str, float]] = []
    next_sample = next_progress = 0.0
    last: tuple[float, float, int] | None = None  # the newest sample taken mid-stream
    previous: tuple[float, float, int] | None = None
    while child.poll() is None:
        t, frames = time.monotonic() - started, counters["unity"].frames
        try:
            now = (t, proc.memory_info().rss / 2**20, frames)
        except psutil.Error:
            break
        # A sample counts once frames kept coming after it: one taken while the child closes
        # its model and exits (RSS drops by 100 MB) is not the stream's.
        if previous is not None and frames > previous[2]:
            last = previous
            if last[0] >= next_sample:
                next_sample += args.sample
                samples.append(last[:2])
                series.append({"t_s": round(last[0], 1), "rss_mb": round(last[1], 2),
                               "frames_at_unity": last[2]})  # fmt: skip
        previous = now
        if t >= next_progress:
            next_progress += args.progress
            print(
                f"soak: {t:6.0f}/{args.duration:.0f} s  frames at unity {frames} vmc "
                f"{counters['vmc'].frames}  rss {now[1]:.1f} MB",
                file=sys.stderr,
                flush=True,
            )
        time.sleep(1.0)
    if last is not None and (not samples or samples[-1] != last[:2]):
        samples.append(last[:2])
        series.append({"t_s": round(last[0], 1), "rss_mb": round(last[1], 2),
                       "frames_at_unity": last[2]})  # fmt: skip
    print(f"soak: first frame {started - launched:.1f} s after launch", file=sys.stderr)
    return samples, series, time.monotonic() - started


def soak(args: argparse.Namespace) -> dict[str, Any]:
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="talkrig-soak-") as tmp:
        env = dict(os.environ)
        player: dict[str, Any] | None = None
        if args.source == "jack":
            clip = decode_file(demo_path()).astype(np.float32)
            jack_setup = stack.enter_context(jack_speech(clip))
            env.update(jack_setup["env"])
            player = jack_setup["player"]
        counters = {name: FrameCounter(marker) for name, marker in FRAME_MARKERS.items()}
        for c in counters.values():
            stack.callback(c.close)
        load_pids = stack.enter_context(cpu_load(args.load, args.load_nice))
        csv, report = Path(tmp) / "soak.csv", Path(tmp) / "report.json"
        cmd = _child_command(args, counters, csv, report)
        print(f"soak: {args.duration:.0f} s, {args.source} source, {args.load} load workers",
              file=sys.stderr, flush=True)  # fmt: skip
        child = subprocess.Popen(cmd, env=env)
        try:
            rss, series, run_s = _watch(child, args, counters)
        finally:
            if child.poll() is None:
                child.terminate()
            child.wait(30.0)
        time.sleep(0.5)  # the last datagrams are read before the counters close
        for c in counters.values():
            c.close()
        if not report.exists():
            raise SystemExit(f"soak: talkrig run exited with {child.returncode} and no report")
        child_report = json.loads(report.read_text())
        with csv.open() as f:
            rows = sum(1 for _ in f) - 1
        received = {"unity": counters["unity"].frames, "vmc": counters["vmc"].frames, "csv": rows}
        summary = summarise(child_report, received, rss, args.warmup, run_s)
    settings = {"duration_s": args.duration, "load_workers": args.load,
                "load_nice": args.load_nice, "source": args.source,
                "model": child_report["model"], "provider": child_report["provider"],
                "warmup_s": args.warmup, "load_pids": load_pids}  # fmt: skip
    jack_player = None
    if player is not None:
        jack_player = {k: player[k] for k in ("callbacks", "xruns", "shutdown")}
    return {
        "machine": machine(),
        "settings": settings,
        **summary,
        "datagrams": {name: c.datagrams for name, c in counters.items()},
        "rss_series": series,
        "jack_player": jack_player,
        "exit_status": child.returncode,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--duration", type=float, default=3600.0, help="seconds of real time")
    p.add_argument("--load", type=int, default=2, help="busy-loop worker processes")
    p.add_argument("--load-nice", type=int, default=0, help="niceness of the load workers")
    p.add_argument("--source", choices=("jack", "file"), default="jack")
    p.add_argument("--model", default=DEFAULT_MODEL)
    p.add_argument("--warmup", type=float, default=60.0, help="RSS growth is measured from here")
    p.add_argument("--sample", type=float, default=60.0, help="seconds between RSS samples")
    p.add_argument("--progress", type=float, default=30.0, help="seconds between progress lines")
    p.add_argument("--json", help="write the JSON here too")
    args = p.parse_args(argv)
    results = soak(args)
    write_results(results, lambda r: "", args.json)
    return 0 if all(results["met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
