"""``open_device``: a device is reopened by its exact name, and a missing one is one clear error."""

from __future__ import annotations

import pytest

from talkrig.bridge.audio.base import AudioError
from talkrig.bridge.audio.retry import open_device


@pytest.mark.parametrize("name", ["no such device", "", "system\x00junk"])
def test_a_device_that_is_not_there_is_one_audio_error_naming_it(name: str) -> None:
    with pytest.raises(AudioError, match="is not connected") as info:
        open_device(name)
    assert repr(name) in str(info.value)


def test_the_jack_device_opens_by_its_exact_name_only(jack_server: str) -> None:
    from talkrig.bridge.audio.devices import list_devices

    (device,) = [d for d in list_devices() if "JACK" in d.hostapi]
    source = open_device(device.name)
    assert source.name == device.name and source.rate == device.default_rate
    with pytest.raises(AudioError, match="is not connected"):
        open_device(device.name.upper())  # settings keep exact names; no substring match here
