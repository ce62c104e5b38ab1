"""An input device that goes away and comes back: the stream waits, reopens it by name, goes on.

Why not a real JACK server restart for the "comes back" half: with Debian's PortAudio, closing
a stream whose JACK server died, or restarting PortAudio afterwards (the only way it sees the new
server), fails an assertion in ``pa_jack.c`` and aborts the process. The loss half runs for real
in ``test_jack_server_killed_under_the_stream_is_reported_without_a_crash`` (in a child
process); the recovery runs with :class:`UnpluggableDevice`, real demo audio paced in real time,
(tests/app/unplug.py).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from talkrig.app.stream import StreamSession
from talkrig.bridge.audio.retry import RetryingInput
from talkrig.bridge.audio.ring import SampleRing
from talkrig.models.registry import DEFAULT_MODEL, Registry
from tests.app.conftest import drain
from tests.app.unplug import NAME, PlugBoard
from tests.conftest import need
from tests.helpers import wait_until


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _received(sock: socket.socket, count: int) -> Callable[[], bool]:
    """A condition: ``count`` more datagrams have arrived since it was made."""
    got: list[bytes] = []

    def enough() -> bool:
        got.extend(drain(sock))
        return len(got) >= count

    return enough


def test_a_lost_device_is_retried_every_interval_and_comes_back_by_name() -> None:
    board, clock = PlugBoard(), Clock()
    source = RetryingInput(NAME, board.open(NAME, False), board.open, retry_s=2.0, clock=clock)
    ring = SampleRing(16_000, 1)
    source.start(ring)
    try:
        wait_until(lambda: ring.total_written > 0)
        assert source.poll() is None and source.lost is None
        board.plugged = False
        board.devices[0].unplug()
        message = source.poll()
        assert message is not None and message.startswith("input lost:")
        assert "unplugged" in message and "retrying every 2 s" in message
        assert source.error is None and not source.finished  # the engine keeps waiting
        assert source.poll() is None  # the loss is told once
        clock.now += 1.9
        assert source.poll() is None and board.attempts == [False]  # not due yet
        clock.now += 0.2
        assert source.poll() is None and board.attempts == [False, True]  # rescans first
        assert source.retry_error is not None and "not connected" in source.retry_error
        board.plugged, board.rate = True, 48_000
        clock.now += 2.1
        assert source.poll() is None and source.lost is not None
        assert source.retry_error is not None and "came back at 48000 Hz" in source.retry_error
        board.rate = 16_000
        clock.now += 2.1
        written = ring.total_written
        assert source.poll() == f"input back: {NAME}"
        assert (source.lost, source.retry_error, source.reconnects) == (None, None, 1)
        assert source.inner is board.devices[-1]
        wait_until(lambda: ring.total_written > written)  # the new device writes the same ring
    finally:
        source.stop()
        for device in board.devices:
            device.stop()


def test_the_stream_waits_for_a_lost_device_and_frames_flow_again(
    udp_receiver: socket.socket,
) -> None:
    board = PlugBoard()
    port = udp_receiver.getsockname()[1]
    session = StreamSession(
        Registry(), NAME, DEFAULT_MODEL, None, [f"vmc://127.0.0.1:{port}"], opener=board.open
    )
    try:
        wait_until(_received(udp_receiver, 3))
        board.plugged = False
        board.devices[0].unplug()
        wait_until(lambda: session.poll_input() is not None)
        assert session.input_lost is not None and "unplugged" in session.input_lost
        time.sleep(0.3)  # frames already under way arrive; then nothing
        drain(udp_receiver)
        time.sleep(0.3)
        assert drain(udp_receiver) == []
        assert not session.engine.finished.is_set() and session.engine.error is None
        assert len(session.targets.senders) == 1  # the target stays open
        board.plugged = True
        messages: list[str | None] = []

        def came_back() -> bool:  # polled like the display timer does
            messages.append(session.poll_input())
            return session.input_lost is None

        wait_until(came_back)
        assert [m for m in messages if m] == [f"input back: {NAME}"]
        wait_until(_received(udp_receiver, 3))
        assert session.engine.error is None
    finally:
        session.stop()
        for device in board.devices:
            device.stop()


CHILD = Path(__file__).with_name("jack_loss_child.py")


@pytest.mark.jack
def test_jack_server_killed_under_the_stream_is_reported_without_a_crash(tmp_path: Path) -> None:
    """A real JACK server (dummy backend) feeds a real StreamSession and is then killed.

    In a child process: a PortAudio that lost its JACK server cannot be restarted in-process,
    which would break every later test here that rescans devices."""
    need(shutil.which("jackd") is not None, "jackd is not installed (Debian: jackd2)")
    env = {**os.environ, "TALKRIG_TEST_JACK_NAME": f"talkrig-loss-{os.getpid()}"}
    done = subprocess.run(
        [sys.executable, str(CHILD)], capture_output=True, text=True, timeout=60, env=env,
        cwd=tmp_path,
    )  # fmt: skip
    output = done.stdout + done.stderr
    if done.returncode == 3:
        need(False, f"the JACK setup is not available: {output[-500:]}")
    assert done.returncode == 0, output[-3000:]
    assert "frames before: " in done.stdout
    assert "input lost:" in done.stdout and "restart of TalkRig" in done.stdout
    assert "stopped cleanly" in done.stdout
