"""Live Link Face (Unreal Engine) ARKit packet v6 over UDP (docs/wire-formats.md §3).

Layout, all big-endian: ``>B`` version 6, ``>i`` device-id length N + bytes, ``>i`` subject
length M + bytes, ``>ifii`` frame number / subframe / rate numerator / rate denominator, ``>B``
count 61, ``>61f`` values (52 canonical ARKit + 9 head/eye rotations, sent as 0). Total
270 + N + M bytes. Unreal drops a packet whose version is not 6 or whose count is not 61.

Only blendshape frames are sent; landmark frames are skipped (``skipped_frames``).
"""

from __future__ import annotations

import struct
import uuid

import numpy as np

from talkrig.bridge.frame import FaceFrame
from talkrig.bridge.senders.finite import wire_floats
from talkrig.bridge.senders.udp import UdpSender
from talkrig.models import arkit
from talkrig.models.contract import FRAME_RATE

DEFAULT_PORT = 11111
DEFAULT_SUBJECT = "TalkRig"
PACKET_VERSION = 6
VALUE_COUNT = 61  # 52 blendshapes + head yaw/pitch/roll + left eye ×3 + right eye ×3
MAX_NAME_BYTES = 255
_TAIL = struct.Struct(f">ifiiB{VALUE_COUNT}f")


def _string(text: str, what: str) -> bytes:
    raw = text.encode("utf-8")
    if not raw or len(raw) > MAX_NAME_BYTES:
        raise ValueError(f"Live Link {what} {text!r} must be 1–{MAX_NAME_BYTES} UTF-8 bytes")
    return struct.pack(">i", len(raw)) + raw


class LiveLinkEncoder:
    """Builds v6 packets for one device id and subject (the prefix is encoded once)."""

    def __init__(self, device_id: str, subject: str, rate: int = FRAME_RATE) -> None:
        self.device_id = device_id
        self.subject = subject
        self.rate = rate
        prefix = (
            struct.pack(">B", PACKET_VERSION)
            + _string(device_id, "device id")
            + _string(subject, "subject")
        )
        self._buf = bytearray(prefix + bytes(_TAIL.size))
        self._tail_at = len(prefix)
        self._values = np.zeros(VALUE_COUNT, dtype=np.float64)

    def encode(self, frame_number: int, blendshapes: np.ndarray) -> bytearray:
        """``blendshapes`` ``(52,)`` canonical order → one packet (a reused buffer); non-finite
        values go out as 0."""
        self._values[: arkit.COUNT] = wire_floats(blendshapes)
        # The frame number is an int32 on the wire; wrap rather than fail after 2^31 frames.
        number = ((frame_number + 2**31) % 2**32) - 2**31
        _TAIL.pack_into(
            self._buf, self._tail_at, number, 0.0, self.rate, 1, VALUE_COUNT, *self._values
        )
        return self._buf


class LiveLinkSender(UdpSender):
    """``livelink://host:port?subject=NAME``: blendshapes to Unreal's Live Link (engine thread).

    ``device_id`` defaults to a fresh uppercase UUID (36 characters, like the iPhone app's).
    """

    def __init__(
        self,
        spec: str,
        host: str,
        port: int = DEFAULT_PORT,
        *,
        subject: str = DEFAULT_SUBJECT,
        device_id: str | None = None,
    ) -> None:
        device = device_id if device_id is not None else str(uuid.uuid4()).upper()
        self._encoder = LiveLinkEncoder(device, subject)  # validates before a socket exists
        super().__init__(spec, host, port)
        self.skipped_frames = 0

    @property
    def device_id(self) -> str:
        return self._encoder.device_id

    def _send(self, frame: FaceFrame) -> None:
        if frame.blendshapes is None:
            self.skipped_frames += 1
            return
        self._transmit([self._encoder.encode(frame.sequence, frame.blendshapes)])
