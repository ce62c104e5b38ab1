"""Real float WAVs with a NaN or +inf burst through the real CLI and the shipped default model:
every target's output is finite, the mouth moves again after the burst, the report counts it.

The speech is a real GRID clip played twice; the burst (0.5 s) sits in the second copy, so the
second copy's speech after it can be compared with the first copy's.
"""

from __future__ import annotations

import csv
import json
import math
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from talkrig.bridge.audio.sources import decode_file
from talkrig.bridge.post.chain import PostConfig
from talkrig.bridge.server import ServerConfig, StreamServer
from talkrig.commands.cli import main
from talkrig.models import arkit
from talkrig.models.builders import make_card
from talkrig.models.contract import SAMPLE_RATE, Representation
from talkrig.models.loader import load_model
from talkrig.models.onnx_graph import GraphBuilder
from talkrig.models.registry import DEFAULT_MODEL
from tests.bridge.senders.decoders import decode_ifacialmocap, decode_livelink, decode_osc

BURST = (8_000, 16_000)  # samples into the second copy of the clip
AFTER_S = 0.3  # the model's window and the smoother clear the burst within this


def write_float_wav(path: Path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    """``(n,)`` samples as a 32-bit IEEE float mono WAV, values kept as they are (NaN, inf)."""
    data = np.asarray(samples, "<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)  # WAVE_FORMAT_IEEE_FLOAT
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"fact" + struct.pack("<II", 4, len(samples))
    body += b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


@pytest.fixture(scope="module")
def clip(shared_data: Path) -> np.ndarray:
    return decode_file(shared_data / "grid" / "bbaf2n.mpg")


def _burst_wav(tmp_path: Path, clip: np.ndarray, value: float) -> tuple[Path, float]:
    """The clip twice with ``value`` over BURST in the second copy; (file, burst end in s)."""
    audio = np.concatenate([clip, clip]).astype(np.float32)
    audio[len(clip) + BURST[0] : len(clip) + BURST[1]] = value
    path = write_float_wav(tmp_path / f"burst-{value}.wav", audio)
    return path, (len(clip) + BURST[1]) / SAMPLE_RATE


class Receiver:
    """A loopback UDP socket whose datagrams a thread collects until :meth:`stop`."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port: int = self.sock.getsockname()[1]
        self.datagrams: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.datagrams.append(self.sock.recv(65_535))
            except TimeoutError:
                continue

    def stop(self) -> list[bytes]:
        self._stop.set()
        self._thread.join(2.0)
        self.sock.close()
        return self.datagrams


@pytest.fixture
def receivers() -> Iterator[dict[str, Receiver]]:
    made = {name: Receiver() for name in ("unity", "vmc", "livelink", "ifacialmocap")}
    yield made
    for r in made.values():
        if not r._stop.is_set():
            r.stop()


def _jaw(csv_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(stream times, jawOpen) of a recorder CSV; every cell must parse as a finite number."""
    rows = list(csv.reader(csv_path.read_text().splitlines()))
    table = np.array([[float(cell) for cell in row] for row in rows[1:]])
    assert np.isfinite(table).all(), "a non-finite value in the CSV"
    return table[:, 2], table[:, 4 + arkit.INDEX["jawOpen"]]


def _mouth_moves_again(times: np.ndarray, jaw: np.ndarray, clip_s: float, burst_end: float) -> None:
    first = jaw[times < clip_s].max()
    after = jaw[(times > burst_end + AFTER_S) & (times < 2 * clip_s)].max()
    assert first > 0.05, "the clip's speech should open the mouth at all"
    assert after > 0.5 * first, f"jawOpen after the burst {after:.3f}, before {first:.3f}"


def _strict(line: str) -> object:
    def refuse(token: str) -> object:
        raise ValueError(f"non-finite JSON token {token}")

    return json.loads(line, parse_constant=refuse)


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_run_every_target_finite_and_the_mouth_moves_again(
    tmp_path: Path, clip: np.ndarray, receivers: dict[str, Receiver], value: float
) -> None:
    wav, burst_end = _burst_wav(tmp_path, clip, value)
    r = receivers
    targets = [
        f"unity://127.0.0.1:{r['unity'].port}", f"vmc://127.0.0.1:{r['vmc'].port}",
        f"livelink://127.0.0.1:{r['livelink'].port}",
        f"ifacialmocap://127.0.0.1:{r['ifacialmocap'].port}",
        f"csv:{tmp_path / 'take.csv'}", f"jsonl:{tmp_path / 'take.jsonl'}",
    ]  # fmt: skip
    argv = ["run", "--source", str(wav), "--fast", "-q", "--seed", "1"]
    argv += [a for t in targets for a in ("--target", t)]
    assert main([*argv, "--report", str(tmp_path / "report.json")]) == 0
    got = {name: rec.stop() for name, rec in r.items()}

    times, jaw = _jaw(tmp_path / "take.csv")
    _mouth_moves_again(times, jaw, len(clip) / SAMPLE_RATE, burst_end)
    records = [_strict(line) for line in (tmp_path / "take.jsonl").read_text().splitlines()]
    assert len(records) == len(times)
    for name in ("unity", "vmc"):
        floats = [a for d in got[name] for _, args in decode_osc(d)[1] for a in args]
        assert floats and all(math.isfinite(a) for a in floats if isinstance(a, float)), name
    assert all(math.isfinite(v) for d in got["livelink"] for v in decode_livelink(d).values)
    assert all(
        0 <= v <= 100 for d in got["ifacialmocap"] for v in decode_ifacialmocap(d).values.values()
    )

    report = json.loads((tmp_path / "report.json").read_text())
    assert report["error"] is None
    assert report["metrics"]["input_nonfinite"] == BURST[1] - BURST[0]


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_infer_is_finite_and_the_mouth_moves_again(
    tmp_path: Path, clip: np.ndarray, value: float
) -> None:
    wav, burst_end = _burst_wav(tmp_path, clip, value)
    out = tmp_path / "take.csv"
    assert main(["infer", str(wav), "--out", str(out), "-q", "--seed", "1"]) == 0
    times, jaw = _jaw(out)
    _mouth_moves_again(times, jaw, len(clip) / SAMPLE_RATE, burst_end)


def _nan_on_speech_model(path: Path) -> Path:
    """A real ONNX graph, finite on silence (so it loads) but NaN on any window louder than
    mean |audio| 0.01: ``out = bias + 0 · sqrt(0.01 − level)``."""
    card = make_card("nan-on-speech", Representation.BLENDSHAPES, architecture="test",
                     training_data="none: test graph")  # fmt: skip
    g = GraphBuilder()
    level = g.op("ReduceMean", g.op("Abs", "audio"), axes=[1], keepdims=1)  # (B, 1)
    root = g.op("Sqrt", g.op("Sub", g.floats(np.float32(0.01)), level))  # NaN when louder
    flat = g.op(
        "Add", g.op("MatMul", root, g.floats(np.zeros((1, 52)))), g.floats(np.full(52, 0.1))
    )
    out = g.op("Reshape", flat, g.ints([-1, 52]), name="blendshapes")
    g.save(path, card, out, card.window_samples, output_dims=(52,), producer="test")
    return path


def test_non_finite_model_frames_are_held_and_counted(tmp_path: Path, clip: np.ndarray) -> None:
    model = _nan_on_speech_model(tmp_path / "nan-on-speech.onnx")
    wav = write_float_wav(tmp_path / "clip.wav", clip)
    take, report = tmp_path / "take.csv", tmp_path / "report.json"
    argv = ["run", "--source", str(wav), "--fast", "-q", "--model", str(model), "--no-gate"]
    assert main([*argv, "--target", f"csv:{take}", "--report", str(report)]) == 0
    _jaw(take)  # every value finite
    metrics = json.loads(report.read_text())["metrics"]
    assert 10 < metrics["frames_replaced"] < metrics["frames"]


def test_run_through_a_server_sanitises_before_the_wire(tmp_path: Path, clip: np.ndarray) -> None:
    # The remote client sends s16le PCM: a NaN sample would go out as a -32768 click.
    wav, burst_end = _burst_wav(tmp_path, clip, math.nan)
    take, report = tmp_path / "take.csv", tmp_path / "report.json"
    with (
        load_model(DEFAULT_MODEL, providers="cpu") as model,
        StreamServer(model, ServerConfig(port=0, max_speed=0, post=PostConfig(seed=1))) as server,
    ):
        argv = ["run", "--source", str(wav), "--fast", "-q", "--server",
                f"ws://127.0.0.1:{server.port}", "--target", f"csv:{take}"]  # fmt: skip
        assert main([*argv, "--report", str(report)]) == 0
    times, jaw = _jaw(take)
    _mouth_moves_again(times, jaw, len(clip) / SAMPLE_RATE, burst_end)
    metrics = json.loads(report.read_text())["metrics"]
    assert metrics["input_nonfinite"] == BURST[1] - BURST[0]
