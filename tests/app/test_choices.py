"""What the dropdowns offer, from the real registry and the shipped profiles (no Qt needed)."""

from __future__ import annotations

from pathlib import Path

from talkrig.app.choices import (
    DEFAULT_AVATAR_LABEL,
    DEMO_LABEL,
    avatar_choices,
    device_choices,
    is_local_unity,
    model_choices,
    pick,
    profile_choices,
    split_avatar,
)
from talkrig.app.settings import DEMO_DEVICE, NO_PROFILE
from talkrig.bridge.announce import Announced
from talkrig.bridge.audio.base import AudioError
from talkrig.bridge.audio.devices import DeviceInfo
from talkrig.bridge.post.profile import shipped_profiles
from talkrig.models.registry import SHIPPED_DIR, Registry

MIC = DeviceInfo(3, "USB Mic", "ALSA", 48000.0, 1, is_default=False)
CABLE = DeviceInfo(5, "CABLE Output", "MME", 44100.0, 2, is_default=True)


def test_models_come_from_the_registry_with_their_card(tmp_path: Path) -> None:
    (tmp_path / "broken.onnx").write_bytes(b"not a model")
    registry = Registry([SHIPPED_DIR, tmp_path])
    choices = model_choices(registry)
    assert [c.value for c in choices] == [e.name for e in registry.entries()]
    low = next(c for c in choices if c.value == "baseline-energy-lowlatency")
    assert low.label.startswith("baseline-energy-lowlatency: blendshapes, neutral, 0 ms")
    broken = next(c for c in choices if c.value == "broken")
    assert broken.problem and "broken" in broken.label


def test_profiles_are_none_shipped_then_the_users_files(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text('names = "pascal"\n')
    (tmp_path / "notes.txt").write_text("not a profile")
    values = [c.value for c in profile_choices(tmp_path)]
    assert values[0] == NO_PROFILE
    assert values[1:-1] == list(shipped_profiles())
    assert values[-1] == str(tmp_path / "mine.toml")
    assert len(values) == len(shipped_profiles()) + 2


def test_devices_default_first_and_the_demo_always_there() -> None:
    choices, notice = device_choices(lambda refresh: [MIC, CABLE], refresh=False)
    assert [c.value for c in choices] == ["CABLE Output", "USB Mic", DEMO_DEVICE]
    assert choices[-1].label == DEMO_LABEL
    assert notice is None


def test_no_portaudio_still_offers_the_demo() -> None:
    def broken(refresh: bool) -> list[DeviceInfo]:
        raise AudioError("cannot use audio devices: PortAudio library not found")

    choices, notice = device_choices(broken, refresh=True)
    assert [c.value for c in choices] == [DEMO_DEVICE]
    assert notice is not None and "PortAudio" in notice


def test_pick_falls_back_with_a_notice() -> None:
    choices, _ = device_choices(lambda refresh: [MIC], refresh=False)
    assert pick(choices, "USB Mic", DEMO_DEVICE, "input device") == ("USB Mic", None)
    value, notice = pick(choices, "Gone Mic", DEMO_DEVICE, "input device")
    assert value == DEMO_DEVICE
    assert notice == f"saved input device 'Gone Mic' is not available; using {DEMO_LABEL}"
    assert pick([], "Gone Mic", DEMO_DEVICE, "input device") == (
        "",
        "saved input device 'Gone Mic' is not available, and there is nothing to use",
    )


def test_avatars_default_then_announced_then_the_saved_one() -> None:
    heard = [Announced("127.0.0.1", 39541, "hero", 1.0), Announced("127.0.0.1", 40000, "a/b", 1.0)]
    choices = avatar_choices(heard, "default")
    assert [c.label for c in choices] == [
        DEFAULT_AVATAR_LABEL,
        "Unity: hero @ 39541",
        "Unity: a/b @ 40000",
    ]
    assert [split_avatar(c.value) for c in choices] == [
        ("default", None),
        ("hero", 39541),
        ("a/b", 40000),
    ]
    assert avatar_choices(heard, "hero") == choices
    gone = avatar_choices([], "villain")
    assert gone[-1].value == "villain" and "not announced" in gone[-1].label
    assert split_avatar("12ab/x") == ("12ab/x", None)


def test_local_unity_targets_are_recognised() -> None:
    assert is_local_unity("unity://127.0.0.1:40000", 40000)
    assert is_local_unity("unity://localhost", 39541)
    assert is_local_unity("unity://", 39541)
    assert not is_local_unity("unity://10.0.0.2:40000", 40000)
    assert not is_local_unity("vmc://127.0.0.1:40000", 40000)
    assert not is_local_unity("unity://127.0.0.1:99999", 40000)
