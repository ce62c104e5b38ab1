"""``RetryingInput``: an input device that is reopened by name after it is lost.

The engine sees a source that never fails while the device is away (its thread just waits on
the ring, so targets stay open and other settings keep working); the controlling thread (the
app's display timer, ``talkrig run``'s status loop) calls :meth:`RetryingInput.poll`, which
notices the loss, reopens the device by name every ``retry_s`` and reports each change once.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from talkrig.bridge.audio.base import AudioError, AudioSource, SampleSink
from talkrig.bridge.audio.devices import list_devices
from talkrig.bridge.audio.mic_source import MicSource

RETRY_S = 2.0

# (device name, rescan first) → a new, not yet started source; AudioError when it is not there
DeviceOpener = Callable[[str, bool], AudioSource]


def open_device(name: str, rescan: bool = False) -> AudioSource:
    """The input device of that exact name (names are what settings keep; indices change);
    ``rescan`` makes PortAudio look for devices first (only while none of ours is open).
    Raises AudioError."""
    for info in list_devices(refresh=rescan):
        if info.name == name:
            return MicSource(info.index)
    raise AudioError(f"input device {name!r} is not connected")


class RetryingInput(AudioSource):
    """Wraps the source of one named input device.

    Args:
        name: the device name (what settings keep; indices change when devices come and go).
        first: the opened, not yet started source of that device.
        opener: opens the device again by name; ``rescan`` asks PortAudio to look for devices
            first (only passed True while no stream of ours is open).
        retry_s: seconds between attempts while the device is away.
        clock: monotonic seconds (injected so tests need not sleep through retries).

    Attributes:
        lost: why the device went away, while it is away; else None (GUI thread).
        retry_error: why the last reopening failed, or None.
        reconnects: how often the device came back.
    """

    def __init__(
        self,
        name: str,
        first: AudioSource,
        opener: DeviceOpener,
        *,
        retry_s: float = RETRY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.inner = first
        self.rate = first.rate
        self.channels = first.channels
        self.realtime = first.realtime
        self._opener = opener
        self._retry_s = retry_s
        self._clock = clock
        self._ring: SampleSink | None = None
        self._next_try = 0.0
        self._fatal: str | None = None
        self.lost: str | None = None
        self.retry_error: str | None = None
        self.reconnects = 0

    def start(self, ring: SampleSink) -> None:
        self._ring = ring
        self.inner.start(ring)

    def stop(self) -> None:
        self.inner.stop()

    @property
    def error(self) -> str | None:
        """Only what retrying cannot mend (engine thread): a device lost for good stays None."""
        return self._fatal

    def poll(self) -> str | None:
        """Notice a loss, retry when due; a message when the state changed, else None (GUI
        thread, from a timer)."""
        if self._ring is None or self._fatal is not None:
            return None
        if self.lost is None:
            problem = self.inner.error
            if problem is None:
                return None
            self.lost = problem
            self.inner.stop()
            self._next_try = self._clock() + self._retry_s
            if not self._can_rescan():
                # PortAudio cannot be restarted in this process (see MicSource.stop), so the
                # device can never be seen again here: say so instead of retrying in vain.
                self._fatal = (
                    f"input lost: {problem}; its JACK server went away and PortAudio cannot "
                    "reconnect to JACK without a restart of TalkRig"
                )
                return self._fatal
            return f"input lost: {problem}; retrying every {self._retry_s:g} s"
        if self._clock() < self._next_try:
            return None
        self._next_try = self._clock() + self._retry_s
        return self._reopen()

    def _can_rescan(self) -> bool:
        return not isinstance(self.inner, MicSource) or self.inner.portaudio_restartable

    def _reopen(self) -> str | None:
        assert self._ring is not None  # poll() returns before a start
        try:
            source = self._opener(self.name, True)
            if (source.rate, source.channels) != (self.rate, self.channels):
                source.stop()
                raise AudioError(
                    f"input device {self.name!r} came back at {source.rate} Hz, "
                    f"{source.channels} ch (the stream runs at {self.rate} Hz, "
                    f"{self.channels} ch): stop and start again"
                )
            source.start(self._ring)
        except AudioError as exc:
            self.retry_error = str(exc)
            return None
        self.inner = source
        self.lost = None
        self.retry_error = None
        self.reconnects += 1
        return f"input back: {self.name}"
