"""The real app in a real X window (Xvfb): streams the demo voice to a local VMC receiver.

Not offscreen: this is the xcb platform a user gets. Screenshots are kept as test artefacts in
``test-artifacts/`` (or ``$TALKRIG_ARTIFACTS``).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from talkrig.app.settings import SETTINGS_FILE, AppSettings, SettingsStore, TargetSetting
from talkrig.app.stream import DEMO_DEVICE
from tests.conftest import REPO, need

DISPLAY = ":87"
WAIT_S = 30.0


def _artefacts() -> Path:
    folder = Path(os.environ.get("TALKRIG_ARTIFACTS", REPO / "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def xvfb() -> Iterator[dict[str, str]]:
    """A running Xvfb; yields the environment that puts an app on it."""
    need(shutil.which("Xvfb") is not None, "Xvfb is not installed (Debian xvfb)")
    need(shutil.which("import") is not None, "ImageMagick's import is not installed")
    server = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "1366x800x24", "-nolisten", "tcp"])
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env["DISPLAY"] = DISPLAY
    try:
        time.sleep(1.0)
        yield env
    finally:
        server.terminate()
        server.wait(10)


def _receive(receiver: socket.socket, app: subprocess.Popen[bytes], want: int) -> int:
    receiver.settimeout(0.5)
    datagrams = 0
    deadline = time.monotonic() + WAIT_S
    while datagrams < want and time.monotonic() < deadline and app.poll() is None:
        try:
            receiver.recv(65_535)
            datagrams += 1
        except TimeoutError:
            continue
    return datagrams


def _screenshot(name: str) -> QImage:
    shot = _artefacts() / name
    subprocess.run(
        ["import", "-display", DISPLAY, "-window", "root", str(shot)], check=True, timeout=20
    )
    image = QImage(str(shot))
    assert image.width() == 1366
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 9) for y in range(0, image.height(), 9)
    }
    assert len(colours) > 20  # a drawn window, not a blank screen
    return image


def test_real_window_streams_the_demo_to_vmc_and_is_not_blank(
    tmp_path: Path, xvfb: dict[str, str]
) -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    port = receiver.getsockname()[1]
    SettingsStore(tmp_path).save(
        AppSettings(device=DEMO_DEVICE, targets=(TargetSetting(f"vmc://127.0.0.1:{port}"),))
    )
    app = subprocess.Popen(
        [sys.executable, "-m", "talkrig.app.main", "--config-dir", str(tmp_path), "--start"],
        env=xvfb,
    )
    try:
        datagrams = _receive(receiver, app, 50)
        assert app.poll() is None, "the app exited"
        assert datagrams >= 50, f"the VMC receiver got {datagrams} datagrams"
        _screenshot("app-window.png")
    finally:
        app.terminate()
        app.wait(10)
        receiver.close()


def test_first_launch_with_no_settings_streams_to_vmc_39539_and_sigterm_saves(
    tmp_path: Path, xvfb: dict[str, str]
) -> None:
    """``talkrig --start`` on an empty config folder, as a VTuber's first run with VSeeFace
    listening on its default port; a shutdown (SIGTERM) keeps the session's settings."""
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        receiver.bind(("127.0.0.1", 39539))
    except OSError as exc:
        receiver.close()
        if exc.errno == errno.EADDRINUSE:
            pytest.skip("127.0.0.1:39539 is held by another program here")
        raise
    config = tmp_path / "fresh"
    app = subprocess.Popen(
        [sys.executable, "-m", "talkrig.commands", "--config-dir", str(config), "--start"],
        env=xvfb,
    )
    try:
        datagrams = _receive(receiver, app, 50)
        assert app.poll() is None, "the app exited"
        assert datagrams >= 50, f"the VMC receiver on 39539 got {datagrams} datagrams"
        _screenshot("app-first-launch.png")
        app.send_signal(signal.SIGTERM)
        assert app.wait(20) == 0
    finally:
        app.kill()
        app.wait(10)
        receiver.close()
    saved = json.loads((config / SETTINGS_FILE).read_text())
    assert saved["targets"] == [{"spec": "vmc://127.0.0.1:39539", "enabled": True}]
    assert saved["geometry"]  # the window's place, kept by the signal path
