"""The real app in a real X window (Xvfb): streams the demo voice to a local VMC receiver.

Not offscreen: this is the xcb platform a user gets. The screenshot is kept as a test artefact in
``test-artifacts/app-window.png`` (or ``$TALKRIG_ARTIFACTS``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtGui import QImage

from talkrig.app.settings import AppSettings, SettingsStore, TargetSetting
from talkrig.app.stream import DEMO_DEVICE
from tests.conftest import REPO, need

DISPLAY = ":87"
WAIT_S = 30.0


def _artefacts() -> Path:
    folder = Path(os.environ.get("TALKRIG_ARTIFACTS", REPO / "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_real_window_streams_the_demo_to_vmc_and_is_not_blank(tmp_path: Path) -> None:
    need(shutil.which("Xvfb") is not None, "Xvfb is not installed (Debian xvfb)")
    need(shutil.which("import") is not None, "ImageMagick's import is not installed")
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(0.5)
    port = receiver.getsockname()[1]
    SettingsStore(tmp_path).save(
        AppSettings(device=DEMO_DEVICE, targets=(TargetSetting(f"vmc://127.0.0.1:{port}"),))
    )
    xvfb = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "1366x800x24", "-nolisten", "tcp"])
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env["DISPLAY"] = DISPLAY
    app = None
    try:
        time.sleep(1.0)
        app = subprocess.Popen(
            [sys.executable, "-m", "talkrig.app.main", "--config-dir", str(tmp_path), "--start"],
            env=env,
        )
        datagrams = 0
        deadline = time.monotonic() + WAIT_S
        while datagrams < 50 and time.monotonic() < deadline and app.poll() is None:
            try:
                receiver.recv(65_535)
                datagrams += 1
            except TimeoutError:
                continue
        assert app.poll() is None, "the app exited"
        assert datagrams >= 50, f"the VMC receiver got {datagrams} datagrams"
        shot = _artefacts() / "app-window.png"
        subprocess.run(
            ["import", "-display", DISPLAY, "-window", "root", str(shot)], check=True, timeout=20
        )
        image = QImage(str(shot))
        assert image.width() == 1366
        colours = {
            image.pixel(x, y)
            for x in range(0, image.width(), 9)
            for y in range(0, image.height(), 9)
        }
        assert len(colours) > 20  # a drawn window, not a blank screen
    finally:
        if app is not None:
            app.terminate()
            app.wait(10)
        xvfb.terminate()
        xvfb.wait(10)
        receiver.close()
