"""Offline speech synthesis with timed phonemes: espeak-ng through its C API (ctypes).

``espeak-ng --pho`` prints nothing without an MBROLA voice, so we call ``libespeak-ng.so.1``
directly in synchronous mode with phoneme events switched on: the synthesis callback receives
the 16-bit audio and, with it, one event per phoneme carrying its mnemonic (English espeak-ng
symbols such as ``p``, ``aI``, ``u:``) and the sample at which it starts. A phone lasts until
the next phoneme or sentence end; the last one until the end of the sound.

The library is process-global state: construct one :class:`Espeak` per process and call it from
one thread only (the bootstrap builder's). Debian package: ``espeak-ng`` (``libespeak-ng1``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
from dataclasses import dataclass
from multiprocessing.connection import Connection

import numpy as np

from .visemes import Phone

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_INITIALIZE_DONT_EXIT = 0x8000
_POS_CHARACTER = 1
_EVENT_LIST_TERMINATED, _EVENT_MSG_TERMINATED, _EVENT_PHONEME = 0, 6, 7
_RATE, _PITCH, _RANGE = 1, 3, 4
_OK = 0
RATE_RANGE = (80, 450)  # words per minute espeak-ng accepts
_LIBRARY_NAMES = ("libespeak-ng.so.1", "espeak-ng")

# Voices (file names: "en" is British English) and variants in Debian 12's espeak-ng-data;
# the bootstrap corpus draws from their product.
LANGUAGES = ("en-us", "en", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-gb-x-gbclan")
VARIANTS = (
    "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5",
    "klatt", "klatt2", "klatt3", "klatt4", "Andy", "annie", "Denis", "john", "linda", "max",
    "michel", "paul", "steph", "aunty", "grandma", "grandpa", "edward", "david",
)  # fmt: skip


class SynthError(RuntimeError):
    """espeak-ng is missing, rejects a voice or parameter, or produced no sound."""


class _Event(ctypes.Structure):
    """``espeak_EVENT`` of speak_lib.h (the ``id`` union read as its 8-byte ``string``)."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice: ``language`` (e.g. ``en-us``), optional ``variant`` (``f3``),
    ``rate`` in words per minute, ``pitch`` and ``pitch_range`` in 0..100."""

    language: str = "en-us"
    variant: str = ""
    rate: int = 165
    pitch: int = 50
    pitch_range: int = 50

    @property
    def name(self) -> str:
        """The espeak-ng voice name: ``en-us+f3``."""
        return f"{self.language}+{self.variant}" if self.variant else self.language


@dataclass(frozen=True)
class Speech:
    """Synthesized speech: ``audio`` (n,) float32 in [-1, 1] at ``sample_rate`` Hz and the
    ``phones`` in order, covering [0, n / sample_rate] without gaps."""

    audio: np.ndarray
    sample_rate: int
    phones: tuple[Phone, ...]


def _load(names: tuple[str, ...]) -> ctypes.CDLL:
    """The first of ``names`` (a file name, or a library name for ``find_library``) that loads."""
    for name in names:
        path = name if "." in name else ctypes.util.find_library(name)
        if path is None:
            continue
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    raise SynthError(
        f"espeak-ng library not found (tried {', '.join(names)}): "
        "install the Debian package espeak-ng"
    )


class Espeak:
    """espeak-ng in this process. Not thread-safe; one instance per process."""

    def __init__(self, library: str | None = None) -> None:
        self._lib = _load((library,) if library else _LIBRARY_NAMES)
        flags = _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_DONT_EXIT
        self.sample_rate = int(
            self._lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, flags)
        )
        if self.sample_rate <= 0:
            raise SynthError("espeak-ng failed to initialise (is espeak-ng-data installed?)")
        self._lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip

    def _voice(self, voice: Voice) -> None:
        if self._lib.espeak_SetVoiceByName(voice.name.encode("ascii")) != _OK:
            raise SynthError(f"espeak-ng has no voice {voice.name!r}")
        rate = int(np.clip(voice.rate, *RATE_RANGE))
        for parameter, value in ((_RATE, rate), (_PITCH, voice.pitch), (_RANGE, voice.pitch_range)):
            if not 0 <= value <= 1000:
                raise SynthError(f"voice {voice.name!r}: parameter value {value} out of range")
            self._lib.espeak_SetParameter(parameter, int(value), 0)

    def speak(self, text: str, voice: Voice = Voice()) -> Speech:
        """Synthesize ``text`` (plain English) with ``voice``; phones cover the whole sound."""
        if not text.strip():
            raise SynthError("cannot synthesize empty text")
        self._voice(voice)
        chunks: list[bytes] = []
        starts: list[tuple[str, int]] = []

        def collect(
            wav: ctypes._Pointer[ctypes.c_short], count: int, events: ctypes._Pointer[_Event]
        ) -> int:
            # runs inside espeak_Synth on this thread: copy out and return at once
            if wav and count > 0:
                chunks.append(ctypes.string_at(wav, count * 2))
            k = 0
            while events[k].type != _EVENT_LIST_TERMINATED:
                event = events[k]
                if event.type == _EVENT_PHONEME:
                    symbol = bytes(event.id).split(b"\0")[0].decode("ascii", "replace")
                    starts.append((symbol, int(event.sample)))
                elif event.type == _EVENT_MSG_TERMINATED:
                    break
                k += 1
            return 0

        callback = _CALLBACK(collect)  # must outlive the synthesis call
        self._lib.espeak_SetSynthCallback(callback)
        data = text.encode("utf-8")
        status = self._lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, 0, None, None)
        self._lib.espeak_Synchronize()
        if status != _OK:
            raise SynthError(f"espeak-ng failed on {text[:40]!r} with voice {voice.name!r}")
        audio = np.frombuffer(b"".join(chunks), np.int16).astype(np.float32) / 32768.0
        if len(audio) == 0 or not starts:
            raise SynthError(f"espeak-ng produced no sound for {text[:40]!r} ({voice.name})")
        return Speech(audio, self.sample_rate, _phones(starts, len(audio), self.sample_rate))


def _phones(starts: list[tuple[str, int]], samples: int, rate: int) -> tuple[Phone, ...]:
    """Phones from (symbol, start sample): each ends where the next starts; the first phone is
    preceded by a silence from 0 and the last one ends with the sound."""
    out = []
    raw = [min(max(s, 0), samples) for _, s in starts] + [samples]
    bounds = [int(b) for b in np.maximum.accumulate(raw)]  # events never run backwards
    if bounds[0] > 0:
        out.append(Phone("_", 0.0, bounds[0] / rate))
    for (symbol, _), begin, end in zip(starts, bounds[:-1], bounds[1:], strict=True):
        out.append(Phone(symbol, begin / rate, end / rate))
    return tuple(out)


def _child(connection: Connection, text: str, voice: Voice) -> None:
    """Forked worker: a newly initialised library speaks one utterance into the pipe."""
    try:
        connection.send(Espeak().speak(text, voice))
    except SynthError as exc:
        connection.send(exc)
    finally:
        connection.close()


def speak_fresh(text: str, voice: Voice = Voice(), timeout_s: float = 60.0) -> Speech:
    """:meth:`Espeak.speak` in a freshly forked process, so the result depends only on
    ``text`` and ``voice``. A crash or a hang of the library is a :class:`SynthError`."""
    context = multiprocessing.get_context("fork")  # the child inherits imports: a few ms
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, text, voice), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout_s):
            raise SynthError(f"espeak-ng took over {timeout_s} s on {text[:40]!r} ({voice.name})")
        result = receiver.recv()
    except EOFError:
        raise SynthError(f"espeak-ng crashed on {text[:40]!r} ({voice.name})") from None
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(timeout=5.0)
    if isinstance(result, SynthError):
        raise result
    return result
