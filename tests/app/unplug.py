"""A device that can be pulled and plugged back, for the tests of lost inputs.

Real demo audio paced in real time; it ends the way PortAudio ends a stream whose device was
pulled (``error`` set, no more blocks), and while unplugged it cannot be opened (``AudioError``,
as ``talkrig.bridge.audio.retry.open_device`` raises). Why not a real JACK server restart: see
test_input_retry.py.
"""

from __future__ import annotations

from talkrig.bridge.audio.base import AudioError
from talkrig.bridge.audio.file_source import FileSource
from talkrig.bridge.audio.sources import demo_path

NAME = "Flaky Mic"


class UnpluggableDevice(FileSource):
    """The demo clip, looped in real time, standing in for a device that can be pulled."""

    def __init__(self, name: str = NAME) -> None:
        super().__init__(demo_path(), realtime=True, loop=True)
        self.name = name

    def unplug(self) -> None:
        self.stop()
        self._error = f"input device {self.name!r} stopped delivering audio (unplugged?)"


class PlugBoard:
    """Opens the device by name while it is plugged in; records every attempt."""

    def __init__(self) -> None:
        self.plugged = True
        self.attempts: list[bool] = []  # the rescan flag of each call
        self.devices: list[UnpluggableDevice] = []
        self.rate = 16_000

    def open(self, name: str, rescan: bool) -> UnpluggableDevice:
        self.attempts.append(rescan)
        if not self.plugged or name != NAME:
            raise AudioError(f"input device {name!r} is not connected")
        device = UnpluggableDevice(name)
        device.rate = self.rate
        self.devices.append(device)
        return device
