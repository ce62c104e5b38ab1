"""TalkRig's own OSC address space for the Unity receiver (docs/wire-formats.md §6).

docs/osc-address-space.md is the reference, with a hex example per message; the fixture
tests/fixtures/golden_datagrams.json pins the bytes for the Python and the C# tests alike.

============================  ===============================================================
``/talkrig/hello``            ``,sissiii`` "talkrig", protocol version, avatar, representation,
                              count (52 or points), dims (1 for blendshapes), frames per second
``/talkrig/blendshapes``      ``,siiii`` + 52 ``f``: avatar, sequence, time hi, time lo, flags,
                              then the 52 values in canonical ARKit order
``/talkrig/landmarks``        ``,siiiiiiiii`` + n ``f``: avatar, sequence, time hi, time lo,
                              flags, points, dims, chunk index, chunk count, first point, then
                              ``n = points_in_chunk * dims`` coordinates (x, y[, z] per point)
============================  ===============================================================

The capture time travels as unsigned 64-bit microseconds since the UNIX epoch split into two
``i`` words (``hi``, ``lo``), because ``i``/``f``/``s`` is what every OSC parser (OscJack
included) understands and ``d``/``h``/``t`` are not. Flags bit 0 = voiced.
"""

from __future__ import annotations

import time
from typing import Any

from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from talkrig.bridge.frame import FaceFrame
from talkrig.bridge.senders.osc_template import OscTemplate
from talkrig.bridge.senders.udp import UdpSender
from talkrig.models import arkit
from talkrig.models.contract import FRAME_RATE, Representation

DEFAULT_PORT = 39541
PROTOCOL_VERSION = 1
HELLO_ADDRESS = "/talkrig/hello"
BLENDSHAPES_ADDRESS = "/talkrig/blendshapes"
LANDMARKS_ADDRESS = "/talkrig/landmarks"
MAX_AVATAR_BYTES = 64
# 240 floats per landmark chunk keeps every datagram ≤ 1,472 B even with a 64-byte avatar id
# (1,336 B for 80 3D points); 478×3 → 6 chunks, 68×2 → 1.
CHUNK_FLOATS = 240
FLAG_VOICED = 1
HELLO_INTERVAL_S = 1.0
_MAX_TEMPLATES = 16  # avatar ids (× landmark shapes) whose templates are kept


def check_avatar(avatar: str) -> str:
    """Return ``avatar`` or raise ``ValueError`` (empty, NUL inside, over 64 UTF-8 bytes)."""
    size = len(avatar.encode("utf-8"))
    if not avatar or "\0" in avatar or size > MAX_AVATAR_BYTES:
        raise ValueError(f"avatar id {avatar!r} must be 1–{MAX_AVATAR_BYTES} UTF-8 bytes, no NUL")
    return avatar


def split_time(capture_time: float) -> tuple[int, int]:
    """UNIX seconds → (hi, lo) unsigned 32-bit words of the microsecond count."""
    micros = round(capture_time * 1_000_000) & 0xFFFF_FFFF_FFFF_FFFF
    return micros >> 32, micros & 0xFFFF_FFFF


def _message(address: str, args: list[tuple[str, Any]]) -> OscMessage:
    builder = OscMessageBuilder(address)
    for tag, value in args:
        builder.add_arg(value, tag)
    return builder.build()


def hello_message(avatar: str, representation: Representation, count: int, dims: int) -> bytes:
    """The announce datagram (``count`` = 52 for blendshapes, else points; ``dims`` 1, 2 or 3)."""
    args: list[tuple[str, Any]] = [
        ("s", "talkrig"),
        ("i", PROTOCOL_VERSION),
        ("s", avatar),
        ("s", representation.value),
        ("i", count),
        ("i", dims),
        ("i", FRAME_RATE),
    ]
    return _message(HELLO_ADDRESS, args).dgram


