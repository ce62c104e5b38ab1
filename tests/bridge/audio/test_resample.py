"""StreamResampler: frequency and level kept, no aliasing, chunking does not matter."""

from __future__ import annotations

import numpy as np
import pytest

from talkrig.bridge.audio.base import AudioError
from talkrig.bridge.audio.resample import StreamResampler

OUT = 16_000


def _tone(rate: int, freq: float, seconds: float, amp: float, channels: int = 2) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    mono = (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.repeat(mono[:, None], channels, axis=1)  # (n, channels)


def _peak_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spectrum) * rate / len(x))


def _whole(resampler: StreamResampler, block: np.ndarray) -> np.ndarray:
    return np.concatenate([resampler(block), resampler.flush()])


@pytest.mark.parametrize("rate", [44_100, 48_000, 96_000, 192_000])
def test_stereo_tone_becomes_a_16k_mono_tone_of_the_same_pitch_and_level(rate: int) -> None:
    out = _whole(StreamResampler(rate, 2), _tone(rate, 440.0, 1.0, 0.5))
    assert out.dtype == np.float32 and out.ndim == 1
    assert abs(len(out) - OUT) <= 2
    middle = out[2000:-2000]  # away from the filter's start-up and the end
    assert _peak_hz(middle, OUT) == pytest.approx(440.0, abs=2.0)
    assert np.sqrt(2 * np.mean(middle**2)) == pytest.approx(0.5, rel=0.01)


@pytest.mark.parametrize("rate", [48_000, 96_000])
def test_a_tone_above_8k_is_removed_not_folded(rate: int) -> None:
    tone = _tone(rate, 11_000.0, 1.0, 0.5)
    naive = tone[:: rate // OUT, 0]  # plain decimation folds 11 kHz down to 5 kHz
    assert np.sqrt(np.mean(naive**2)) > 0.3
    assert _peak_hz(naive, OUT) == pytest.approx(5_000.0, abs=5.0)
    out = _whole(StreamResampler(rate, 2), tone)
    assert np.sqrt(np.mean(out[2000:-2000] ** 2)) < 1e-3


def test_channels_are_averaged() -> None:
    block = _tone(48_000, 300.0, 0.5, 0.8)
    block[:, 1] = 0.0  # right silent: the mix is half the left
    out = _whole(StreamResampler(48_000, 2), block)[1000:-1000]
    assert np.sqrt(2 * np.mean(out**2)) == pytest.approx(0.4, rel=0.01)


@pytest.mark.parametrize("rate,channels", [(44_100, 2), (8_000, 1), (48_000, 6)])
def test_chunked_stream_equals_the_whole_signal(rate: int, channels: int) -> None:
    rng = np.random.default_rng(7)
    signal = (0.3 * rng.standard_normal((rate, channels))).astype(np.float32)
    whole = _whole(StreamResampler(rate, channels), signal)
    chunked_resampler = StreamResampler(rate, channels)
    cuts = np.sort(rng.integers(0, rate, size=40))
    pieces = [chunked_resampler(part) for part in np.split(signal, cuts)]
    chunked = np.concatenate([*pieces, chunked_resampler.flush()])
    assert chunked.shape == whole.shape
    np.testing.assert_allclose(chunked, whole, atol=1e-6)


def test_8k_file_rate_is_upsampled_to_16k() -> None:
    out = _whole(StreamResampler(8_000, 1), _tone(8_000, 1_000.0, 1.0, 0.5, channels=1))
    assert abs(len(out) - OUT) <= 2
    assert _peak_hz(out[1000:-1000], OUT) == pytest.approx(1_000.0, abs=2.0)


def test_16k_mono_passes_through_without_a_copy() -> None:
    resampler = StreamResampler(OUT, 1)
    block = np.random.default_rng(0).random((640, 1), dtype=np.float32)
    out = resampler(block)
    assert np.shares_memory(out, block)
    np.testing.assert_array_equal(out, block[:, 0])
    assert resampler.flush().shape == (0,)


def test_16k_stereo_is_only_downmixed() -> None:
    block = np.stack([np.full(100, 0.2), np.full(100, 0.6)], axis=1).astype(np.float32)
    np.testing.assert_allclose(StreamResampler(OUT, 2)(block), 0.4, rtol=1e-6)


@pytest.mark.parametrize("rate", [4_000, 7_999, 192_001, 384_000])
def test_rates_outside_8k_to_192k_are_refused(rate: int) -> None:
    with pytest.raises(AudioError, match=f"{rate} Hz"):
        StreamResampler(rate, 1)


def test_wrong_block_shape_is_refused() -> None:
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        StreamResampler(48_000, 2)(np.zeros((10, 1), dtype=np.float32))
