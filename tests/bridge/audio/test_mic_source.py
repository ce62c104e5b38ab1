"""MicSource and device listing against a real PortAudio stream on JACK's dummy backend."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from talkrig.bridge.audio.base import AudioError
from talkrig.bridge.audio.devices import DeviceInfo, find_input_device, list_devices
from talkrig.bridge.audio.mic_source import MicSource
from talkrig.bridge.audio.resample import StreamResampler
from talkrig.bridge.audio.ring import SampleRing
from talkrig.bridge.audio.sources import open_source

pytestmark = pytest.mark.jack


def _jack_device() -> DeviceInfo:
    found = [d for d in list_devices() if "JACK" in d.hostapi]
    assert found, f"no JACK input device in {list_devices()}"
    return found[0]


def test_the_jack_device_is_listed_with_rate_and_channels(jack_server: str) -> None:
    device = _jack_device()
    assert device.default_rate == 16_000
    assert device.max_input_channels == 2  # the dummy backend's two capture ports
    assert device.is_default
    assert find_input_device(None) == device
    assert find_input_device("mic") == device
    assert find_input_device(device.index) == device
    assert find_input_device(device.name.upper()) == device
    assert "JACK" in device.describe()


def test_microphone_blocks_arrive_in_the_ring_in_real_time(jack_server: str) -> None:
    source = MicSource(None, blocksize_ms=40)
    assert (source.rate, source.channels, source.realtime) == (16_000, 2, True)
    ring = SampleRing(2 * source.rate, source.channels)
    source.start(ring)
    try:
        time.sleep(1.0)
    finally:
        source.stop()
    source.stop()  # idempotent
    assert 15 <= source.callbacks <= 35  # ≈ 25 blocks of 40 ms per second
    assert 0.6 * source.rate <= ring.total_written <= 1.4 * source.rate
    assert ring.read().shape[1] == 2
    assert source.error is None


@pytest.fixture
def tone_into_portaudio(jack_server: str) -> Iterator[None]:
    """A JACK client that plays a 440 Hz, 0.5-amplitude sine into every PortAudio input port
    that appears (PortAudio registers its ports when a stream opens)."""
    import jack

    client = jack.Client("talkrig-tone", servername=jack_server, no_start_server=True)
    out = client.outports.register("out")
    phase = [0]
    stop = threading.Event()

    @client.set_process_callback
    def process(frames: int) -> None:
        t = (phase[0] + np.arange(frames)) / client.samplerate
        out.get_array()[:] = 0.5 * np.sin(2 * np.pi * 440.0 * t)
        phase[0] += frames

    def connect() -> None:
        connected: set[str] = set()
        while not stop.wait(0.02):
            try:
                ports = client.get_ports("PortAudio", is_input=True, is_audio=True)
            except jack.JackError:  # a stream closed while its ports were being listed
                continue
            for port in ports:
                if port.name not in connected:
                    try:
                        client.connect(out, port)
                    except jack.JackError:  # the stream closed between listing and connecting
                        continue
                    connected.add(port.name)

    client.activate()
    connector = threading.Thread(target=connect)
    connector.start()
    try:
        yield
    finally:
        stop.set()
        connector.join(5.0)
        client.deactivate()
        client.close()


def test_real_audio_fed_through_jack_arrives_intact(tone_into_portaudio: None) -> None:
    source = MicSource(None, channels=1)
    ring = SampleRing(2 * source.rate, 1)
    source.start(ring)
    try:
        time.sleep(1.0)
    finally:
        source.stop()
    mono = StreamResampler(source.rate, 1)(ring.read())
    tail = mono[-8000:]  # the last 0.5 s, after the connection was made
    spectrum = np.abs(np.fft.rfft(tail * np.hanning(len(tail))))
    assert np.argmax(spectrum) * 16_000 / len(tail) == pytest.approx(440.0, abs=4.0)
    assert np.sqrt(2 * np.mean(tail**2)) == pytest.approx(0.5, rel=0.02)


def test_unknown_device_names_are_refused_with_the_list(jack_server: str) -> None:
    name = _jack_device().name
    with pytest.raises(AudioError, match="no audio input device matches 'no such mic'") as raised:
        MicSource("no such mic")
    assert name in str(raised.value)
    with pytest.raises(AudioError, match="index 999"):
        MicSource(999)
    with pytest.raises(AudioError, match="as an input device") as raised:
        open_source("no such mic")
    assert name in str(raised.value)


def test_more_channels_than_the_device_has_are_refused(jack_server: str) -> None:
    with pytest.raises(AudioError, match="cannot capture 3 channels"):
        MicSource(None, channels=3)


def test_a_device_cannot_be_read_fast(jack_server: str) -> None:
    with pytest.raises(AudioError, match="only files"):
        open_source(_jack_device().name, fast=True)
