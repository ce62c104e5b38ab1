"""Input gain: what the model sees changes with it, live and from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from talkrig.bridge.audio.gain import db_to_gain
from talkrig.bridge.audio.sources import FileSource, demo_path
from talkrig.bridge.engine import Engine, EngineOptions
from talkrig.bridge.frame import FaceFrame
from talkrig.bridge.post.chain import PostConfig
from talkrig.commands.cli import main
from talkrig.models import arkit
from talkrig.models.loader import Model

JAW = arkit.INDEX["jawOpen"]
RAW = PostConfig(smoothing=False, gate=False, blink=False, seed=0)  # the model's own output


class Windows:
    """Listener keeping each frame's jawOpen; the model reads the gained window."""

    def __init__(self) -> None:
        self.jaw: list[float] = []

    def __call__(self, frame: FaceFrame) -> None:
        assert frame.blendshapes is not None
        self.jaw.append(float(frame.blendshapes[JAW]))


def _jaw(model: Model, gain_db: float) -> np.ndarray:
    got = Windows()
    engine = Engine(FileSource(demo_path(), realtime=False), model, [],
                    EngineOptions(post=RAW, gain_db=gain_db), listeners=[got])  # fmt: skip
    engine.start()
    try:
        assert engine.wait(60.0)
    finally:
        engine.stop()
    assert engine.error is None
    return np.array(got.jaw)


def test_db_to_gain() -> None:
    assert db_to_gain(0.0) == 1.0
    assert db_to_gain(20.0) == pytest.approx(10.0)
    assert db_to_gain(-6.0) == pytest.approx(0.501, abs=1e-3)


def test_gain_changes_what_the_model_sees(energy_model: Model) -> None:
    quiet, plain, loud = (_jaw(energy_model, db) for db in (-20.0, 0.0, 12.0))
    assert len(quiet) == len(plain) == len(loud) > 100
    assert quiet.mean() < plain.mean() < loud.mean()
    assert quiet.max() < 0.8 * plain.max()


def test_set_gain_db_applies_while_streaming(energy_model: Model) -> None:
    engine = Engine(FileSource(demo_path(), realtime=False), energy_model, [],
                    EngineOptions(post=RAW))  # fmt: skip
    engine.set_gain_db(-20.0)
    assert engine.options.gain_db == -20.0
    got = Windows()
    engine.listeners.append(got)
    engine.start()
    try:
        assert engine.wait(60.0)
    finally:
        engine.stop()
    np.testing.assert_allclose(got.jaw, _jaw(energy_model, -20.0), atol=1e-6)


def test_cli_gain_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    means = []
    for db in ("-20", "0"):
        rec = tmp_path / f"face{db}.jsonl"
        assert main(["run", "--source", "demo", "--fast", "--target", f"jsonl:{rec}",
                     "--quiet", "--no-gate", "--seed", "1", "--gain-db", db]) == 0  # fmt: skip
        rows = [json.loads(line) for line in rec.read_text().splitlines()]
        means.append(np.mean([r["blendshapes"]["jawOpen"] for r in rows]))
    assert means[0] < means[1]
    with pytest.raises(SystemExit) as exc:
        main(["run", "--source", "demo", "--target", f"jsonl:{tmp_path}/x.jsonl",
              "--gain-db", "99"])  # fmt: skip
    assert exc.value.code == 2
    assert "--gain-db must be within -20..+30 dB" in capsys.readouterr().err
