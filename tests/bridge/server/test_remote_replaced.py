"""``talkrig run --server`` counts replaced frames (a model output that was not finite, shown as
the last good face) as the local engine does: the server flags them, the client counts them."""

from __future__ import annotations

from pathlib import Path

from talkrig.bridge.audio.sources import FileSource, demo_path
from talkrig.bridge.engine import Engine, EngineOptions
from talkrig.bridge.post.chain import PostConfig
from talkrig.bridge.remote import RemoteEngine
from talkrig.bridge.server import ServerConfig, StreamServer
from talkrig.models.loader import load_model
from tests.bridge.test_hostile_input import _nan_on_speech_model

WAIT_S = 60.0


def test_remote_run_counts_replaced_frames_like_the_local_engine(tmp_path: Path) -> None:
    path = _nan_on_speech_model(tmp_path / "nan-on-speech.onnx")  # NaN on every loud window
    options = EngineOptions(post=PostConfig(seed=1, gate=False))
    with load_model(path, providers="cpu") as model:
        local = Engine(FileSource(demo_path(), realtime=False), model, [], options)
        local.start()
        assert local.wait(WAIT_S)
        local.stop()
        with StreamServer(model, ServerConfig(port=0, max_speed=0, post=options.post)) as server:
            url = f"ws://127.0.0.1:{server.port}/"
            remote = RemoteEngine(FileSource(demo_path(), realtime=False), url, [], options)
            remote.start()
            assert remote.wait(WAIT_S)
            remote.stop()
    assert local.error is None and remote.error is None
    here, there = local.metrics.snapshot(), remote.metrics.snapshot()
    assert there.frames == here.frames
    assert 10 < there.frames_replaced < there.frames
    assert there.frames_replaced == here.frames_replaced
