"""``OscTemplate``: an OSC datagram built once by python-osc, its numbers patched per frame.

Building a 52-message bundle with python-osc every frame costs tens of times more than writing
the new float bytes into a prebuilt datagram, which is byte-identical (``bench/micro_costs.py``,
docs/environment.md). The layout (addresses, type tags, strings) comes from python-osc, so the
bytes stay its bytes; only ``i`` and ``f`` argument slots are overwritten. A sender rebuilds its
template when something other than a number changes (a name set, the avatar id).
"""

from __future__ import annotations

import struct

import numpy as np
from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_message import OscMessage
from pythonosc.parsing import osc_types

from talkrig.bridge.senders.finite import wire_floats

MAX_DATAGRAM = 1_472  # the largest UDP payload that crosses an MTU 1,500 LAN unfragmented
_BUNDLE_HEADER = 16  # "#bundle\0" + 8-byte time tag
_ARG_SIZES = {"i": 4, "f": 4, "d": 8, "h": 8, "t": 8, "r": 4, "m": 4, "c": 4}
_NO_DATA = frozenset("TFNI[]")


class OscTemplate:
    """One datagram (message or bundle) whose ``i``/``f`` arguments can be rewritten in place.

    Slots are numbered in datagram order, separately for ints and floats. Not thread-safe: one
    sender (the engine thread) owns it.
    """

    def __init__(self, packet: OscMessage | OscBundle) -> None:
        self._buf = bytearray(packet.dgram)
        slots = _argument_slots(bytes(self._buf))
        self._int_offsets = tuple(off for tag, off in slots if tag == "i")
        float_offsets = np.array([off for tag, off in slots if tag == "f"], dtype=np.intp)
        # Byte index of every float byte, so one fancy-index assignment patches them all: (F*4,)
        self._float_bytes = (float_offsets[:, None] + np.arange(4)).reshape(-1)
        self._view = np.frombuffer(self._buf, dtype=np.uint8)

    @property
    def float_count(self) -> int:
        return len(self._float_bytes) // 4

    @property
    def int_count(self) -> int:
        return len(self._int_offsets)

    def set_floats(self, values: np.ndarray) -> None:
        """Write every ``f`` slot; ``values`` is ``(float_count,)``, any float dtype.

        Non-finite values are written as 0 (:func:`wire_floats`): no OSC target gets a NaN.
        """
        be = np.ascontiguousarray(wire_floats(values), dtype=">f4")
        if be.shape != (self.float_count,):
            raise ValueError(f"template has {self.float_count} float slots, got {be.shape}")
        self._view[self._float_bytes] = be.view(np.uint8)

    def set_int(self, slot: int, value: int) -> None:
        """Write the ``slot``-th ``i`` argument as a 32-bit two's-complement bit pattern."""
        struct.pack_into(">I", self._buf, self._int_offsets[slot], value & 0xFFFFFFFF)

    @property
    def datagram(self) -> bytearray:
        """The current bytes (shared buffer: copy it if you keep it past the next patch)."""
        return self._buf


def _argument_slots(dgram: bytes, start: int = 0, end: int | None = None) -> list[tuple[str, int]]:
    """``(type tag, offset)`` of every argument in a message or (nested) bundle."""
    end = len(dgram) if end is None else end
    if dgram.startswith(b"#bundle\0", start):
        slots: list[tuple[str, int]] = []
        pos = start + _BUNDLE_HEADER
        while pos < end:
            size, pos = osc_types.get_int(dgram, pos)
            slots += _argument_slots(dgram, pos, pos + size)
            pos += size
        return slots
    _, pos = osc_types.get_string(dgram, start)
    tags, pos = osc_types.get_string(dgram, pos)
    slots = []
    for tag in tags[1:]:
        slots.append((tag, pos))
        if tag == "s":
            _, pos = osc_types.get_string(dgram, pos)
        elif tag == "b":
            _, pos = osc_types.get_blob(dgram, pos)
        elif tag not in _NO_DATA:
            pos += _ARG_SIZES[tag]
    return slots


def bundle_size(message_sizes: list[int]) -> int:
    """Bytes of a bundle holding messages of these sizes (each gets a 4-byte size prefix)."""
    return _BUNDLE_HEADER + sum(4 + s for s in message_sizes)
