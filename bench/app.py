"""Desktop app benchmark: idle CPU and, while streaming the demo voice, RSS and CPU.

Starts the real app (``python -m talkrig.app.main``) in its own process with Qt's offscreen
platform and a fresh config folder, twice:

1. idle: window open, not streaming; after ``--settle`` seconds (start-up: imports, model
   list), CPU % over ``--idle`` seconds;
2. streaming: ``--start`` with the demo voice to a VMC receiver on loopback (this process counts
   the datagrams, so a stream that silently stopped cannot pass); after ``--settle`` seconds,
   CPU % and RSS sampled once a second for ``--stream`` seconds.

CPU % is the app's user + system time over wall time, of one core (100 % = one core busy),
children included. Targets (issue 4): idle CPU < 2 %, RSS while streaming ≤ 400 MB.

    nice -n 5 python bench/app.py --json bench/results/app.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from talkrig.app.settings import AppSettings, SettingsStore, TargetSetting
from talkrig.app.stream import DEMO_DEVICE

IDLE_CPU_TARGET = 2.0  # %
RSS_TARGET_MB = 400.0
MB = 1024 * 1024


def _cpu_seconds(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return float(times.user + times.system + times.children_user + times.children_system)


def _launch(config: Path, start: bool) -> subprocess.Popen[bytes]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    args = [sys.executable, "-m", "talkrig.app.main", "--config-dir", str(config)]
    return subprocess.Popen(
        args + (["--start"] if start else []),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _stop(app: subprocess.Popen[bytes]) -> str:
    app.terminate()
    try:
        _, err = app.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        app.kill()
        _, err = app.communicate()
    return err.decode("utf-8", "replace")[-2000:]


def _drain(sock: socket.socket) -> int:
    count = 0
    while True:
        try:
            sock.recv(65536)
        except BlockingIOError:
            return count
        count += 1


def measure(
    config: Path, start: bool, settle_s: float, seconds: float, sock: socket.socket | None
) -> dict[str, Any]:
    """Run the app once; CPU % and RSS over ``seconds`` after ``settle_s``."""
    app = _launch(config, start)
    proc = psutil.Process(app.pid)
    try:
        time.sleep(settle_s)
        if app.poll() is not None:
            raise RuntimeError(f"the app exited early: {_stop(app)}")
        if sock is not None:
            _drain(sock)
        rss: list[float] = []
        datagrams = 0
        cpu0, wall0 = _cpu_seconds(proc), time.monotonic()
        end = wall0 + seconds
        while time.monotonic() < end:
            time.sleep(1.0)
            rss.append(proc.memory_info().rss / MB)
            if sock is not None:
                datagrams += _drain(sock)
        cpu1, wall1 = _cpu_seconds(proc), time.monotonic()
        uss_mb = proc.memory_full_info().uss / MB
    finally:
        stderr = _stop(app)
    out: dict[str, Any] = {
        "seconds": round(wall1 - wall0, 1),
        "cpu_percent": round(100.0 * (cpu1 - cpu0) / (wall1 - wall0), 2),
        "rss_mb_mean": round(sum(rss) / len(rss), 1),
        "rss_mb_max": round(max(rss), 1),
        "uss_mb_at_end": round(uss_mb, 1),
    }
    if sock is not None:
        out["vmc_datagrams_per_s"] = round(datagrams / (wall1 - wall0), 1)
    if "Traceback" in stderr:
        out["stderr_tail"] = stderr
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle", type=float, default=20.0, help="idle seconds measured")
    parser.add_argument("--stream", type=float, default=60.0, help="streaming seconds measured")
    parser.add_argument("--settle", type=float, default=10.0, help="seconds after start-up")
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.setblocking(False)
    target = TargetSetting(f"vmc://127.0.0.1:{receiver.getsockname()[1]}")
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp)
        SettingsStore(config).save(AppSettings(device=DEMO_DEVICE, targets=(target,)))
        idle = measure(config, False, args.settle, args.idle, None)
        streaming = measure(config, True, args.settle, args.stream, receiver)
    receiver.close()
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "qt_platform": "offscreen",
        "idle": idle,
        "streaming_demo": streaming,
        "targets": {"idle_cpu_percent": IDLE_CPU_TARGET, "streaming_rss_mb": RSS_TARGET_MB},
        "met": {
            "idle_cpu": idle["cpu_percent"] < IDLE_CPU_TARGET,
            "streaming_rss": streaming["rss_mb_max"] <= RSS_TARGET_MB,
        },
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
