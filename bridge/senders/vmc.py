"""VMC protocol (Virtual Motion Capture) face sender: OSC over UDP (docs/wire-formats.md §2).

Per frame: ``/VMC/Ext/Blend/Val ,sf name value`` for every blendshape, then one
``/VMC/Ext/Blend/Apply ,``. 52 PascalCase Vals do not fit one 1,472-byte datagram, so they are
split greedily into bundles (time tag 1 = immediately) and Apply rides in the last one: a
receiver applies only after it has every value. About once a second a liveness bundle
(``/VMC/Ext/OK ,i 1`` and ``/VMC/Ext/T ,f seconds``) goes first.

VMC carries no landmarks: landmark frames are skipped (counted in ``skipped_frames``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from talkrig.bridge.frame import FaceFrame
from talkrig.bridge.senders.osc_template import MAX_DATAGRAM, OscTemplate, bundle_size
from talkrig.bridge.senders.udp import UdpSender
from talkrig.models import arkit

DEFAULT_PORT = 39539  # a Marionette (the app that renders the avatar) listens here
VAL_ADDRESS = "/VMC/Ext/Blend/Val"
APPLY_ADDRESS = "/VMC/Ext/Blend/Apply"
OK_ADDRESS = "/VMC/Ext/OK"
TIME_ADDRESS = "/VMC/Ext/T"
LIVENESS_INTERVAL_S = 1.0
NAME_STYLES = {"pascal": arkit.PASCAL_NAMES, "camel": arkit.NAMES}


class VmcFrameTemplate:
    """The bundles of one name set; ``encode`` patches the values (engine thread).

    Raises ``ValueError`` when a single Val message cannot fit a datagram (absurd name).
    """

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        messages = [_val(name) for name in self.names]
        messages.append(OscMessageBuilder(APPLY_ADDRESS).build())
        self._bundles: list[OscTemplate] = []
        for group in _greedy_groups(messages):
            builder = OscBundleBuilder(IMMEDIATELY)
            for message in group:
                builder.add_content(message)
            self._bundles.append(OscTemplate(builder.build()))
        self._splits = np.cumsum([b.float_count for b in self._bundles])[:-1]

    def encode(self, values: np.ndarray) -> list[bytearray]:
        """``values`` ``(len(names),)`` → datagrams in send order (reused buffers)."""
        for bundle, part in zip(self._bundles, np.split(values, self._splits), strict=True):
            bundle.set_floats(part)
        return [b.datagram for b in self._bundles]


def _val(name: str) -> OscMessage:
    builder = OscMessageBuilder(VAL_ADDRESS)
    builder.add_arg(name, "s")
    builder.add_arg(0.0, "f")
    return builder.build()


def _greedy_groups(messages: list[OscMessage]) -> list[list[OscMessage]]:
    groups: list[list[OscMessage]] = [[]]
    for message in messages:
        if bundle_size([message.size]) > MAX_DATAGRAM:
            raise ValueError(
                f"OSC message of {message.size} B cannot fit a {MAX_DATAGRAM} B bundle"
            )
        sizes = [m.size for m in groups[-1]] + [message.size]
        if groups[-1] and bundle_size(sizes) > MAX_DATAGRAM:
            groups.append([])
        groups[-1].append(message)
    return groups


def liveness_bundle(seconds: float) -> bytes:
    """``/VMC/Ext/OK ,i 1`` + ``/VMC/Ext/T ,f seconds`` in one immediate bundle."""
    ok = OscMessageBuilder(OK_ADDRESS)
    ok.add_arg(1, "i")
    t = OscMessageBuilder(TIME_ADDRESS)
    t.add_arg(float(seconds), "f")
    builder = OscBundleBuilder(IMMEDIATELY)
    builder.add_content(ok.build())
    builder.add_content(t.build())
    return builder.build().dgram


class VmcSender(UdpSender):
    """``vmc://host:port?names=pascal|camel``: face blendshapes to a VMC Marionette.

    Sends ``frame.avatar_values`` (vowel mode, rename map) when present, else the 52 ARKit values
    under ``names`` spelling. ``send`` runs on the engine thread.
    """

    def __init__(
        self, spec: str, host: str, port: int = DEFAULT_PORT, *, names: str = "pascal"
    ) -> None:
        if names not in NAME_STYLES:
            raise ValueError(f"names must be one of {sorted(NAME_STYLES)}, not {names!r}")
        self._arkit = VmcFrameTemplate(NAME_STYLES[names])
        super().__init__(spec, host, port)
        self._custom: VmcFrameTemplate | None = None
        self._start = time.monotonic()
        self._next_liveness = self._start
        self.skipped_frames = 0

    def _send(self, frame: FaceFrame) -> None:
        if frame.blendshapes is None:
            self.skipped_frames += 1
            return
        if frame.avatar_values:
            names = tuple(name for name, _ in frame.avatar_values)
            if self._custom is None or self._custom.names != names:
                self._custom = VmcFrameTemplate(names)
            values = np.fromiter((v for _, v in frame.avatar_values), np.float32, len(names))
            datagrams: list[bytes | bytearray] = list(self._custom.encode(values))
        else:
            datagrams = list(self._arkit.encode(frame.blendshapes))
        now = time.monotonic()
        if now >= self._next_liveness:
            self._next_liveness = now + LIVENESS_INTERVAL_S
            datagrams.insert(0, liveness_bundle(now - self._start))
        self._transmit(datagrams)
