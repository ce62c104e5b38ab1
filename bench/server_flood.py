"""Stream server under a flood: does a well-behaved client keep its frames? (issue 13, point 3)

The server runs in its own process (as ``talkrig serve`` would), the good client in this one
(1,024-byte chunks of the demo speech paced in real time, as the paper's client), and
``bench/flooder.py`` in a third, writing empty and 2-byte messages as fast as the socket takes
them. Three scenarios, each ``--seconds`` long:

- ``alone``: the good client with nobody else (the reference: how many frames, what gaps);
- ``flood``: the default limits; the flooder reconnects each time the server closes it;
- ``flood-no-message-limit``: ``max_messages=0``, one flood connection that is never closed:
  only the server's fair scheduling protects the good client.

For the good client: the fraction of the reference frames that arrived within ``LATE_S`` of the
chunk that completed their audio (a later frame is useless to a live face), the worst gap between
two frames, and that latency's p50/p99/max. For the flooder: connections, messages written, and
how the server answered.

    python bench/server_flood.py --seconds 10

Goal (issue 13): kept >= 90 % and worst gap <= 100 ms while flooded.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing as mp
import shlex
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from talkrig.bridge.audio.sources import decode_file, demo_path
from talkrig.bridge.benchmark import machine, percentiles
from talkrig.bridge.server import ServerConfig, StreamServer
from talkrig.bridge.stream_protocol import decode_frame, encode_pcm, parse_hello
from talkrig.models.contract import PAPER_CHUNK_BYTES, SAMPLE_RATE
from talkrig.models.loader import load_model
from talkrig.models.registry import DEFAULT_MODEL

FLOODER = Path(__file__).with_name("flooder.py")
CHUNK_SAMPLES = PAPER_CHUNK_BYTES // 2
CHUNK_S = CHUNK_SAMPLES / SAMPLE_RATE  # 32 ms
LATE_S = 0.5
GOAL = {"kept": 0.9, "worst_gap_ms": 100.0}


def _serve(model_name: str, options: dict[str, Any], pipe: Connection) -> None:
    """Server process: load, serve on a free port, report it, run until told to stop."""
    with load_model(model_name, providers="cpu", threads=1) as model:
        gc.freeze()  # as `talkrig serve` does
        server = StreamServer(model, ServerConfig(port=0, **options))
        server.start()
        pipe.send(server.port)
        pipe.recv()  # any message (or EOF) means stop
        server.stop()


async def good_client(port: int, pcm: bytes, seconds: float) -> dict[str, Any]:
    """Stream ``seconds`` of audio in real time; every frame's arrival and latency."""
    async with connect(f"ws://127.0.0.1:{port}", compression=None) as ws:
        hello = parse_hello(await ws.recv())
        sent: list[float] = []
        frames: list[tuple[float, float]] = []  # (arrival, stream seconds of audio it needed)
        receiver = asyncio.create_task(_frames(ws, hello, frames))
        closed = None
        start = time.perf_counter()
        try:
            for i in range(int(seconds / CHUNK_S)):
                await asyncio.sleep(max(0.0, start + i * CHUNK_S - time.perf_counter()))
                begin = (i * PAPER_CHUNK_BYTES) % (len(pcm) - PAPER_CHUNK_BYTES)
                sent.append(time.perf_counter())
                await ws.send(pcm[begin : begin + PAPER_CHUNK_BYTES])
        except ConnectionClosed as exc:
            closed = [exc.rcvd.code, exc.rcvd.reason] if exc.rcvd else ["no close frame", ""]
        await asyncio.wait([receiver], timeout=LATE_S + 0.5)
        receiver.cancel()
    latency = [at - sent[min(len(sent) - 1, _chunk(needed))] for at, needed in frames]
    return {"arrivals": [at for at, _ in frames], "latency_s": latency, "closed": closed}


