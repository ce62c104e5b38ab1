"""What the input, model and profile dropdowns offer: (label, value) lists, no Qt.

Values are what settings keep (device name, model name, profile name or path); labels are what
a user reads. Called on the GUI thread when the window opens and on "refresh".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from talkrig.app.settings import DEFAULT_AVATAR, DEMO_DEVICE, NO_PROFILE
from talkrig.bridge.announce import Announced
from talkrig.bridge.audio.base import AudioError
from talkrig.bridge.audio.devices import DeviceInfo
from talkrig.bridge.post.profile import shipped_profiles
from talkrig.bridge.senders.unity_osc import DEFAULT_PORT as UNITY_PORT
from talkrig.models.registry import Registry

DEMO_LABEL = "Demo voice (bundled)"
NO_PROFILE_LABEL = "(none: the 52 ARKit values as they are)"
DEFAULT_AVATAR_LABEL = "default (every avatar listening)"
LOCAL_HOSTS = ("127.0.0.1", "localhost")
PROFILE_SUFFIXES = (".toml", ".json")

DeviceLister = Callable[[bool], list[DeviceInfo]]  # list_devices(refresh)


@dataclass(frozen=True)
class Choice:
    """One dropdown entry; ``problem`` marks an entry that is listed but cannot work."""

    label: str
    value: str
    tooltip: str = ""
    problem: str | None = None


def device_choices(lister: DeviceLister, refresh: bool) -> tuple[list[Choice], str | None]:
    """Input devices (default first) then the demo voice, which is always there so the app is
    never a dead end; plus a notice when PortAudio cannot list devices."""
    try:
        devices = lister(refresh)
    except AudioError as exc:
        return [Choice(DEMO_LABEL, DEMO_DEVICE)], f"no audio devices: {exc}"
    devices = sorted(devices, key=lambda d: not d.is_default)
    out = [
        Choice(f"{d.name} ({d.hostapi}, {d.default_rate:g} Hz)", d.name, d.describe())
        for d in devices
    ]
    out.append(Choice(DEMO_LABEL, DEMO_DEVICE, "the bundled demo speech clip, looped"))
    return out, None


def model_choices(registry: Registry) -> list[Choice]:
    """Every registry entry; broken files are listed with their problem."""
    out = []
    for entry in registry.entries():
        card = entry.card
        if card is None:
            out.append(
                Choice(f"{entry.name}: broken", entry.name, str(entry.path), problem=entry.error)
            )
            continue
        label = (
            f"{card.name}: {card.representation.value}, {card.family.value}, "
            f"{card.lookahead_ms:.0f} ms look-ahead"
        )
        out.append(Choice(label, card.name, f"{card.architecture}; {entry.path}"))
    return out


def profile_choices(user_dir: Path) -> list[Choice]:
    """No profile, the shipped presets (by name), then the user's files in ``user_dir``
    (by path, so a user file never shadows a preset of the same name)."""
    out = [Choice(NO_PROFILE_LABEL, NO_PROFILE)]
    out += [Choice(name, name, str(path)) for name, path in shipped_profiles().items()]
    if user_dir.is_dir():
        for path in sorted(user_dir.iterdir()):
            if path.suffix.lower() in PROFILE_SUFFIXES and path.is_file():
                out.append(Choice(f"{path.stem} (yours)", str(path), str(path)))
    return out


def pick(choices: list[Choice], wanted: str, fallback: str, what: str) -> tuple[str, str | None]:
    """The value to select: ``wanted`` if offered, else ``fallback`` (else the first entry),
    with a notice saying what was missing and naming the stand-in as the dropdown shows it."""
    values = [c.value for c in choices]
    if wanted in values:
        return wanted, None
    chosen = fallback if fallback in values else (values[0] if values else "")
    if not choices:
        return chosen, f"saved {what} {wanted!r} is not available, and there is nothing to use"
    label = next(c.label for c in choices if c.value == chosen)
    return chosen, f"saved {what} {wanted!r} is not available; using {label}"


def avatar_choices(announced: list[Announced], current: str) -> list[Choice]:
    """ "default", the avatars Unity receivers announce (value ``"PORT/ID"``), and ``current``
    when it is an id no receiver announces now (so a saved choice is never lost)."""
    out = [Choice(DEFAULT_AVATAR_LABEL, DEFAULT_AVATAR, "frames carry the avatar id 'default'")]
    out += [
        Choice(a.label, f"{a.port}/{a.avatar}", f"announced by {a.host}:{a.port}")
        for a in announced
    ]
    if current != DEFAULT_AVATAR and current not in (a.avatar for a in announced):
        out.append(Choice(f"{current} (not announced now)", current, "the saved avatar id"))
    return out


def split_avatar(value: str) -> tuple[str, int | None]:
    """An avatar choice value → (avatar id, announcing receiver's port or None)."""
    port, slash, avatar = value.partition("/")
    if slash and port.isdigit() and avatar:
        return avatar, int(port)
    return value, None


def is_local_unity(spec: str, port: int) -> bool:
    """Whether target ``spec`` sends TalkRig OSC to this machine's ``port``."""
    url = urlsplit(spec.strip())
    try:
        spec_port = url.port or UNITY_PORT
    except ValueError:
        return False
    host = url.hostname or LOCAL_HOSTS[0]
    return url.scheme.lower() == "unity" and host in LOCAL_HOSTS and spec_port == port
