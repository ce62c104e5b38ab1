"""The 40 ms loop end to end: real files, real ONNX sessions, real senders."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from talkrig.bridge.audio.sources import FileSource, decode_file, demo_path
from talkrig.bridge.engine import Engine, EngineOptions
from talkrig.bridge.frame import FaceFrame
from talkrig.bridge.offline import infer_audio
from talkrig.bridge.pipeline import file_frame_count
from talkrig.bridge.post.chain import PostConfig
from talkrig.bridge.senders.base import Sender
from talkrig.bridge.senders.targets import make_target
from talkrig.models import arkit
from talkrig.models.contract import SAMPLE_RATE
from talkrig.models.loader import Model, load_model

JAW = arkit.INDEX["jawOpen"]


class Collect:
    """A frame listener that keeps every frame (engine thread appends)."""

    def __init__(self) -> None:
        self.frames: list[FaceFrame] = []

    def __call__(self, frame: FaceFrame) -> None:
        self.frames.append(frame)


def run_to_end(engine: Engine, timeout: float = 60.0) -> None:
    engine.start()
    try:
        assert engine.wait(timeout), "the stream did not end"
    finally:
        engine.stop()
    assert engine.error is None


def test_fast_file_stream_gives_the_same_face_as_offline_inference(energy_model: Model) -> None:
    post = PostConfig(seed=3)
    got = Collect()
    run_to_end(
        Engine(FileSource(demo_path(), realtime=False), energy_model, [],
               EngineOptions(post=post), listeners=[got])
    )  # fmt: skip
    audio = decode_file(demo_path())
    offline = list(infer_audio(audio, energy_model, post))
    card = energy_model.card
    # The time rule: one frame per 40 ms from 0 to the file's end (was: one per whole window).
    assert len(got.frames) == len(offline) == file_frame_count(len(audio), card.hop_samples)
    assert [f.sequence for f in got.frames] == list(range(len(offline)))
    stream = np.stack([f.blendshapes for f in got.frames])
    whole = np.stack([f.blendshapes for f in offline])
    np.testing.assert_allclose(stream, whole, atol=1e-5)
    assert stream[:, JAW].max() > 0.15  # the demo's speech really opens the mouth


def test_frame_times_and_stream_time_follow_the_card(energy_model: Model) -> None:
    got = Collect()
    run_to_end(Engine(FileSource(demo_path(), realtime=False), energy_model, [], listeners=[got]))
    card = energy_model.card
    f = got.frames[10]
    # The time rule: frame k shows the face at k × hop (was: the end of window k's frame).
    expected = 10 * card.hop_samples / SAMPLE_RATE
    assert f.stream_time == pytest.approx(expected)
    t = f.times
    assert t.audio_available <= t.inference_start <= t.inference_end <= t.post_end


class SlowModel:
    """A real ONNX session made slow: each call also sleeps, as on an overloaded machine.

    Only the delay is simulated; the inference itself is the real model's."""

    def __init__(self, model: Model, delay_s: float) -> None:
        self._model = model
        self._delay = delay_s
        self.card = model.card
        self.provider = model.provider

    def __call__(self, windows: np.ndarray) -> np.ndarray:
        time.sleep(self._delay)
        return self._model(windows)

    def rest_output(self) -> np.ndarray:
        return self._model.rest_output()


def test_overload_skips_to_the_newest_window_instead_of_queueing(energy_model: Model) -> None:
    slow = SlowModel(energy_model, delay_s=0.1)  # 100 ms per frame: 2.5x slower than real time
    engine = Engine(FileSource(demo_path(), realtime=True), slow, [],  # type: ignore[arg-type]
                    EngineOptions(duration_s=3.0))  # fmt: skip
    run_to_end(engine, timeout=20)
    m = engine.metrics.snapshot()
    assert m.skipped > 0
    assert m.delivered_pct < 60
    # Delay stays bounded: a queue would grow by 60 ms per frame to seconds over 3 s.
    assert m.processing_ms["max"] < 400


