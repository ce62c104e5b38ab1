"""The frame pipeline's time rule, on real ONNX sessions, and file = stream through the real CLI."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from talkrig.bridge.audio.sources import FileSource, decode_file
from talkrig.bridge.engine import Engine, EngineOptions
from talkrig.bridge.frame import FaceFrame
from talkrig.bridge.offline import infer_audio
from talkrig.bridge.pipeline import FramePipeline, FrameTiming
from talkrig.bridge.post.chain import PostConfig
from talkrig.commands.cli import main
from talkrig.models.builders import build_test_model, make_card
from talkrig.models.contract import SAMPLE_RATE, Representation
from talkrig.models.loader import Model, load_model
from talkrig.models.registry import DEFAULT_MODEL

HOP = 640
GRID_CLIP = "grid/bbaf2n.mpg"  # 3.00 s of real GRID speech: 75 video frames at 25 fps


def odd_model(tmp_path: Path, lookahead: int) -> Model:
    """A tiny real model whose look-ahead is ``lookahead`` samples."""
    card = make_card("odd-lookahead", Representation.BLENDSHAPES, architecture="test",
                     training_data="none", lookahead_samples=lookahead)  # fmt: skip
    path = tmp_path / "odd.onnx"
    build_test_model(path, card)
    return load_model(path, providers="cpu")


def test_the_shipped_default_emits_from_window_four() -> None:
    timing = FrameTiming(SAMPLE_RATE, HOP, 1920 + 1 * HOP)  # L = 120 ms, S = 1
    assert (timing.preroll, timing.first_window) == (0, 4)
    assert timing.stream_time(4) == 0.0
    assert timing.stream_time(5) == pytest.approx(0.04)
    assert timing.audio_time(4) == pytest.approx(0.16)  # the face trails the voice by 160 ms


def test_a_lookahead_off_the_hop_gets_a_preroll_so_frames_land_on_40_ms() -> None:
    timing = FrameTiming(SAMPLE_RATE, HOP, 1000 + 1 * HOP)  # L = 1000: 62.5 ms
    assert timing.preroll == 280  # 1000 + 640 + 280 = 3 hops
    assert timing.first_window == 3
    assert [timing.stream_time(n) for n in (3, 4, 5)] == pytest.approx([0.0, 0.04, 0.08])
    # The window of frame k ends (L + S·H) after the face it shows, in source samples.
    assert timing.audio_time(3) * SAMPLE_RATE == pytest.approx(1640)


def test_a_file_gives_one_frame_per_40_ms_from_0_to_its_end(tmp_path: Path) -> None:
    audio = np.random.default_rng(0).uniform(-0.3, 0.3, 3 * SAMPLE_RATE).astype(np.float32)
    for lookahead in (1920, 1000, 0):
        with odd_model(tmp_path, lookahead) as model:
            for post in (PostConfig(seed=0), PostConfig(smoothing=False, seed=0)):
                frames = list(infer_audio(audio, model, post))
                assert len(frames) == 75, (lookahead, post.smoothing)
                times = [f.stream_time for f in frames]
                np.testing.assert_allclose(times, np.arange(75) * 0.04, atol=1e-9)
                assert [f.sequence for f in frames] == list(range(75))


def test_an_odd_lookahead_shows_the_face_of_its_own_audio(tmp_path: Path) -> None:
    """With L = 1000 and no smoothing, frame k's window ends exactly 1000 samples after k·H."""
    with odd_model(tmp_path, 1000) as model:
        pipe = FramePipeline(model, PostConfig(smoothing=False, gate=False, blink=False))
        source = np.arange(1, 4 * SAMPLE_RATE + 1, dtype=np.float32) / (8 * SAMPLE_RATE)
        pipe.push(source)
        for window in pipe.take_all():
            if window.index < pipe.timing.first_window:
                continue
            end = round(pipe.stream_time(window) * SAMPLE_RATE) + 1000  # source samples
            assert window.samples[-1] == pytest.approx(source[end - 1])


def test_a_model_swap_keeps_sequences_and_times_going(tmp_path: Path) -> None:
    with (load_model("baseline-energy-blendshapes", providers="cpu") as first,
          load_model("baseline-energy-lowlatency", providers="cpu") as second):  # fmt: skip
        pipe = FramePipeline(first)
        pipe.push(np.zeros(SAMPLE_RATE, np.float32))
        before = [w for w in pipe.take_all() if w.index >= pipe.timing.first_window]
        swapped = FramePipeline(second, previous=pipe)
        swapped.push(np.zeros(SAMPLE_RATE, np.float32))
        after = swapped.take_all()
        assert after[0].index == before[-1].index + 1
        seq = [w.index + swapped.sequence_base for w in after]
        assert seq[0] == before[-1].index + pipe.sequence_base + 1
        # less look-ahead: the new model's frames show a later face of the same audio
        assert swapped.stream_time(after[0]) > pipe.stream_time(before[-1])


def test_a_stream_and_a_file_agree_for_an_odd_lookahead(
    tmp_path: Path, write_wav: Callable[..., Path]
) -> None:
    audio = np.random.default_rng(2).uniform(-0.3, 0.3, 2 * SAMPLE_RATE + 123).astype(np.float32)
    clip = write_wav(audio)
    got: list[FaceFrame] = []
    with odd_model(tmp_path, 1000) as model:
        engine = Engine(FileSource(clip, realtime=False), model, [],
                        EngineOptions(post=PostConfig(seed=4)), listeners=[got.append])  # fmt: skip
        with engine:
            assert engine.wait(30)
        assert engine.error is None
        whole = list(infer_audio(decode_file(clip), model, PostConfig(seed=4)))
    assert len(got) == len(whole) == 51  # ceil(32123 / 640)
    assert [f.stream_time for f in got] == [f.stream_time for f in whole]
    np.testing.assert_allclose([f.stream_time for f in got], np.arange(51) * 0.04, atol=1e-9)
    np.testing.assert_array_equal(np.stack([f.values for f in got]),
                                  np.stack([f.values for f in whole]))  # fmt: skip


def read_csv(path: Path) -> tuple[list[str], np.ndarray]:
    with path.open() as f:
        rows = list(csv.reader(f))
    return rows[0], np.array(rows[1:], dtype=np.float64)


def test_infer_and_a_fast_run_give_the_same_frames(tmp_path: Path, shared_data: Path) -> None:
    clip = shared_data / GRID_CLIP
    taken, streamed = tmp_path / "infer.csv", tmp_path / "run.csv"
    common = ["--model", DEFAULT_MODEL, "--provider", "cpu", "--seed", "5"]
    assert main(["infer", str(clip), "--out", str(taken), "--format", "csv", "--quiet",
                 *common]) == 0  # fmt: skip
    assert main(["run", "--source", str(clip), "--fast", "--target", f"csv:{streamed}",
                 "--quiet", *common]) == 0  # fmt: skip
    head, a = read_csv(taken)
    head_b, b = read_csv(streamed)
    assert head == head_b and head[:4] == ["sequence", "capture_time", "stream_time", "voiced"]
    assert 74 * HOP < len(decode_file(clip)) <= 75 * HOP  # 2.98 s of MP2 audio: 75 frames
    assert a.shape[0] == b.shape[0] == 75
    np.testing.assert_array_equal(a[:, 0], np.arange(75))
    np.testing.assert_allclose(a[:, 2], np.arange(75) * 0.04, atol=1e-9)
    np.testing.assert_array_equal(a[:, [0, 2, 3]], b[:, [0, 2, 3]])  # sequence, time, voiced
    np.testing.assert_array_equal(a[:, 4:], b[:, 4:])  # the same batches: the same values
