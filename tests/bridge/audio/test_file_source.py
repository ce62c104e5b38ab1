"""FileSource and decode_file on real files: durations, pacing, and every kind of bad file."""

from __future__ import annotations

import threading
import time
import wave
from pathlib import Path

import av
import numpy as np
import pytest
from scipy.signal import resample_poly

from talkrig.bridge.audio.base import AudioError
from talkrig.bridge.audio.file_source import FileSource, decode_file
from talkrig.bridge.audio.ring import SampleRing
from tests.helpers import write_wav

RATE = 16_000
FSDD_WAV = "fsdd/recordings/0_george_0.wav"


def _drain(source: FileSource, timeout: float = 10.0) -> np.ndarray:
    """Play ``source`` to the end like the engine does; (n,) samples."""
    ring = SampleRing(8192, 1)
    pieces = []
    deadline = time.monotonic() + timeout
    source.start(ring)
    try:
        while time.monotonic() < deadline:
            if ring.wait(0.05):
                pieces.append(ring.read()[:, 0])
            elif source.finished or source.error:
                break
        pieces.append(ring.read()[:, 0])
    finally:
        source.stop()
    assert source.error is None
    assert source.finished
    return np.concatenate(pieces)


@pytest.mark.parametrize(
    "name",
    [
        "speech/1320_00000.mp3",
        "speech/3575_00000.mp3",
        "speech/p240_00000.mp3",  # 24 kHz
        "grid/bbaf2n.mpg",  # MPEG-1 video with MP2 audio, 44.1 kHz stereo
        "grid/id2_vcd_swwp2s.mpg",
    ],
)
def test_real_files_decode_to_16k_mono_of_the_right_duration(shared_data: Path, name: str) -> None:
    path = shared_data / name
    with av.open(str(path)) as container:
        assert container.duration is not None
        expected_s = container.duration / av.time_base  # what the container says it holds
    samples = decode_file(path)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert len(samples) / RATE == pytest.approx(expected_s, abs=0.03)
    assert 0.05 < np.abs(samples).max() < 1.5  # speech, not silence or garbage


def test_an_8k_wav_is_resampled_properly(shared_data: Path) -> None:
    path = shared_data / FSDD_WAV
    with wave.open(str(path)) as wav:  # an independent reader of the same file
        assert wav.getframerate() == 8_000
        raw = np.frombuffer(wav.readframes(wav.getnframes()), "<i2") / 32768.0
    samples = decode_file(path)
    assert len(samples) == 2 * len(raw)
    reference = resample_poly(raw, 2, 1)
    assert np.corrcoef(samples[50:-50], reference[50:-50])[0, 1] > 0.99


def test_fast_playback_delivers_exactly_the_decoded_file(shared_data: Path) -> None:
    path = shared_data / "grid/bbaf2n.mpg"
    source = FileSource(path, realtime=False, block_ms=20)
    assert (source.rate, source.channels, source.realtime) == (RATE, 1, False)
    started = time.monotonic()
    played = _drain(source)
    assert time.monotonic() - started < 2.5  # a 3 s clip, not paced (loose: behaviour, not speed)
    np.testing.assert_array_equal(played, decode_file(path))


def test_realtime_playback_takes_about_as_long_as_the_audio(tmp_path: Path) -> None:
    t = np.arange(RATE) / RATE
    path = write_wav(tmp_path / "one_second.wav", 0.5 * np.sin(2 * np.pi * 220 * t), RATE)
    source = FileSource(path, realtime=True, block_ms=20)
    started = time.monotonic()
    played = _drain(source)
    elapsed = time.monotonic() - started
    assert len(played) == RATE
    assert 0.85 < elapsed < 1.8


def test_realtime_playback_is_paced_not_dumped(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "two_seconds.wav", np.zeros(2 * RATE), RATE)
    source = FileSource(path, realtime=True)
    ring = SampleRing(4 * RATE, 1)
    source.start(ring)
    try:
        time.sleep(0.5)
        written = ring.total_written
    finally:
        source.stop()
    assert 0.2 * RATE < written < 0.9 * RATE
    assert not source.finished  # stopped before the end


def test_loop_keeps_playing_until_stopped(shared_data: Path) -> None:
    path = shared_data / FSDD_WAV
    once = decode_file(path)
    source = FileSource(path, realtime=False, loop=True)
    ring = SampleRing(8192, 1)
    received: list[np.ndarray] = []
    source.start(ring)
    try:
        while sum(len(piece) for piece in received) < 3 * len(once) and ring.wait(5.0):
            received.append(ring.read()[:, 0])
    finally:
        source.stop()
    played = np.concatenate(received)
    assert not source.finished
    np.testing.assert_array_equal(played[len(once) : 2 * len(once)], once)


def test_stop_is_idempotent_and_joins(shared_data: Path) -> None:
    source = FileSource(shared_data / "speech/1320_00000.mp3", realtime=True)
    source.start(SampleRing(RATE, 1))
    source.stop()
    source.stop()
    assert not [t for t in threading.enumerate() if t.name.startswith("talkrig-file-")]


def test_a_file_that_vanishes_after_construction_is_reported_after_start(
    shared_data: Path, tmp_path: Path
) -> None:
    path = tmp_path / "vanishing.wav"
    path.write_bytes((shared_data / FSDD_WAV).read_bytes())
    source = FileSource(path, realtime=False)
    path.unlink()
    source.start(SampleRing(8192, 1))
    deadline = time.monotonic() + 5.0
    while source.error is None and time.monotonic() < deadline:
        time.sleep(0.01)
    source.stop()
    assert source.error is not None and "vanishing.wav" in source.error
    assert not source.finished


# -- bad input: one AudioError naming the file --------------------------------------------------
def _random_bytes(tmp_path: Path) -> Path:
    path = tmp_path / "noise.mp3"
    path.write_bytes(np.random.default_rng(3).bytes(20_000))
    return path


def _random_ogg(tmp_path: Path) -> Path:
    path = tmp_path / "noise.ogg"
    path.write_bytes(np.random.default_rng(4).bytes(5_000))
    return path


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    return path


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "missing.wav"


def _no_samples(tmp_path: Path) -> Path:
    return write_wav(tmp_path / "header_only.wav", np.zeros(0), RATE)


def _video_only(tmp_path: Path) -> Path:
    path = tmp_path / "silent_film.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(5):
            image = np.full((48, 64, 3), 40 * i, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


BAD_FILES = {
    "random bytes": (_random_bytes, "cannot be read"),
    "random bytes as ogg": (_random_ogg, "cannot be read"),
    "empty": (_empty, "cannot be read"),
    "missing": (_missing, "does not exist"),
    "header, no samples": (_no_samples, "no audio samples"),
    "video without audio": (_video_only, "no audio stream"),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_bad_files_raise_one_audio_error_naming_the_file(tmp_path: Path, kind: str) -> None:
    make, problem = BAD_FILES[kind]
    path = make(tmp_path)
    with pytest.raises(AudioError, match=problem) as raised:
        FileSource(path)
    assert path.name in str(raised.value)
    with pytest.raises(AudioError, match=problem):
        decode_file(path)