def _chunk(needed_s: float) -> int:
    """Index of the chunk whose last sample completes ``needed_s`` seconds of audio."""
    return max(0, -(-round(needed_s * SAMPLE_RATE) // CHUNK_SAMPLES) - 1)


async def _frames(ws: ClientConnection, hello: dict, out: list[tuple[float, float]]) -> None:
    model = hello["model"]
    shape = tuple(model["output_shape"])
    # From the face a frame shows to the end of the audio it heard (older servers: look-ahead).
    delay_s = hello.get("delay_samples", model["lookahead_samples"]) / model["sample_rate"]
    try:
        async for message in ws:
            frame = decode_frame(message, shape)
            out.append((time.perf_counter(), frame.stream_time + delay_s))
    except ConnectionClosed:
        pass


def scenario(port: int, pcm: bytes, seconds: float, flood: str | None) -> dict[str, Any]:
    """One run of the good client, with the flooder (``"reconnect"``, ``"once"``) or alone."""
    flooder = None
    if flood is not None:
        cmd = [sys.executable, str(FLOODER), "--port", str(port), "--seconds", str(seconds)]
        cmd += ["--reconnect"] if flood == "reconnect" else []
        flooder = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert flooder.stderr is not None
        flooder.stderr.readline()  # "flooding": it is connected and writing
    try:
        good = asyncio.run(good_client(port, pcm, seconds))
        fate = None
        if flooder is not None:
            out, err = flooder.communicate(timeout=seconds + 30)
            fate = json.loads(out) if flooder.returncode == 0 else {"error": err[-500:]}
    finally:
        if flooder is not None and flooder.poll() is None:
            flooder.kill()
    return {"good": good, "flooder": fate}


def summary(run: dict[str, Any], reference_frames: int) -> dict[str, Any]:
    """Fractions, gaps and latency of one scenario's good client."""
    good = run["good"]
    arrivals, latency = np.asarray(good["arrivals"]), np.asarray(good["latency_s"])
    kept = int(np.sum(latency <= LATE_S))
    gaps = np.diff(arrivals) if arrivals.size > 1 else np.array([np.inf])
    result = {
        "frames": int(arrivals.size),
        "kept_fraction": round(kept / reference_frames, 4),
        "worst_gap_ms": round(1000.0 * float(gaps.max()), 1),
        "latency_ms": {k: round(v, 1) for k, v in percentiles(1000.0 * latency).items()},
        "good_client_closed": good["closed"],
    }
    if run["flooder"] is not None:
        result["flooder"] = run["flooder"]
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per scenario")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--note", help="a line stored with the results (e.g. machine load)")
    parser.add_argument("--json", help="write the JSON here too")
    args = parser.parse_args(argv)
    pcm = encode_pcm(decode_file(demo_path()))
    scenarios = {
        "alone": ({}, None),
        "flood": ({}, "reconnect"),
        "flood-no-message-limit": ({"max_messages": 0}, "once"),
    }
    results: dict[str, Any] = {
        "command": "python bench/server_flood.py " + shlex.join(argv),
        "machine": machine(),
        "model": args.model,
        "seconds": args.seconds,
        "late_s": LATE_S,
        "goal": GOAL,
        "note": args.note,
    }
    reference = 0
    ctx = mp.get_context("spawn")
    for name, (options, flood) in scenarios.items():
        here, there = ctx.Pipe()
        proc = ctx.Process(target=_serve, args=(args.model, options, there), daemon=True)
        proc.start()
        try:
            run = scenario(here.recv(), pcm, args.seconds, flood)
        finally:
            here.send("stop")
            proc.join(10)
        reference = reference or len(run["good"]["arrivals"])
        results[name] = summary(run, reference)
    flooded = results["flood"]
    results["goal_met"] = (
        flooded["kept_fraction"] >= GOAL["kept"] and flooded["worst_gap_ms"] <= GOAL["worst_gap_ms"]
    )
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
