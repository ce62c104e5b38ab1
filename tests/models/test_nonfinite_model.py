"""A model whose output on silence is NaN or infinite is refused at load, naming the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from talkrig.commands.cli import main
from talkrig.models.loader import ModelError, load_model
from talkrig.models.onnx_graph import GraphBuilder
from tests.helpers import write_wav
from tests.models.conftest import card_for


def _constant_model(path: Path, value: float, index: int | None = None) -> Path:
    """A real ONNX graph ``out = audio-level · 0 + bias`` whose bias holds ``value``
    (everywhere, or only at ``index``)."""
    card = card_for(name="broken")
    g = GraphBuilder()
    level = g.op("ReduceMean", g.op("Abs", "audio"), axes=[1], keepdims=1)  # (B, 1)
    bias = np.full(52, 0.1, np.float32)
    bias[slice(None) if index is None else index] = value
    flat = g.op("Add", g.op("MatMul", level, g.floats(np.zeros((1, 52)))), g.floats(bias))
    out = g.op("Reshape", flat, g.ints([-1, 52]), name="blendshapes")
    g.save(path, card, out, card.window_samples, output_dims=(52,), producer="test")
    return path


@pytest.mark.parametrize(
    ("value", "index", "count"),
    [(np.nan, None, 52), (-np.inf, None, 52), (np.inf, 17, 1)],
)
def test_non_finite_rest_output_is_refused(
    tmp_path: Path, value: float, index: int | None, count: int
) -> None:
    path = _constant_model(tmp_path / "broken.onnx", value, index)
    with pytest.raises(ModelError) as caught:
        load_model(path, providers="cpu")
    message = str(caught.value)
    assert message.startswith(f"{path}: output on silence is not finite")
    assert f"({count} of 52 values" in message and "\n" not in message


def test_a_finite_constant_model_still_loads(tmp_path: Path) -> None:
    with load_model(_constant_model(tmp_path / "fine.onnx", 0.25), providers="cpu") as model:
        assert np.isfinite(model.rest_output()).all()


def test_cli_refuses_it_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _constant_model(tmp_path / "nan.onnx", np.nan)
    audio = write_wav(tmp_path / "x.wav", np.zeros(16_000))
    code = main(["infer", str(audio), "--out", str(tmp_path / "o.csv"), "--model", str(path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [
        f"talkrig: error: {path}: output on silence is not finite (52 of 52 values "
        "are NaN or infinite): the model is broken"
    ]