def test_silence_closes_the_mouth_even_when_the_model_keeps_it_open(
    open_mouth_model: Model, shared_data: Path, write_wav: Callable[..., Path]
) -> None:
    speech = decode_file(shared_data / "speech/p240_00000.mp3")[: 2 * SAMPLE_RATE]
    clip = write_wav(np.concatenate([speech, np.zeros(SAMPLE_RATE, np.float32)]))
    got = Collect()
    run_to_end(Engine(FileSource(clip, realtime=False), open_mouth_model, [], listeners=[got]))
    assert open_mouth_model.rest_output()[JAW] > 0.1  # the raw model never closes the mouth
    tail = [f for f in got.frames if f.stream_time > 2.0 + 0.2]
    assert tail and all(f.blendshapes[JAW] < 0.05 for f in tail)  # type: ignore[index]
    assert not tail[-1].voiced
    voiced = [f for f in got.frames if f.stream_time < 1.8]
    assert max(f.blendshapes[JAW] for f in voiced) > 0.1  # type: ignore[index]


class ExplodingSender(Sender):
    """A target whose every send raises (a crashed receiver plugin, a full disk...)."""

    def _send(self, frame: FaceFrame) -> None:
        raise OSError("disk full")


def test_a_failing_target_does_not_stop_the_stream_or_the_others(
    energy_model: Model, tmp_path: Path
) -> None:
    out = tmp_path / "rec.jsonl"
    recorder = make_target(f"jsonl:{out}")
    broken = ExplodingSender("broken://")
    dead_udp = make_target("livelink://127.0.0.1:9")  # nobody listens on the discard port
    engine = Engine(FileSource(demo_path(), realtime=False), energy_model,
                    [broken, dead_udp, recorder])  # fmt: skip
    run_to_end(engine)
    frames = engine.metrics.snapshot().frames
    assert frames > 100
    assert len(out.read_text().splitlines()) == frames
    state = broken.state()
    assert state.errors == frames and not state.ok and "disk full" in (state.last_error or "")


def test_model_swap_while_streaming_keeps_sequence_numbers_increasing(
    energy_model: Model,
) -> None:
    got = Collect()
    engine = Engine(FileSource(demo_path(), realtime=True), energy_model, [],
                    EngineOptions(duration_s=2.0), listeners=[got])  # fmt: skip
    landmarks = load_model("baseline-energy-landmarks2d", providers="cpu")
    swapped = threading.Timer(0.8, engine.swap_model, args=(landmarks,))
    swapped.start()
    try:
        run_to_end(engine, timeout=20)
    finally:
        swapped.cancel()
        landmarks.close()
    kinds = [f.landmarks is not None for f in got.frames]
    assert kinds[0] is False and kinds[-1] is True
    seq = [f.sequence for f in got.frames]
    assert seq == sorted(seq) and len(set(seq)) == len(seq)
    assert got.frames[-1].landmarks.shape == (68, 2)  # type: ignore[union-attr]


def test_duration_stops_a_looping_source(energy_model: Model, tmp_path: Path) -> None:
    engine = Engine(FileSource(demo_path(), realtime=False, loop=True), energy_model, [],
                    EngineOptions(duration_s=20.0))  # fmt: skip
    run_to_end(engine)
    frames = engine.metrics.snapshot().frames
    # 20 s of a looped 7.5 s clip, at 25 frames per second of audio: with frame k at k × 40 ms
    # every frame before 20.0 s is sent (was: from 0.16 s on, so 0.2 s fewer)
    assert abs(frames - 20.0 * 25) <= 2
    report = engine.metrics.snapshot().to_dict()
    json.dumps(report, allow_nan=False)  # a report is strict JSON


def test_a_failing_listener_does_not_stop_the_stream(energy_model: Model) -> None:
    got = Collect()

    def broken(frame: FaceFrame) -> None:
        raise RuntimeError("observer bug")

    engine = Engine(FileSource(demo_path(), realtime=False), energy_model, [],
                    listeners=[broken, got])  # fmt: skip
    run_to_end(engine)
    assert len(got.frames) == engine.metrics.snapshot().frames > 100
    assert engine.listener_errors == len(got.frames)
