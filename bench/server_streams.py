"""Stream server benchmark: N concurrent loopback clients at 25 FPS each → p99 processing.

The server runs in its own process (as ``talkrig serve`` would); the clients share one asyncio
loop in this process, each sending 1,024-byte chunks (32 ms) of the demo speech paced in real
time. For every frame: server processing = ``sent − received`` from the frame header (audio in →
frame out, batching wait included) and the client's round trip (chunk sent → frame back).

    python bench/server_streams.py --streams 1 8 16 32 48 --seconds 20

prints one JSON object: per stream count, frames per second per stream, p50/p99/max processing.
Goal (issue 6): ≥ 32 streams at 25 FPS with p99 ≤ 32 ms on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import sys
import time
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
from websockets.asyncio.client import ClientConnection, connect

from talkrig.bridge.audio.sources import decode_file, demo_path
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


async def _client(
    port: int, pcm: bytes, seconds: float, offset: float
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
        sent_at: dict[int, float] = {}  # samples sent → when
        receiver = asyncio.create_task(
            _receive(ws, shape, hop, window, sent_at, server_ms, round_ms)
        )
        start = time.perf_counter()
        chunks = int(seconds / CHUNK_S)
        for i in range(chunks):
            at = start + i * CHUNK_S
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            begin = (i * PAPER_CHUNK_BYTES) % (len(pcm) - PAPER_CHUNK_BYTES)
            begin -= begin % 2
            await ws.send(pcm[begin : begin + PAPER_CHUNK_BYTES])
            sent_at[(i + 1) * PAPER_CHUNK_BYTES // 2] = time.perf_counter()
        await asyncio.sleep(0.5)
        receiver.cancel()
        frames = len(server_ms)
    return server_ms, round_ms, frames


async def _receive(
    ws: ClientConnection,
    shape: tuple[int, ...],
    hop: int,
    window: int,
    sent_at: dict[int, float],
    server_ms: list[float],
    round_ms: list[float],
) -> None:
    async for message in ws:
        now = time.perf_counter()
        frame = decode_frame(message, shape)
        server_ms.append(1000.0 * (frame.sent - frame.received))
        end = frame.sequence * hop + window
        chunk_end = -(-end // (PAPER_CHUNK_BYTES // 2)) * (PAPER_CHUNK_BYTES // 2)
        if chunk_end in sent_at:
            round_ms.append(1000.0 * (now - sent_at.pop(chunk_end)))


async def _run_streams(port: int, pcm: bytes, streams: int, seconds: float) -> dict[str, Any]:
    results = await asyncio.gather(
        *(_client(port, pcm, seconds, 0.04 * i / streams) for i in range(streams))
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
        "processing_ms": _summary(server),
        "round_trip_ms": _summary(trip),
    }


def _summary(ms: np.ndarray) -> dict[str, float]:
    if ms.size == 0:
        return {"p50": float("nan"), "p99": float("nan"), "max": float("nan")}
    return {
        "p50": round(float(np.percentile(ms, 50)), 3),
        "p99": round(float(np.percentile(ms, 99)), 3),
        "max": round(float(ms.max()), 3),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, nargs="+", default=[1, 8, 16, 32])
    parser.add_argument("--seconds", type=float, default=10.0, help="audio per client per run")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--threads", type=int, default=1, help="server ORT threads")
    args = parser.parse_args(argv)
    pcm = encode_pcm(decode_file(demo_path()))
    ctx = mp.get_context("spawn")
    here, there = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(args.model, args.threads, there), daemon=True)
    proc.start()
    try:
        if not here.poll(60):
            raise SystemExit("server did not start")
        port = int(here.recv())
        rows = [asyncio.run(_run_streams(port, pcm, n, args.seconds)) for n in args.streams]
    finally:
        here.send("stop")
        proc.join(10)
    print(json.dumps({"model": args.model, "seconds": args.seconds, "runs": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
