"""Independent decoders written from docs/wire-formats.md with ``struct`` only (no python-osc, no
TalkRig code), so an encoder bug cannot hide behind the same bug in its own parser.

Each decoder is strict: it raises ``DecodeError`` on any byte that is not where the spec puts it
(missing padding NULs, trailing bytes, wrong counts), because real receivers drop such packets.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any


class DecodeError(ValueError):
    """A datagram that a strict receiver would drop."""


# ---- OSC 1.0 (§1) ----------------------------------------------------------------------------


def _osc_string(data: bytes, pos: int) -> tuple[str, int]:
    end = data.index(b"\0", pos)
    padded = (end + 4) & ~3  # NUL-terminated, then NULs to a multiple of 4
    if padded > len(data) or data[end:padded] != b"\0" * (padded - end):
        raise DecodeError(f"bad string padding at {pos}")
    return data[pos:end].decode("utf-8"), padded


def decode_osc_message(data: bytes) -> tuple[str, list[Any]]:
    """``(address, args)``; ``i``/``f``/``s``/``d``/``h`` arguments, big-endian."""
    if len(data) % 4:
        raise DecodeError(f"message of {len(data)} B is not a multiple of 4")
    address, pos = _osc_string(data, 0)
    if not address.startswith("/"):
        raise DecodeError(f"address {address!r} does not start with /")
    tags, pos = _osc_string(data, pos)
    if not tags.startswith(","):
        raise DecodeError(f"type tags {tags!r} do not start with ,")
    args: list[Any] = []
    for tag in tags[1:]:
        if tag in "if":
            args.append(struct.unpack_from(">i" if tag == "i" else ">f", data, pos)[0])
            pos += 4
        elif tag in "dh":
            args.append(struct.unpack_from(">d" if tag == "d" else ">q", data, pos)[0])
            pos += 8
        elif tag == "s":
            text, pos = _osc_string(data, pos)
            args.append(text)
        else:
            raise DecodeError(f"type tag {tag!r} not understood")
    if pos != len(data):
        raise DecodeError(f"{len(data) - pos} trailing bytes after the arguments")
    return address, args


def decode_osc(data: bytes) -> tuple[int | None, list[tuple[str, list[Any]]]]:
    """``(time tag or None for a bare message, messages in order)``; nested bundles flattened."""
    if not data.startswith(b"#bundle\0"):
        return None, [decode_osc_message(data)]
    if len(data) < 16:
        raise DecodeError("bundle shorter than its header")
    (timetag,) = struct.unpack_from(">Q", data, 8)
    pos, messages = 16, []
    while pos < len(data):
        (size,) = struct.unpack_from(">i", data, pos)
        pos += 4
        if size <= 0 or size % 4 or pos + size > len(data):
            raise DecodeError(f"bundle element size {size} at {pos - 4} is invalid")
        messages += decode_osc(data[pos : pos + size])[1]
        pos += size
    return timetag, messages


# ---- Live Link Face v6 (§3) ------------------------------------------------------------------


@dataclass(frozen=True)
class LiveLinkPacket:
    version: int
    device_id: str
    subject: str
    frame_number: int
    subframe: float
    rate: tuple[int, int]
    values: tuple[float, ...]


def decode_livelink(data: bytes) -> LiveLinkPacket:
    """Parse per the §3 table; the listener's own checks (version 6, count 61) included."""
    (version,) = struct.unpack_from(">B", data, 0)
    (n,) = struct.unpack_from(">i", data, 1)
    device = data[5 : 5 + n].decode("utf-8")
    (m,) = struct.unpack_from(">i", data, 5 + n)
    subject = data[9 + n : 9 + n + m].decode("utf-8")
    number, subframe, num, den = struct.unpack_from(">ifii", data, 9 + n + m)
    (count,) = struct.unpack_from(">B", data, 25 + n + m)
    if version != 6 or count != 61:
        raise DecodeError(f"version {version} / count {count}: Unreal drops this packet")
    if len(data) != 270 + n + m:
        raise DecodeError(f"{len(data)} B, expected 270 + {n} + {m}")
    values = struct.unpack_from(">61f", data, 26 + n + m)
    return LiveLinkPacket(version, device, subject, number, subframe, (num, den), values)


# ---- iFacialMocap (§4) -----------------------------------------------------------------------


@dataclass(frozen=True)
class IFacialMocapFrame:
    version: str
    values: dict[str, int]
    head: tuple[float, ...]
    right_eye: tuple[float, ...]
    left_eye: tuple[float, ...]


def decode_ifacialmocap(data: bytes) -> IFacialMocapFrame:
    """``key-val|...|=head#6 floats|rightEye#3|leftEye#3|`` (v1) or ``key&val`` (v2)."""
    text = data.decode("utf-8")
    body, sep, pose = text.partition("|=head#")
    if not sep or not pose.endswith("|"):
        raise DecodeError("no |=head#...| section")
    seps = {"&" if "&" in item else "-" for item in body.split("|")}
    if len(seps) != 1:
        raise DecodeError(f"mixed key/value separators {seps}")
    version = "v2" if seps == {"&"} else "v1"
    values: dict[str, int] = {}
    for item in body.split("|"):
        key, _, value = item.partition("&" if version == "v2" else "-")
        if key in values or not value.isdigit():
            raise DecodeError(f"bad or repeated item {item!r}")
        values[key] = int(value)
    head_text, right_text, left_text, tail = pose.split("|")
    if not right_text.startswith("rightEye#") or not left_text.startswith("leftEye#") or tail:
        raise DecodeError(f"bad pose section {pose!r}")
    head = tuple(float(v) for v in head_text.split(","))
    right = tuple(float(v) for v in right_text[len("rightEye#") :].split(","))
    left = tuple(float(v) for v in left_text[len("leftEye#") :].split(","))
    if (len(head), len(right), len(left)) != (6, 3, 3):
        raise DecodeError("head needs 6 numbers, each eye 3")
    return IFacialMocapFrame(version, values, head, right, left)
