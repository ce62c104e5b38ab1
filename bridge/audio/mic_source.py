"""``MicSource``: a PortAudio input (microphone, virtual cable, JACK port) into a SampleRing."""

from __future__ import annotations

import atexit
import threading
import time
from typing import Any

import numpy as np

from talkrig.bridge.audio.base import AudioError, AudioSource, SampleSink
from talkrig.bridge.audio.devices import find_input_device, portaudio
from talkrig.bridge.audio.resample import MAX_RATE

MIN_DEVICE_RATE = 16_000  # below the model's rate a device cannot carry its band
# A stream whose server dies (JACK) ends without PortAudio's finished callback: silence from the
# callback counter this long means the device is gone. 10 ms blocks make 1 s a hundred misses.
STALL_S = 1.0
FIRST_BLOCK_S = 5.0  # a PulseAudio source's first block can take ~2 s to come


class MicSource(AudioSource):
    """Captures an input device at its own default rate and channel count.

    The device is resolved and its settings checked at construction, so a wrong name fails
    before anything starts. The PortAudio callback (PortAudio's thread) only copies into the
    ring and counts status flags; it never logs or allocates a buffer.

    Args:
        device: index, name substring (case-insensitive), or None / "mic" for the default input.
        blocksize_ms: callback period; 10 ms keeps capture delay small against the 40 ms hop.
        channels: channels to capture; default: all the device has (the resampler averages).
    """

    realtime = True

    def __init__(
        self,
        device: str | int | None = None,
        *,
        blocksize_ms: int = 10,
        channels: int | None = None,
    ) -> None:
        info = find_input_device(device)
        self.device = info
        self.name = info.name
        self.rate = round(info.default_rate)
        if not MIN_DEVICE_RATE <= self.rate <= MAX_RATE:
            raise AudioError(
                f"input device {info.describe()} runs at {self.rate} Hz; "
                f"TalkRig needs {MIN_DEVICE_RATE}–{MAX_RATE} Hz"
            )
        self.channels = info.max_input_channels if channels is None else channels
        if not 1 <= self.channels <= info.max_input_channels:
            raise AudioError(
                f"input device {info.describe()} cannot capture {self.channels} channels"
            )
        self.blocksize = max(1, self.rate * blocksize_ms // 1000)
        sd = portaudio()
        try:
            sd.check_input_settings(
                device=info.index, channels=self.channels, dtype="float32", samplerate=self.rate
            )
        except sd.PortAudioError as exc:
            raise AudioError(f"input device {info.describe()} refuses the settings: {exc}") from exc
        self._stream: Any = None
        self._stopping = threading.Event()
        self._error: str | None = None
        self.status_flags = 0  # callbacks that reported overflow or another PortAudio status
        self.callbacks = 0
        self._seen = (0, 0.0)  # (callbacks, monotonic time) when the counter last moved
        self.portaudio_restartable = True

    @property
    def is_jack(self) -> bool:
        return "JACK" in self.device.hostapi.upper()

    @property
    def error(self) -> str | None:
        """Why the device stopped delivering after :meth:`start`, else None (engine or GUI
        thread; both may poll: a race only delays the stall verdict by one poll)."""
        if self._error is None and self._stream is not None and not self._stopping.is_set():
            count, now = self.callbacks, time.monotonic()
            seen_count, seen_at = self._seen
            if count != seen_count:
                self._seen = (count, now)
            elif now - seen_at > (STALL_S if count else FIRST_BLOCK_S):
                self._error = (
                    f"input device {self.name!r} delivered no audio for {now - seen_at:.1f} s "
                    "(unplugged, or its audio server stopped?)"
                )
        return self._error

    def start(self, ring: SampleSink) -> None:
        """Open and start the input stream; AudioError when PortAudio refuses."""
        if ring.channels != self.channels:
            raise ValueError(f"ring has {ring.channels} channels, source {self.channels}")
        if self._stream is not None:
            raise RuntimeError(f"input device {self.name!r} is already started")
        sd = portaudio()
        write = ring.write
        self._stopping.clear()

        def callback(indata: np.ndarray, frames: int, time: Any, status: Any) -> None:
            # PortAudio's thread: copy and count, nothing else.
            if status:
                self.status_flags += 1
            self.callbacks += 1
            write(indata)

        try:
            stream = sd.InputStream(
                device=self.device.index,
                channels=self.channels,
                samplerate=self.rate,
                blocksize=self.blocksize,
                dtype="float32",
                callback=callback,
                finished_callback=self._on_finished,
            )
            stream.start()
        except sd.PortAudioError as exc:
            raise AudioError(f"cannot open input device {self.device.describe()}: {exc}") from exc
        self._seen = (self.callbacks, time.monotonic())
        self._stream = stream

    def _on_finished(self) -> None:
        # PortAudio's thread: a stream that ends without stop() lost its device.
        if not self._stopping.is_set():
            self._error = f"input device {self.name!r} stopped delivering audio (unplugged?)"

    def stop(self) -> None:
        """Abort and close the stream (idempotent).

        A JACK stream that lost its device lost its server: closing it, or restarting PortAudio
        afterwards, trips an assertion in PortAudio's JACK code that aborts the process. Such a
        stream is left alone, ``portaudio_restartable`` turns False (see
        :func:`~talkrig.bridge.audio.devices.rescan`), and sounddevice's exit handler, which
        would terminate PortAudio, is dropped: the process then exits cleanly.
        """
        lost = self.error is not None
        self._stopping.set()
        stream, self._stream = self._stream, None
        if stream is None:
            return
        if lost and self.is_jack:
            self.portaudio_restartable = False
            atexit.unregister(portaudio()._exit_handler)
            return
        stream.abort(ignore_errors=True)
        stream.close(ignore_errors=True)
