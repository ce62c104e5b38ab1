"""The avatar editor in the window: live edits reach the running engine, saves load back."""

from __future__ import annotations

import threading
from pathlib import Path

from pytestqt.qtbot import QtBot

from talkrig.app.main_window import MainWindow
from talkrig.app.settings import DEMO_DEVICE
from talkrig.bridge.frame import FaceFrame
from talkrig.bridge.post.profile import load_profile
from talkrig.models import arkit
from tests.app.test_gui_window import WAIT_MS, MakeWindow, _log, _select, config_dir, make_window

__all__ = ["config_dir", "make_window"]  # fixtures shared with the window tests


def test_edits_apply_live_and_save_as_a_user_profile(
    make_window: MakeWindow, qtbot: QtBot, config_dir: Path
) -> None:
    window: MainWindow = make_window()
    _select(window, "device_box", DEMO_DEVICE)
    _select(window, "profile_box", "arkit_camel")
    assert window.start()
    session = window.session
    assert session is not None
    frames: list[FaceFrame] = []
    got = threading.Event()

    def listen(frame: FaceFrame) -> None:
        frames.append(frame)
        if len(frames) >= 5:
            got.set()

    assert window.profiles.edit()
    editor = window.editor
    assert editor.isVisible() and editor.name_edit.text() == "ARKit camelCase"
    groups = [editor.tree.topLevelItem(i) for i in range(editor.tree.topLevelItemCount())]
    assert [g.text(0) for g in groups] == ["mouth", "jaw", "cheeks", "eyes", "eyebrows", "other"]
    assert sum(g.childCount() for g in groups) == arkit.COUNT == len(editor.spins) // 4
    jaw = arkit.INDEX["jawOpen"]
    editor.spins[(jaw, "hi")].setValue(0.2)
    editor.mouth_only.setChecked(True)
    edited = window.profiles.edited
    assert edited is not None and edited.mouth_only
    qtbot.waitUntil(lambda: session.engine.options.profile is edited, timeout=WAIT_MS)
    session.engine.listeners.append(listen)
    assert got.wait(WAIT_MS / 1000)
    for frame in frames:
        assert frame.blendshapes is not None
        assert frame.blendshapes[jaw] <= 0.2 + 1e-6
        assert frame.blendshapes[arkit.INDEX["eyeBlinkLeft"]] == 0.0
        assert {name for name, _ in frame.avatar_values} <= {arkit.NAMES[i] for i in range(52)}
        assert "eyeBlinkLeft" not in dict(frame.avatar_values)

    editor.spins[(jaw, "lo")].setValue(0.5)  # above max: refused, the last good one stays
    assert "lo 0.5 is above hi 0.2" in _log(window)
    assert window.profiles.edited is edited

    editor.spins[(jaw, "lo")].setValue(0.0)
    editor.name_edit.setText("stage left")
    path = editor.save()
    assert path == config_dir / "profiles" / "stage_left.toml"
    assert window.profile_value() == str(path)
    loaded = load_profile(window.profile_value())
    assert loaded.mouth_only and loaded.name == "stage left"
    assert loaded.shape_settings()[3][jaw] == float(edited.shape_settings()[3][jaw])
    editor.close()
