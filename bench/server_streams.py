"""Stream server benchmark: N concurrent loopback clients at 25 FPS each → p99 processing.

The server runs in its own process (as ``talkrig serve`` would); the clients share one asyncio
loop in this process, each sending 1,024-byte chunks (32 ms) of the demo speech paced in real
time. For every frame: server processing = ``sent − received`` from the frame header (audio in →
frame out, batching wait included) and the client's round trip (chunk sent → frame back).

    python bench/server_streams.py --streams 1 8 16 32 48 --seconds 20

prints one JSON object: per stream count, frames per second per stream, p50/p99/max processing
(``--json`` / ``--markdown`` also write it to files).
Goal (issue 6): ≥ 32 streams at 25 FPS with p99 ≤ 32 ms on 2 cores.

A network in between is EMULATED in the client (``--delay-ms 20 --jitter-ms 5``): shaping
loopback with ``tc qdisc … netem`` needs the kernel's sch_netem, which this machine lacks. Each
chunk leaves ``delay ± jitter`` (uniform, like netem's default) after it was captured, and each
frame counts as arriving ``delay ± jitter`` after it really did; neither overtakes the one
before (TCP keeps order). The round trip then holds both legs; server processing is measured on
the server and only sees the jittered arrival pattern.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
from websockets.asyncio.client import ClientConnection, connect

from talkrig.bridge.audio.sources import decode_file, demo_path
from talkrig.bridge.benchmark import machine, percentiles, write_results
from talkrig.bridge.server import ServerConfig, StreamServer
from talkrig.bridge.stream_protocol import decode_frame, encode_pcm, parse_hello
from talkrig.models.contract import HOP_SAMPLES, PAPER_CHUNK_BYTES, SAMPLE_RATE, WINDOW_SAMPLES
from talkrig.models.loader import load_model
from talkrig.models.registry import DEFAULT_MODEL

CHUNK_S = PAPER_CHUNK_BYTES / 2 / SAMPLE_RATE  # 32 ms


def _serve(model_name: str, threads: int, pipe: Connection) -> None:
    """Server process: load, serve on a free port, report it, run until told to stop."""
    with load_model(model_name, providers="cpu", threads=threads) as model:
        server = StreamServer(model, ServerConfig(port=0, max_connections=1024))
        server.start()
        pipe.send(server.port)
        pipe.recv()  # any message (or EOF) means stop
        server.stop()


@dataclass
class Link:
    """An emulated network leg: each message is late by ``delay ± jitter`` seconds (uniform),
    never before the previous one (TCP keeps order). Zero delay and jitter: a plain loopback."""

    delay_s: float = 0.0
    jitter_s: float = 0.0
    rng: np.random.Generator = field(default_factory=np.random.default_rng)
    _last: float = 0.0

    def arrival(self, t: float) -> float:
        """When a message handed over at ``t`` (perf_counter seconds) comes out."""
        if self.delay_s <= 0 and self.jitter_s <= 0:
            return t
        late = max(0.0, self.delay_s + self.rng.uniform(-self.jitter_s, self.jitter_s))
        self._last = max(self._last, t + late)
        return self._last


async def _client(
    port: int, pcm: bytes, seconds: float, offset: float, up: Link, down: Link
) -> tuple[list[float], list[float], int]:
    """Stream ``seconds`` of audio paced in real time; (server ms, round-trip ms, frames)."""
    server_ms: list[float] = []
    round_ms: list[float] = []
    await asyncio.sleep(offset)  # clients start spread over one hop, like real performers
    async with connect(f"ws://127.0.0.1:{port}", compression=None) as ws:
        hello = parse_hello(await ws.recv())
        hop = hello["model"]["hop_samples"]
        window = hello["model"]["window_samples"]
        shape = tuple(hello["model"]["output_shape"])
        captured: dict[int, float] = {}  # samples sent → when the chunk was captured
        receiver = asyncio.create_task(
            _receive(ws, shape, hop, window, captured, server_ms, round_ms, down)
        )
        start = time.perf_counter()
        chunks = int(seconds / CHUNK_S)
        for i in range(chunks):
            at = start + i * CHUNK_S  # the chunk's last sample is captured now
            leave = up.arrival(at)
            await asyncio.sleep(max(0.0, leave - time.perf_counter()))
            begin = (i * PAPER_CHUNK_BYTES) % (len(pcm) - PAPER_CHUNK_BYTES)
            begin -= begin % 2
            # A late event loop is the client's problem, not the network's: time from the send.
            captured[(i + 1) * PAPER_CHUNK_BYTES // 2] = time.perf_counter() - (leave - at)
            await ws.send(pcm[begin : begin + PAPER_CHUNK_BYTES])
        await asyncio.sleep(0.5 + down.delay_s + down.jitter_s)
        receiver.cancel()
        frames = len(server_ms)
    return server_ms, round_ms, frames


async def _receive(
    ws: ClientConnection,
    shape: tuple[int, ...],
    hop: int,
    window: int,
    captured: dict[int, float],
    server_ms: list[float],
    round_ms: list[float],
    down: Link,
) -> None:
    async for message in ws:
        now = down.arrival(time.perf_counter())
        frame = decode_frame(message, shape)
        server_ms.append(1000.0 * (frame.sent - frame.received))
        end = frame.sequence * hop + window
        chunk_end = -(-end // (PAPER_CHUNK_BYTES // 2)) * (PAPER_CHUNK_BYTES // 2)
        if chunk_end in captured:
            round_ms.append(1000.0 * (now - captured.pop(chunk_end)))


async def _run_streams(
    port: int, pcm: bytes, streams: int, seconds: float, delay_ms: float, jitter_ms: float
) -> dict[str, Any]:
    links = [
        (Link(delay_ms / 1000, jitter_ms / 1000, np.random.default_rng(2 * i)),
         Link(delay_ms / 1000, jitter_ms / 1000, np.random.default_rng(2 * i + 1)))
        for i in range(streams)
    ]  # fmt: skip
    results = await asyncio.gather(
        *(
            _client(port, pcm, seconds, 0.04 * i / streams, up, down)
            for i, (up, down) in enumerate(links)
        )
    )
    server = np.concatenate([np.asarray(r[0]) for r in results])
    trip = np.concatenate([np.asarray(r[1]) for r in results])
    frames = [r[2] for r in results]
    samples = int(seconds / CHUNK_S) * PAPER_CHUNK_BYTES // 2
    expected = 1 + (samples - WINDOW_SAMPLES) // HOP_SAMPLES  # the shipped models' window
    return {
        "streams": streams,
        "processed_pct": round(100.0 * sum(frames) / (expected * streams), 2),
        "fps_per_stream_min": min(frames) / seconds,
        "fps_per_stream_mean": float(np.mean(frames)) / seconds,
        "processing_ms": percentiles(server),
        "round_trip_ms": percentiles(trip),
    }


def markdown(results: dict[str, Any]) -> str:
    """Streams vs p99: one row per stream count."""
    link = results["network"]
    lines = [
        f"Model `{results['model']}`, {results['seconds']:g} s of audio per stream; network: "
        + (f"emulated in the client, {link['delay_ms']:g} ± {link['jitter_ms']:g} ms each way"
           if link["delay_ms"] or link["jitter_ms"] else "plain loopback"),
        "",
        "| streams | processed (%) | FPS per stream (min) | processing p50 / p99 / max (ms) "
        "| round trip p50 / p99 / max (ms) |",
        "|---|---|---|---|---|",
    ]  # fmt: skip
    for row in results["runs"]:
        proc, trip = row["processing_ms"], row["round_trip_ms"]
        lines.append(
            f"| {row['streams']} | {row['processed_pct']:.2f} | {row['fps_per_stream_min']:.2f} "
            f"| {proc['p50']:.2f} / {proc['p99']:.2f} / {proc['max']:.2f} "
            f"| {trip['p50']:.2f} / {trip['p99']:.2f} / {trip['max']:.2f} |"
        )
    note = results.get("note")
    return "\n".join(lines) + "\n" + (f"\n{note}\n" if note else "")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, nargs="+", default=[1, 8, 16, 32])
    parser.add_argument("--seconds", type=float, default=10.0, help="audio per client per run")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--threads", type=int, default=1, help="server ORT threads")
    parser.add_argument("--delay-ms", type=float, default=0.0, help="emulated one-way delay")
    parser.add_argument("--jitter-ms", type=float, default=0.0, help="emulated jitter (±, uniform)")
    parser.add_argument("--note", help="a line stored with the results (e.g. machine load)")
    parser.add_argument("--json", help="write the JSON here too")
    parser.add_argument("--markdown", help="write the markdown table here")
    args = parser.parse_args(argv)
    if args.delay_ms < 0 or args.jitter_ms < 0 or args.jitter_ms > args.delay_ms > 0:
        parser.error("--delay-ms and --jitter-ms must be >= 0, jitter at most the delay")
    pcm = encode_pcm(decode_file(demo_path()))
    ctx = mp.get_context("spawn")
    here, there = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(args.model, args.threads, there), daemon=True)
    proc.start()
    try:
        if not here.poll(60):
            raise SystemExit("server did not start")
        port = int(here.recv())
        rows = [
            asyncio.run(_run_streams(port, pcm, n, args.seconds, args.delay_ms, args.jitter_ms))
            for n in args.streams
        ]
    finally:
        here.send("stop")
        proc.join(10)
    results: dict[str, Any] = {
        "model": args.model,
        "machine": machine(),
        "seconds": args.seconds,
        "network": {"delay_ms": args.delay_ms, "jitter_ms": args.jitter_ms,
                    "emulated": bool(args.delay_ms or args.jitter_ms)},
        "runs": rows,
    }  # fmt: skip
    if args.note:
        results["note"] = args.note
    write_results(results, markdown, args.json, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
