"""``talkrig run --source mic`` when its JACK server dies: one clear line, no abort.

A real jackd (dummy backend) feeds a real headless run in a child process, then goes away. The
run reports the loss and ends with status 1 instead of PortAudio aborting the process. (A device
that comes back is reopened by name: ``RetryingInput``, tested in tests/app/test_input_retry.py.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.app.jack_loss_child import start_jackd
from tests.conftest import need


@pytest.mark.jack
def test_headless_run_reports_a_lost_jack_input_and_exits(tmp_path: Path) -> None:
    need(shutil.which("jackd") is not None, "jackd is not installed (Debian: jackd2)")
    name = f"talkrig-cli-loss-{os.getpid()}"
    try:
        server = start_jackd(name)
    except (ImportError, OSError, RuntimeError) as exc:
        need(False, f"the JACK setup is not available: {exc}")
    out = tmp_path / "face.jsonl"
    env = {**os.environ, "JACK_DEFAULT_SERVER": name, "JACK_NO_START_SERVER": "1"}
    run = subprocess.Popen(
        [sys.executable, "-m", "talkrig.commands", "run", "--source", "mic", "--model",
         "baseline-energy-blendshapes", "--target", f"jsonl:{out}", "-q"],
        env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and run.poll() is None:
            if out.is_file() and out.read_text().count("\n") >= 5:  # frames flow
                break
            time.sleep(0.1)
        assert out.is_file() and out.read_text().count("\n") >= 5
        server.terminate()
        server.wait(5.0)
        _, err = run.communicate(timeout=30)
    finally:
        for proc in (run, server):
            if proc.poll() is None:
                proc.kill()
    assert run.returncode == 1, err  # not -6 (SIGABRT from PortAudio's JACK code)
    assert "input lost:" in err and "restart of TalkRig" in err
    assert err.count("restart of TalkRig") == 1  # said once, as the run's error
