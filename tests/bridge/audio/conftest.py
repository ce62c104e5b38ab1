"""A private JACK server (dummy backend, real time) so PortAudio has a real input device.

The server gets a name of its own, so it neither meets a JACK server another process runs nor
leaves one behind; PortAudio is told its name through ``JACK_DEFAULT_SERVER`` and rescanned.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from typing import IO

import pytest

from talkrig.bridge.audio import devices
from talkrig.bridge.audio.base import AudioError
from tests.conftest import need

JACK_RATE = 16_000
JACK_PERIOD = 320
START_TIMEOUT_S = 10.0


def _wait_for_server(name: str, proc: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    import jack

    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            probe = jack.Client("talkrig-probe", servername=name, no_start_server=True)
        except jack.JackOpenError:
            time.sleep(0.1)
            continue
        probe.close()
        return
    log.seek(0)
    output = log.read().decode(errors="replace")
    raise RuntimeError(f"jackd server {name!r} did not come up; its output:\n{output}")


@pytest.fixture(scope="session")
def jack_server() -> Iterator[str]:
    """The JACK server's name, running with the dummy backend at 16 kHz, 20 ms periods."""
    need(shutil.which("jackd") is not None, "jackd is not installed (Debian: jackd2)")
    try:
        devices.portaudio()
        import jack  # noqa: F401  (JACK-Client, to feed audio and to probe the server)
    except (AudioError, ImportError, OSError) as exc:
        need(False, f"PortAudio or JACK-Client cannot load: {exc}")
    name = f"talkrig-test-{os.getpid()}"
    saved = {key: os.environ.get(key) for key in ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER")}
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            ["jackd", "-n", name, "--no-realtime", "-d", "dummy", "-r", str(JACK_RATE), "-p",
             str(JACK_PERIOD)],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_for_server(name, proc, log)
            os.environ["JACK_DEFAULT_SERVER"] = name  # read by libjack when PortAudio connects
            os.environ["JACK_NO_START_SERVER"] = "1"
            devices.rescan()
            yield name
        finally:
            # Let PortAudio leave JACK while the server still runs: terminating PortAudio's
            # JACK host API after its server died aborts the process (libjack).
            os.environ["JACK_DEFAULT_SERVER"] = f"{name}-gone"
            devices.rescan()
            proc.terminate()
            try:
                proc.wait(5.0)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5.0)
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
