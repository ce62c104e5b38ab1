"""Real app processes (offscreen): a signal saves the session's changes; one app per config
folder, a crashed one never blocks the next; ``talkrig --help`` offers both options."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from talkrig.app.instance_lock import LOCK_FILE, InstanceBusy, InstanceLock, other_config_dir
from talkrig.app.main import busy_box, take_lock
from talkrig.app.quit_signals import QUIT_SIGNALS
from talkrig.app.settings import SETTINGS_FILE
from talkrig.commands import cli
from talkrig.commands.app import app_arguments
from tests.app.quit_child import GAIN_DB
from tests.conftest import REPO

# The real `talkrig` entry point, its warning box shortened from 30 s to keep the test quick.
SECOND = (
    "import sys; import talkrig.app.main as app; app.BUSY_BOX_MS = 300; "
    "from talkrig.commands.cli import main; sys.exit(main(sys.argv[1:]))"
)
START_S = 60.0  # importing Qt and ONNX Runtime on a loaded 2-core machine


def _env() -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return env


def _start_app(config: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.app.quit_child", "--config-dir", str(config), *extra],
        cwd=REPO, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _wait_changed(app: subprocess.Popen[str]) -> None:
    assert app.stdout is not None
    line = app.stdout.readline()  # blocks until the child prints, or dies (then "")
    assert line.strip() == "changed", f"the app said {line!r}; stderr: {app.stderr.read()}"  # type: ignore[union-attr]


@pytest.mark.parametrize("sig", QUIT_SIGNALS, ids=[s.name for s in QUIT_SIGNALS])
def test_a_signal_saves_the_change_and_ends_the_app(tmp_path: Path, sig: signal.Signals) -> None:
    app = _start_app(tmp_path)
    try:
        _wait_changed(app)
        saved = tmp_path / SETTINGS_FILE
        assert not saved.exists()  # nothing saved it yet: the debounce is out of reach
        app.send_signal(sig)
        assert app.wait(START_S) == 0
    finally:
        app.kill()
        app.wait()
    assert json.loads(saved.read_text())["gain_db"] == GAIN_DB
    InstanceLock(tmp_path).acquire()  # the lock went with the process


def test_a_second_app_on_the_same_folder_is_refused_and_told_what_to_do(tmp_path: Path) -> None:
    first = _start_app(tmp_path)
    try:
        _wait_changed(first)
        second = subprocess.run(
            [sys.executable, "-c", SECOND, "--config-dir", str(tmp_path)],
            cwd=REPO, env=_env(), capture_output=True, text=True, timeout=START_S,
        )  # fmt: skip
    finally:
        first.terminate()
        first.wait(START_S)
    assert second.returncode == 1
    assert "already running" in second.stderr and f"process {first.pid}" in second.stderr
    assert f"--config-dir {other_config_dir(tmp_path)}" in second.stderr
    assert "--second-instance" in second.stderr
    assert "Traceback" not in second.stderr


def _holder(folder: Path) -> subprocess.Popen[str]:
    code = (
        "import sys, time; from talkrig.app.instance_lock import InstanceLock; "
        "InstanceLock(sys.argv[1]).acquire(); print('held', flush=True); time.sleep(60)"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, str(folder)], stdout=subprocess.PIPE, text=True
    )


def test_a_lock_left_by_a_crashed_app_does_not_block(tmp_path: Path) -> None:
    holder = _holder(tmp_path)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    with pytest.raises(InstanceBusy, match=f"process {holder.pid}"):
        InstanceLock(tmp_path).acquire()
    holder.send_signal(signal.SIGKILL)  # a crash: no cleanup runs
    holder.wait()
    assert (tmp_path / LOCK_FILE).read_text().strip() == str(holder.pid)  # the stale file
    with InstanceLock(tmp_path) as lock:
        assert (tmp_path / LOCK_FILE).read_text().strip() == str(os.getpid())
        with pytest.raises(InstanceBusy):
            take_lock(tmp_path, second_instance=False)
        assert take_lock(tmp_path, second_instance=True)[0] is None  # asked to run beside
    assert lock.path.exists()


def test_a_folder_that_cannot_hold_a_lock_is_a_notice(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    lock, notice = take_lock(blocker / "cfg", second_instance=False)
    assert lock is None and notice is not None and "cannot lock" in notice


def test_help_offers_config_dir_and_second_instance(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert "--config-dir DIR" in out and "--second-instance" in out


def test_the_cli_hands_its_app_options_to_the_app(tmp_path: Path) -> None:
    args = cli.build_parser().parse_args(["--config-dir", str(tmp_path), "--second-instance"])
    assert app_arguments(args) == ["--config-dir", str(tmp_path), "--second-instance"]


def test_the_second_instance_shows_its_warning_in_a_window(qapp: QApplication) -> None:
    box = busy_box("TalkRig is already running (process 42) with the settings in /x")
    box.show()
    assert box.isVisible() and box.icon() == QMessageBox.Icon.Warning
    assert "process 42" in box.text() and box.windowTitle() == "TalkRig is already running"
    box.close()