class UnityOscEncoder:
    """Frames → datagrams of the address space above (engine thread; templates are reused)."""

    def __init__(self) -> None:
        self._blend: dict[str, OscTemplate] = {}
        self._land: dict[tuple[str, int, int], list[OscTemplate]] = {}

    def encode(self, frame: FaceFrame, avatar: str) -> list[bytearray]:
        """Datagrams for one frame: one for blendshapes, ``ceil(points*dims/240)`` for landmarks.

        The returned buffers are reused by the next call to ``encode``.
        """
        hi, lo = split_time(frame.capture_time)
        flags = FLAG_VOICED if frame.voiced else 0
        if frame.representation is Representation.BLENDSHAPES:
            tpl = self._blend.get(avatar)
            if tpl is None:
                _bound(self._blend)
                tpl = self._blend[avatar] = _blendshape_template(check_avatar(avatar))
            _patch_header(tpl, frame.sequence, hi, lo, flags)
            tpl.set_floats(frame.values)
            return [tpl.datagram]
        points, dims = frame.values.shape
        key = (avatar, points, dims)
        chunks = self._land.get(key)
        if chunks is None:
            _bound(self._land)
            chunks = self._land[key] = _landmark_templates(check_avatar(avatar), points, dims)
        flat = frame.values.reshape(-1)  # (points*dims,) x0, y0[, z0], x1, ...
        out, start = [], 0
        for tpl in chunks:
            _patch_header(tpl, frame.sequence, hi, lo, flags)
            tpl.set_floats(flat[start : start + tpl.float_count])
            start += tpl.float_count
            out.append(tpl.datagram)
        return out


def _bound(cache: dict[Any, Any]) -> None:
    """Forget all templates when many avatars came by, so the cache cannot grow forever."""
    if len(cache) >= _MAX_TEMPLATES:
        cache.clear()


def _patch_header(tpl: OscTemplate, sequence: int, hi: int, lo: int, flags: int) -> None:
    for slot, value in enumerate((sequence, hi, lo, flags)):
        tpl.set_int(slot, value)


def _blendshape_template(avatar: str) -> OscTemplate:
    args: list[tuple[str, Any]] = [("s", avatar), ("i", 0), ("i", 0), ("i", 0), ("i", 0)]
    args += [("f", 0.0)] * arkit.COUNT
    return OscTemplate(_message(BLENDSHAPES_ADDRESS, args))


def _landmark_templates(avatar: str, points: int, dims: int) -> list[OscTemplate]:
    per_chunk = CHUNK_FLOATS // dims
    firsts = range(0, points, per_chunk)
    templates = []
    for index, first in enumerate(firsts):
        n = min(per_chunk, points - first)
        args: list[tuple[str, Any]] = [("s", avatar), ("i", 0), ("i", 0), ("i", 0), ("i", 0)]
        args += [("i", points), ("i", dims), ("i", index), ("i", len(firsts)), ("i", first)]
        args += [("f", 0.0)] * (n * dims)
        templates.append(OscTemplate(_message(LANDMARKS_ADDRESS, args)))
    return templates


class UnityOscSender(UdpSender):
    """``unity://host:port``: frames to the TalkRig Unity receiver, plus a hello once a second.

    ``avatar`` pins the avatar id of every frame; ``None`` carries each frame's ``avatar``.
    ``send`` runs on the engine thread.
    """

    def __init__(
        self, spec: str, host: str, port: int = DEFAULT_PORT, *, avatar: str | None = None
    ) -> None:
        self.avatar = None if avatar is None else check_avatar(avatar)
        super().__init__(spec, host, port)
        self._encoder = UnityOscEncoder()
        self._next_hello = 0.0

    def _send(self, frame: FaceFrame) -> None:
        avatar = self.avatar or frame.avatar
        datagrams: list[bytes | bytearray] = []
        now = time.monotonic()
        if now >= self._next_hello:
            self._next_hello = now + HELLO_INTERVAL_S
            datagrams.append(_hello_for(frame, avatar))
        datagrams += self._encoder.encode(frame, avatar)
        self._transmit(datagrams)


def _hello_for(frame: FaceFrame, avatar: str) -> bytes:
    if frame.representation is not Representation.BLENDSHAPES:
        points, dims = frame.values.shape
        return hello_message(avatar, frame.representation, points, dims)
    return hello_message(avatar, frame.representation, arkit.COUNT, 1)
