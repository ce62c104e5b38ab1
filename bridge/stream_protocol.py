"""The stream server's wire format, version 1 (docs/stream-protocol.md is its reference).

Client → server: binary messages of PCM, signed 16-bit little-endian, 16 kHz, mono, any even
length up to the server's limit (the paper sends 1,024 bytes = 512 samples = 32 ms).

Server → client: first one text message, the JSON hello (:func:`hello`); then one binary frame
per 40 ms hop of audio received (:func:`encode_frame`): a 40-byte little-endian header and the
values as float32.

Header (``<4sBBBBIIddd``, 40 bytes):

=======  ======  ==========================================================================
offset   type    field
=======  ======  ==========================================================================
0        4s      magic ``b"TRKF"``
4        u8      version (1)
5        u8      representation: 0 blendshapes, 1 landmarks2d, 2 landmarks3d
6        u8      flags: bit 0 = voiced (the silence gate is open), bit 1 = replaced (the
                 model's output was not finite; the values are the last good face)
7        u8      reserved, 0
8        u32     sequence: frame number k (the face at k × hop when the hello's delay allows)
12       u32     value count: 52, or points × dims
16       f64     stream time: seconds of stream audio at the face this frame shows
24       f64     received: server UNIX time when the window's last sample arrived
32       f64     sent: server UNIX time when the frame left (sent − received = processing)
=======  ======  ==========================================================================
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from talkrig.bridge.senders.finite import wire_floats
from talkrig.models.card import ModelCard
from talkrig.models.contract import Representation

PROTOCOL = "talkrig-stream"
VERSION = 1
MAGIC = b"TRKF"
HEADER = struct.Struct("<4sBBBBIIddd")
FLAG_VOICED = 0x01
FLAG_REPLACED = 0x02  # the model's output was not finite: the frame is the last good face
PCM_BYTES_PER_SAMPLE = 2
PCM_SCALE = 32768.0  # s16 → [-1, 1): the same scaling on both ends keeps server and file equal
REPRESENTATION_CODES: dict[Representation, int] = {
    Representation.BLENDSHAPES: 0,
    Representation.LANDMARKS_2D: 1,
    Representation.LANDMARKS_3D: 2,
}
_CODE_REPRESENTATION = {code: rep for rep, code in REPRESENTATION_CODES.items()}


class StreamProtocolError(ValueError):
    """A message that does not follow the stream protocol (the text says what is wrong)."""


@dataclass(frozen=True)
class WireFrame:
    """One decoded server frame.

    Attributes:
        values: ``(52,)`` or ``(points, dims)`` float32 (shaped with the hello's output shape).
        replaced: the model's output was not finite; ``values`` are the last good face (a
            client counts these, as the local engine counts its own).
        received, sent: server UNIX times (see the module table).
    """

    sequence: int
    representation: Representation
    voiced: bool
    stream_time: float
    received: float
    sent: float
    values: np.ndarray
    replaced: bool = False


def hello(card: ModelCard, limits: dict[str, Any], delay_samples: int | None = None) -> str:
    """The JSON text message a server sends first: protocol, model card essentials, limits, and
    ``delay_samples``: from the face a frame shows to the end of the audio it heard (the model's
    look-ahead plus the server's smoothing), which places the frames in the client's audio."""
    return json.dumps(
        {
            "type": "hello",
            "protocol": PROTOCOL,
            "version": VERSION,
            "model": {
                "name": card.name,
                "representation": card.representation.value,
                "output_shape": list(card.output_shape),
                "output_names": list(card.output_names),
                "sample_rate": card.sample_rate,
                "window_samples": card.window_samples,
                "hop_samples": card.hop_samples,
                "lookahead_samples": card.lookahead_samples,
            },
            "audio": {"format": "s16le", "sample_rate": card.sample_rate, "channels": 1},
            "limits": limits,
            "delay_samples": card.lookahead_samples if delay_samples is None else delay_samples,
        }
    )


def parse_hello(text: str | bytes) -> dict[str, Any]:
    """Check a server's hello; returns it as a dict. Raises StreamProtocolError."""
    if isinstance(text, bytes):
        raise StreamProtocolError("expected the JSON hello as a text message, got binary")
    try:
        msg = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StreamProtocolError(f"hello is not JSON: {exc}") from None
    if not isinstance(msg, dict) or msg.get("type") != "hello":
        raise StreamProtocolError("first message is not a hello")
    if msg.get("protocol") != PROTOCOL or msg.get("version") != VERSION:
        raise StreamProtocolError(
            f"server speaks {msg.get('protocol')!r} v{msg.get('version')}, "
            f"this client {PROTOCOL!r} v{VERSION}"
        )
    model = msg.get("model")
    if not isinstance(model, dict) or model.get("representation") not in (
        r.value for r in Representation
    ):
        raise StreamProtocolError("hello lacks a valid model description")
    delay = msg.get("delay_samples", 0)
    if isinstance(delay, bool) or not isinstance(delay, int) or not 0 <= delay < 2**31:
        raise StreamProtocolError(f"hello's delay_samples {delay!r} is not a sample count")
    return msg


def decode_pcm(message: bytes | str, max_bytes: int) -> np.ndarray:
    """A client's audio message → ``(n,)`` float32 in [-1, 1). Raises StreamProtocolError."""
    if isinstance(message, str):
        raise StreamProtocolError("text message: send audio as binary s16le PCM")
    if len(message) > max_bytes:
        raise StreamProtocolError(f"{len(message)}-byte message exceeds the {max_bytes} limit")
    if len(message) % PCM_BYTES_PER_SAMPLE:
        raise StreamProtocolError(f"{len(message)}-byte message is not whole s16le samples")
    return np.frombuffer(message, dtype="<i2").astype(np.float32) / PCM_SCALE


def encode_pcm(audio: np.ndarray) -> bytes:
    """``(n,)`` float samples in [-1, 1] → s16le bytes (clipped)."""
    scaled = np.clip(np.round(np.asarray(audio, np.float64) * PCM_SCALE), -32768, 32767)
    return scaled.astype("<i2").tobytes()


def encode_frame(
    sequence: int,
    representation: Representation,
    voiced: bool,
    stream_time: float,
    received: float,
    sent: float,
    values: np.ndarray,
    replaced: bool = False,
) -> bytes:
    """One binary frame (header + float32 values); non-finite values go out as 0 and values past
    float32's range as its limit (:func:`~talkrig.bridge.senders.finite.wire_floats`, as every
    sender does): no client reads a NaN or an infinity."""
    flat = np.ascontiguousarray(wire_floats(values), dtype="<f4").reshape(-1)
    flags = (FLAG_VOICED if voiced else 0) | (FLAG_REPLACED if replaced else 0)
    header = HEADER.pack(
        MAGIC, VERSION, REPRESENTATION_CODES[representation], flags, 0,
        sequence & 0xFFFFFFFF, flat.size, stream_time, received, sent,
    )  # fmt: skip
    return header + flat.tobytes()


def decode_frame(message: bytes | str, shape: tuple[int, ...] | None = None) -> WireFrame:
    """Parse one server frame; ``shape`` reshapes the values. Raises StreamProtocolError."""
    if isinstance(message, str):
        raise StreamProtocolError("expected a binary frame, got text")
    if len(message) < HEADER.size:
        raise StreamProtocolError(f"{len(message)}-byte frame is shorter than the header")
    magic, version, rep, flags, _, seq, count, stream_time, received, sent = HEADER.unpack_from(
        message
    )
    if magic != MAGIC:
        raise StreamProtocolError(f"bad magic {magic!r}, expected {MAGIC!r}")
    if version != VERSION:
        raise StreamProtocolError(f"frame version {version}, this client reads {VERSION}")
    if rep not in _CODE_REPRESENTATION:
        raise StreamProtocolError(f"unknown representation code {rep}")
    if len(message) != HEADER.size + 4 * count:
        raise StreamProtocolError(f"frame says {count} values but carries {len(message)} bytes")
    values = np.frombuffer(message, dtype="<f4", offset=HEADER.size).astype(np.float32)
    if shape is not None:
        if int(np.prod(shape)) != count:
            raise StreamProtocolError(f"frame has {count} values, the model {shape}")
        values = values.reshape(shape)
    return WireFrame(
        seq, _CODE_REPRESENTATION[rep], bool(flags & FLAG_VOICED), stream_time, received, sent,
        values, bool(flags & FLAG_REPLACED),
    )  # fmt: skip
