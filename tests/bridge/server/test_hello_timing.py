"""The hello's ``delay_samples``: what places a server's frames in the client's audio."""

from __future__ import annotations

import json

import pytest

from talkrig.bridge.pipeline import FrameTiming
from talkrig.bridge.stream_protocol import StreamProtocolError, hello, parse_hello
from talkrig.models.loader import Model


def test_the_hello_carries_the_servers_delay(model: Model) -> None:
    msg = parse_hello(hello(model.card, {}, 2560))
    assert msg["delay_samples"] == 2560
    timing = FrameTiming(msg["model"]["sample_rate"], msg["model"]["hop_samples"], 2560)
    assert timing.frames_for(8_000) == 9  # 12 hops heard, the first 4 before stream time 0


@pytest.mark.parametrize("delay", ["2560", -1, 2.5, True, None, 2**40, [2560]])
def test_a_garbage_delay_is_one_protocol_error(model: Model, delay: object) -> None:
    msg = json.loads(hello(model.card, {}))
    msg["delay_samples"] = delay
    with pytest.raises(StreamProtocolError, match="delay_samples"):
        parse_hello(json.dumps(msg))
