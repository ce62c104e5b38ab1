"""Child process of ``test_input_retry``: a JACK server dies under a live StreamSession.

Exit status 0 when the loss was reported and everything stopped without an abort, 3 when the
JACK setup is missing (the test then says why), 1 on a failed expectation. Prints what it saw.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

START_TIMEOUT_S = 10.0
LOSS_TIMEOUT_S = 10.0


def start_jackd(name: str) -> subprocess.Popen[bytes]:
    """jackd with the dummy backend, real time, 16 kHz, 20 ms periods; waits until it serves."""
    import jack

    proc = subprocess.Popen(
        ["jackd", "-n", name, "--no-realtime", "-d", "dummy", "-r", "16000", "-p", "320"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            jack.Client("talkrig-probe", servername=name, no_start_server=True).close()
            return proc
        except jack.JackOpenError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"jackd {name!r} did not come up")


def main() -> int:
    name = os.environ["TALKRIG_TEST_JACK_NAME"]
    os.environ["JACK_DEFAULT_SERVER"] = name  # read by libjack when PortAudio connects
    os.environ["JACK_NO_START_SERVER"] = "1"
    try:
        proc = start_jackd(name)
        from talkrig.bridge.audio.devices import list_devices

        found = [d for d in list_devices(refresh=True) if "JACK" in d.hostapi]
    except (ImportError, OSError, RuntimeError) as exc:
        print(f"no JACK setup: {exc}")
        return 3
    from talkrig.app.stream import StreamSession
    from talkrig.models.registry import DEFAULT_MODEL, Registry

    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5.0)
    port = receiver.getsockname()[1]
    session = StreamSession(
        Registry(), found[0].name, DEFAULT_MODEL, None, [f"vmc://127.0.0.1:{port}"]
    )
    try:
        for _ in range(3):
            receiver.recv(65536)
        print("frames before: 3 datagrams received")
        proc.terminate()  # the server goes away (SIGTERM lets it free its shared memory)
        proc.wait(5.0)
        deadline = time.monotonic() + LOSS_TIMEOUT_S
        message = None
        while message is None and time.monotonic() < deadline:
            time.sleep(0.05)
            message = session.poll_input()
        print(message)
        if message is None or not session.engine.finished.wait(2.0):
            print("the loss was not reported, or the engine went on")
            return 1
        print(f"engine error: {session.engine.error}")
    finally:
        session.stop()
        receiver.close()
        if proc.poll() is None:
            proc.kill()
    if session.portaudio_restartable:
        print("PortAudio was not marked as unsafe to restart")
        return 1
    print("stopped cleanly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
