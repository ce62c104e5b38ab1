"""The patched template is byte-identical to python-osc building the same packet from scratch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from talkrig.bridge.senders.osc_template import OscTemplate
from talkrig.bridge.senders.vmc import VmcFrameTemplate
from talkrig.models import arkit
from tests.bridge.senders.decoders import decode_osc

# docs/wire-formats.md §1, hand-computed.
VAL_JAWOPEN_HALF = bytes.fromhex(
    "2f564d432f4578742f426c656e642f56616c00002c7366004a61774f70656e003f000000"
)
APPLY = bytes.fromhex("2f564d432f4578742f426c656e642f4170706c79000000002c000000")

f32 = st.floats(width=32, allow_nan=False, allow_infinity=False)  # non-finite: test_nonfinite_wire
i32 = st.integers(-(2**31), 2**31 - 1)


def _fresh(address: str, avatar: str, ints: list[int], floats: list[float]) -> bytes:
    builder = OscMessageBuilder(address)
    builder.add_arg(avatar, "s")
    for number in ints:
        builder.add_arg(number, "i")
    for real in floats:
        builder.add_arg(real, "f")
    return builder.build().dgram


def test_protocols_section1_vectors_through_template() -> None:
    template = VmcFrameTemplate(["JawOpen"])
    (datagram,) = template.encode(np.array([0.5], dtype=np.float32))
    # The bundle holds exactly the two §1 messages, each behind its int32 size.
    expected = b"#bundle\0" + (1).to_bytes(8, "big")
    expected += len(VAL_JAWOPEN_HALF).to_bytes(4, "big") + VAL_JAWOPEN_HALF
    expected += len(APPLY).to_bytes(4, "big") + APPLY
    assert len(VAL_JAWOPEN_HALF) == 36 and len(APPLY) == 28
    assert bytes(datagram) == expected


@settings(max_examples=60, deadline=None)
@given(
    avatar=st.text(
        st.characters(blacklist_categories=["Cs"], blacklist_characters="\0"), max_size=12
    ),
    ints=st.lists(i32, min_size=1, max_size=5),
    floats=st.lists(f32, min_size=0, max_size=60),
)
def test_message_patch_matches_fresh_python_osc(
    avatar: str, ints: list[int], floats: list[float]
) -> None:
    template = OscTemplate(_build_zero("/talkrig/x", avatar, len(ints), len(floats)))
    for slot, value in enumerate(ints):
        template.set_int(slot, value)
    template.set_floats(np.array(floats, dtype=np.float32))
    assert bytes(template.datagram) == _fresh("/talkrig/x", avatar, ints, floats)


def _build_zero(address: str, avatar: str, n_ints: int, n_floats: int) -> OscMessage:
    builder = OscMessageBuilder(address)
    builder.add_arg(avatar, "s")
    for _ in range(n_ints):
        builder.add_arg(0, "i")
    for _ in range(n_floats):
        builder.add_arg(0.0, "f")
    return builder.build()


@settings(max_examples=40, deadline=None)
@given(values=st.lists(f32, min_size=52, max_size=52))
def test_vmc_bundles_match_fresh_python_osc(values: list[float]) -> None:
    template = VmcFrameTemplate(arkit.PASCAL_NAMES)
    patched = [bytes(d) for d in template.encode(np.array(values, dtype=np.float32))]
    fresh, k = [], 0
    for datagram in patched:
        _, messages = decode_osc(datagram)
        builder = OscBundleBuilder(IMMEDIATELY)
        for address, args in messages:
            message = OscMessageBuilder(address)
            if args:
                message.add_arg(args[0], "s")
                message.add_arg(values[k], "f")
                k += 1
            builder.add_content(message.build())
        fresh.append(builder.build().dgram)
    assert k == 52
    assert patched == fresh


def test_set_floats_refuses_wrong_length() -> None:
    template = OscTemplate(_build_zero("/x", "a", 1, 3))
    with pytest.raises(ValueError, match="3 float slots"):
        template.set_floats(np.zeros(4, dtype=np.float32))


def test_int_slots_wrap_as_twos_complement() -> None:
    template = OscTemplate(_build_zero("/x", "a", 1, 0))
    template.set_int(0, 2**32 - 1)
    assert bytes(template.datagram)[-4:] == b"\xff\xff\xff\xff"
    template.set_int(0, -2)
    assert bytes(template.datagram)[-4:] == b"\xff\xff\xff\xfe"
