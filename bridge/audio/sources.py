"""Where audio comes from: one spec string (CLI argument, GUI choice) → an AudioSource.

This module gathers the source kinds; :func:`open_source` is what the CLI and the app call.
"""

from __future__ import annotations

from pathlib import Path

from talkrig.bridge.audio.base import AudioError, AudioSource
from talkrig.bridge.audio.file_source import FileSource, decode_file
from talkrig.bridge.audio.mic_source import MicSource
from talkrig.bridge.audio.retry import DeviceOpener, RetryingInput, open_device

__all__ = [
    "AudioError",
    "AudioSource",
    "FileSource",
    "MicSource",
    "decode_file",
    "demo_path",
    "open_source",
]

DEMO_SPEC = "demo"
MIC_SPEC = "mic"


def demo_path() -> Path:
    """The bundled demo speech clip (``talkrig/bridge/assets/demo.ogg``, CC0)."""
    return Path(__file__).resolve().parent.parent / "assets" / "demo.ogg"


def open_source(
    spec: str, *, fast: bool = False, loop: bool = False, opener: DeviceOpener | None = None
) -> AudioSource:
    """Resolve a user's source spec (controlling thread): the one place the CLI's ``--source``
    and the app's input choice become an AudioSource.

    - ``"demo"``: the bundled demo clip;
    - a path to an existing file: that file (real-time paced unless ``fast``);
    - an input device, reopened by name when it is lost (:class:`RetryingInput`): without
      ``opener``, ``"mic"`` (or ``""``) for the default input, else an index or
      case-insensitive name substring (the CLI); with ``opener``, the device of exactly that
      name, opened by ``opener`` (the app, whose settings keep names).

    ``fast`` (as fast as possible) and ``loop`` (start again at the end, until stopped) only
    make sense for a file: AudioError for a device.
    AudioError, naming the spec, for anything that cannot be opened.
    """
    text = spec.strip()
    if text.lower() == DEMO_SPEC:
        return FileSource(demo_path(), realtime=not fast, loop=loop)
    path = Path(text).expanduser()
    if text and path.is_file():
        return FileSource(path, realtime=not fast, loop=loop)
    if fast or loop:
        how = "read as fast as possible" if fast else "looped"
        raise AudioError(
            f"{spec!r} is not a file: only files can be {how} "
            "(a device delivers audio in real time)"
        )
    if opener is not None:
        return RetryingInput(spec, opener(spec, False), opener)
    device = _find_device(text)
    return RetryingInput(device.device.name, device, open_device)


def _find_device(text: str) -> MicSource:
    """The default input (``"mic"`` or ``""``), or a device by index or name substring."""
    if text.lower() in ("", MIC_SPEC):
        return MicSource(None)
    try:
        return MicSource(text)
    except AudioError as exc:
        # The user may have meant a file: say both readings failed.
        raise AudioError(f"{text!r} is not an existing file; as an input device: {exc}") from exc
