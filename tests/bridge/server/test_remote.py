"""``RemoteEngine``: a local source streamed to a real server, frames fanned out locally."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from talkrig.bridge.audio.file_source import FileSource
from talkrig.bridge.audio.sources import decode_file
from talkrig.bridge.engine import EngineOptions
from talkrig.bridge.frame import FaceFrame
from talkrig.bridge.offline import infer_audio
from talkrig.bridge.post.chain import PostConfig
from talkrig.bridge.remote import RemoteEngine
from talkrig.bridge.server import ServerConfig, StreamServer
from talkrig.models import arkit
from talkrig.models.loader import Model
from tests.helpers import wait_until

from .helpers import WAIT_S

TOLERANCE = 1e-5

SEED = 11


class Collect:
    """A frame listener that remembers every frame (client thread appends, test reads)."""

    def __init__(self) -> None:
        self.frames: list[FaceFrame] = []
        self._lock = threading.Lock()

    def __call__(self, frame: FaceFrame) -> None:
        with self._lock:
            self.frames.append(frame)

    def count(self) -> int:
        with self._lock:
            return len(self.frames)


@pytest.fixture
def clip(write_wav: Callable[[np.ndarray, str], Path], speech: np.ndarray) -> Path:
    return write_wav(speech[: 3 * 16_000], "speech.wav")


def test_remote_file_gives_the_offline_frames(
    start_server: Callable[..., StreamServer], clip: Path, model: Model
) -> None:
    server = start_server(post=PostConfig(seed=SEED), max_speed=0)
    got = Collect()
    remote = RemoteEngine(
        FileSource(clip, realtime=False), f"ws://127.0.0.1:{server.port}", [], listeners=[got]
    )
    with remote:
        assert remote.wait(WAIT_S)
    assert remote.error is None
    offline = list(infer_audio(decode_file(clip), model, PostConfig(seed=SEED)))
    assert [f.sequence for f in got.frames] == [f.sequence for f in offline]
    for frame, want in zip(got.frames, offline, strict=True):
        assert frame.blendshapes is not None
        np.testing.assert_allclose(frame.blendshapes, want.blendshapes, atol=TOLERANCE)
        assert frame.stream_time == pytest.approx(want.stream_time)
    assert remote.metrics.snapshot().frames == len(offline)
    assert remote.state().model == model.card.name


def test_input_gain_scales_what_the_client_sends(
    start_server: Callable[..., StreamServer], clip: Path, model: Model
) -> None:
    server = start_server(post=PostConfig(seed=SEED, gate=False, smoothing=False), max_speed=0)
    jaw = arkit.INDEX["jawOpen"]
    means = []
    for gain_db in (-20.0, 0.0):
        got = Collect()
        options = EngineOptions(gain_db=gain_db)
        url = f"ws://127.0.0.1:{server.port}"
        remote = RemoteEngine(FileSource(clip, realtime=False), url, [], options, [got])
        with remote:
            assert remote.wait(WAIT_S)
        assert remote.error is None
        means.append(np.mean([f.blendshapes[jaw] for f in got.frames if f.blendshapes is not None]))
    assert means[0] < 0.7 * means[1]  # the energy model opens the mouth less at -20 dB


def test_reconnects_when_the_server_comes_back(
    model: Model, clip: Path, start_server: Callable[..., StreamServer]
) -> None:
    first = start_server(max_speed=0)
    port = first.port
    got = Collect()
    remote = RemoteEngine(
        FileSource(clip, realtime=True, loop=True), f"ws://127.0.0.1:{port}", [], listeners=[got]
    )
    with remote:
        wait_until(lambda: got.count() >= 3, "frames from the first server")
        first.stop()
        wait_until(lambda: remote.state().status != "connected", "the client to notice")
        assert remote.state().last_error is not None or remote.state().reconnects >= 1
        before = got.count()
        with StreamServer(model, ServerConfig(port=port, max_speed=0)):
            wait_until(lambda: got.count() >= before + 3, "frames from the second server")
            assert remote.state().status == "connected"
    sequences = [f.sequence for f in got.frames]
    assert sequences == sorted(set(sequences))  # still increasing across the reconnect
    assert remote.state().reconnects >= 1
    assert remote.state().status == "stopped"


def test_wrong_token_is_one_clear_error(
    start_server: Callable[..., StreamServer], clip: Path
) -> None:
    server = start_server(token="right")
    remote = RemoteEngine(
        FileSource(clip), f"ws://127.0.0.1:{server.port}", [], EngineOptions(), token="wrong"
    )
    with remote:
        assert remote.wait(WAIT_S)
    assert remote.error is not None and "refused the token" in remote.error


def test_no_server_reports_and_stops_promptly(clip: Path) -> None:
    remote = RemoteEngine(FileSource(clip, loop=True), "ws://127.0.0.1:9", [])
    remote.start()
    try:
        wait_until(lambda: remote.state().reconnects >= 1, "a failed attempt")
        assert "127.0.0.1:9" in (remote.state().last_error or "")
    finally:
        began = time.monotonic()
        remote.stop()
    assert time.monotonic() - began < 2.5
    assert remote.finished.is_set()


def test_a_full_server_is_reported_with_its_reason_and_joined_when_a_slot_frees(
    start_server: Callable[..., StreamServer], clip: Path
) -> None:
    server = start_server(max_connections=1, max_speed=0)
    url = f"ws://127.0.0.1:{server.port}"
    first, second = Collect(), Collect()
    holder = RemoteEngine(FileSource(clip, loop=True), url, [], listeners=[first])
    waiting = RemoteEngine(FileSource(clip, loop=True), url, [], listeners=[second])
    with holder:
        wait_until(lambda: first.count() >= 1, "the first client's frames")
        waiting.start()
        try:
            wait_until(lambda: waiting.state().reconnects >= 1, "the second client refused")
            said = waiting.state().last_error or ""
            assert "busy" in said and "too many connections" in said and "503" in said
            assert second.count() == 0
            holder.stop()
            wait_until(lambda: second.count() >= 3, "the second client in, once the slot freed")
        finally:
            waiting.stop()


def test_a_refusal_with_a_garbage_body_is_one_readable_line(clip: Path) -> None:
    # not a TalkRig server: a 503 whose body is binary junk, escape codes and line breaks
    junk = b"\x1b[2Jfull\r\n\x00\xff\xfe" + bytes(range(256)) * 40
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def answer_503s() -> None:
        listener.settimeout(WAIT_S)
        with contextlib.suppress(OSError):
            while True:
                conn, _ = listener.accept()
                with conn:
                    conn.recv(65_536)
                    head = f"HTTP/1.1 503 Busy\r\nContent-Length: {len(junk)}\r\n\r\n"
                    conn.sendall(head.encode() + junk)

    threading.Thread(target=answer_503s, daemon=True).start()
    remote = RemoteEngine(FileSource(clip, loop=True), f"ws://127.0.0.1:{port}", [])
    remote.start()
    try:
        wait_until(lambda: remote.state().reconnects >= 1, "the refusal")
        said = remote.state().last_error or ""
    finally:
        remote.stop()
        listener.close()
    assert "is busy: [2Jfull" in said and "(HTTP 503)" in said  # no escape, no line break
    assert said.isprintable() and len(said) < 300
