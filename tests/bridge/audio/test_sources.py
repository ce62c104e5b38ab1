"""open_source: spec strings → sources; the bundled demo clip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from talkrig.bridge.audio.base import AudioError
from talkrig.bridge.audio.file_source import FileSource, decode_file
from talkrig.bridge.audio.framer import Framer
from talkrig.bridge.audio.resample import StreamResampler
from talkrig.bridge.audio.ring import SampleRing
from talkrig.bridge.audio.sources import demo_path, open_source
from talkrig.models.contract import HOP_SAMPLES, WINDOW_SAMPLES


def test_demo_clip_is_bundled_small_and_speech_length() -> None:
    path = demo_path()
    assert path.is_file()
    assert path.stat().st_size < 100_000
    samples = decode_file(path)
    assert 6.0 <= len(samples) / 16_000 <= 8.0
    assert samples.std() > 0.02  # it talks
    assert (path.parent / "README.md").is_file()  # provenance and licence


def test_demo_spec_opens_the_demo_clip() -> None:
    source = open_source("demo")
    assert isinstance(source, FileSource)
    assert source.path == demo_path()
    assert source.realtime
    assert open_source(" DEMO ", fast=True).realtime is False
    looped = open_source("demo", loop=True)
    assert isinstance(looped, FileSource) and looped.loop


def test_a_file_path_opens_a_file_source(shared_data: Path) -> None:
    path = shared_data / "speech/1320_00000.mp3"
    source = open_source(str(path))
    assert isinstance(source, FileSource) and source.realtime
    assert open_source(str(path), fast=True).realtime is False


def test_fast_and_loop_are_refused_for_a_device() -> None:
    with pytest.raises(AudioError, match="only files can be read as fast"):
        open_source("mic", fast=True)
    with pytest.raises(AudioError, match="only files can be looped"):
        open_source("mic", loop=True)


def test_a_missing_file_is_named_in_the_error(tmp_path: Path) -> None:
    missing = tmp_path / "nothing_here.wav"
    with pytest.raises(AudioError, match=r"nothing_here\.wav"):
        open_source(str(missing))


def test_demo_through_ring_resampler_and_framer_gives_every_window() -> None:
    """The chain the engine runs, file played as fast as possible."""
    source = open_source("demo", fast=True)
    ring = SampleRing(32_000, source.channels)
    resampler = StreamResampler(source.rate, source.channels)
    framer = Framer(WINDOW_SAMPLES, HOP_SAMPLES)
    windows: list[np.ndarray] = []
    source.start(ring)
    try:
        while not source.finished and source.error is None:
            if ring.wait(0.05):
                framer.push(resampler(ring.read()))
            while framer.due():
                windows.append(framer.take_next()[1])
    finally:
        source.stop()
    framer.push(resampler(ring.read()))
    framer.push(resampler.flush())
    while framer.due():
        windows.append(framer.take_next()[1])
    audio = decode_file(demo_path())
    assert len(windows) == (len(audio) - WINDOW_SAMPLES) // HOP_SAMPLES + 1
    np.testing.assert_array_equal(
        windows[-1], audio[(len(windows) - 1) * HOP_SAMPLES :][:WINDOW_SAMPLES]
    )
