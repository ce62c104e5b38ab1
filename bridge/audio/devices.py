"""Input devices as PortAudio sees them, and how a user's device spec picks one.

PortAudio is loaded on first use, not at import: a file or a stream server works on a machine
without ``libportaudio2``, and a missing library becomes one :class:`AudioError`. All functions
here are called from the controlling thread (CLI, GUI), never from the audio callback.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from talkrig.bridge.audio.base import AudioError

DEFAULT_SPECS = ("", "mic", "default")


@dataclass(frozen=True)
class DeviceInfo:
    """One input device."""

    index: int
    name: str
    hostapi: str
    default_rate: float
    max_input_channels: int
    is_default: bool

    def describe(self) -> str:
        """One line for listings and error messages."""
        default = ", default" if self.is_default else ""
        return (
            f"[{self.index}] {self.name} ({self.hostapi}, {self.max_input_channels} ch, "
            f"{self.default_rate:g} Hz{default})"
        )


def portaudio() -> ModuleType:
    """The ``sounddevice`` module (which loads PortAudio), or AudioError when it cannot load."""
    try:
        import sounddevice
    except OSError as exc:  # sounddevice raises OSError when the shared library is absent
        raise AudioError(
            f"cannot use audio devices: {exc} (install PortAudio, e.g. Debian's libportaudio2)"
        ) from exc
    return sounddevice


def rescan() -> None:
    """Re-enumerate devices (a device plugged in, or a JACK server started, after the first
    scan). PortAudio is restarted: call it only while no input stream is open, and not after
    the JACK server PortAudio was connected to has died (libjack then aborts the process)."""
    sd = portaudio()
    sd._terminate()
    sd._initialize()


def list_devices(refresh: bool = False) -> list[DeviceInfo]:
    """Input devices only, in PortAudio's order; ``refresh`` rescans first (see :func:`rescan`)."""
    sd = portaudio()
    if refresh:
        rescan()
    hostapis = sd.query_hostapis()
    default = _default_input_index(sd)
    return [
        DeviceInfo(
            index=int(dev["index"]),
            name=str(dev["name"]),
            hostapi=str(hostapis[dev["hostapi"]]["name"]),
            default_rate=float(dev["default_samplerate"]),
            max_input_channels=int(dev["max_input_channels"]),
            is_default=int(dev["index"]) == default,
        )
        for dev in sd.query_devices()
        if dev["max_input_channels"] > 0
    ]


def find_input_device(spec: str | int | None) -> DeviceInfo:
    """The device a user means: None/"mic"/"default" → the default input; an int or a string
    of digits → that index; any other string → the device whose name contains it
    (case-insensitive; an exact name wins over partial matches). AudioError lists what exists."""
    devices = list_devices()
    if spec is None or (isinstance(spec, str) and spec.strip().lower() in DEFAULT_SPECS):
        found = [d for d in devices if d.is_default] or devices[:1]
        if not found:
            raise AudioError(f"no audio input device found{_listing(devices)}")
        return found[0]
    if isinstance(spec, int) or spec.strip().isdigit():
        index = int(spec)
        found = [d for d in devices if d.index == index]
        if not found:
            raise AudioError(f"no audio input device with index {index}{_listing(devices)}")
        return found[0]
    wanted = spec.strip().lower()
    exact = [d for d in devices if d.name.lower() == wanted]
    partial = [d for d in devices if wanted in d.name.lower()]
    found = exact or partial
    if not found:
        raise AudioError(f"no audio input device matches {spec!r}{_listing(devices)}")
    if len(found) > 1:
        raise AudioError(
            f"audio input device {spec!r} is ambiguous; use an index{_listing(found, 'matches')}"
        )
    return found[0]


def _default_input_index(sd: ModuleType) -> int:
    try:
        return int(sd.query_devices(kind="input")["index"])
    except (sd.PortAudioError, ValueError):  # no default input device at all
        return -1


def _listing(devices: list[DeviceInfo], what: str = "input devices") -> str:
    if not devices:
        return "; PortAudio lists no input devices"
    return f"; {what}:\n" + "\n".join(f"  {d.describe()}" for d in devices)
