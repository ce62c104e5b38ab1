"""Loading by name and path; every kind of bad file answers with one ModelError naming it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import pytest

from talkrig.models.contract import WINDOW_SAMPLES, Representation
from talkrig.models.loader import Model, ModelError, load_model
from talkrig.models.onnx_graph import GraphBuilder
from talkrig.models.registry import DEFAULT_MODEL, Registry
from talkrig.models.session import read_card
from tests.models.conftest import card_for


def _error_for(path: Path) -> str:
    with pytest.raises(ModelError) as caught:
        load_model(path, providers="cpu")
    message = str(caught.value)
    assert str(path) in message
    return message


def test_load_by_path_runs_the_model(tiny_model: Callable[..., Path]) -> None:
    path = tiny_model()
    with load_model(path, providers="cpu") as model:
        assert isinstance(model, Model)
        assert model.path == path and model.card.name == "tiny"
        loud = np.full((3, WINDOW_SAMPLES), 0.5, np.float32)
        out = model(loud)
        assert out.shape == (3, 52) and out.dtype == np.float32
        # out = bias + mean|audio| * ramp: the input must reach the output.
        assert np.allclose(out[0] - model.rest_output(), 0.5 * np.linspace(0.5, 1.0, 52))


def test_load_by_string_path(tiny_model: Callable[..., Path]) -> None:
    with load_model(str(tiny_model()), providers="cpu") as model:
        assert model.card.name == "tiny"


def test_load_by_name_from_a_registry(tiny_model: Callable[..., Path]) -> None:
    path = tiny_model("some-file.onnx", card_for(name="my-model"))
    with load_model("my-model", providers="cpu", registry=Registry([path.parent])) as model:
        assert model.path == path


def test_load_default_model_by_name(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))  # an empty user folder
    with load_model(DEFAULT_MODEL, providers="cpu") as model:
        assert model.card.name == DEFAULT_MODEL
        assert model.card.representation is Representation.BLENDSHAPES


def test_unknown_name_lists_the_available_ones(tiny_model: Callable[..., Path]) -> None:
    path = tiny_model()
    with pytest.raises(ModelError, match=r"unknown model 'nope'; available: tiny"):
        load_model("nope", registry=Registry([path.parent]))


def test_windows_of_the_wrong_width_are_refused(tiny_model: Callable[..., Path]) -> None:
    with load_model(tiny_model(), providers="cpu") as model:
        with pytest.raises(ModelError, match=r"needs windows \(batch, 4480\)"):
            model(np.zeros((1, 4479), np.float32))
        with pytest.raises(ModelError, match="needs windows"):
            model(np.zeros(WINDOW_SAMPLES, np.float32))
        assert model(np.zeros((2, WINDOW_SAMPLES))).dtype == np.float32  # float64 converted


def test_rest_output_is_a_copy_of_the_silent_output(tiny_model: Callable[..., Path]) -> None:
    with load_model(tiny_model(), providers="cpu") as model:
        rest = model.rest_output()
        assert np.allclose(rest, np.linspace(0.0, 0.4, 52))
        rest[:] = 9.0
        assert np.allclose(model.rest_output(), np.linspace(0.0, 0.4, 52))


def test_closed_model_refuses_to_run(tiny_model: Callable[..., Path]) -> None:
    with load_model(tiny_model(), providers="cpu") as model:
        pass
    with pytest.raises(ModelError, match="closed"):
        model(np.zeros((1, WINDOW_SAMPLES), np.float32))
    model.close()  # idempotent


def test_missing_file(tmp_path: Path) -> None:
    assert "no such model file" in _error_for(tmp_path / "absent.onnx")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.onnx"
    path.write_bytes(b"")
    assert "empty file" in _error_for(path)


def test_folder_instead_of_file(tmp_path: Path) -> None:
    folder = tmp_path / "folder.onnx"
    folder.mkdir()
    assert "not a file" in _error_for(folder)


@pytest.mark.parametrize(
    "content",
    [np.random.default_rng(7).bytes(4096), b"this is a text file, not a model\n" * 20],
    ids=["random-bytes", "text"],
)
def test_garbage_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "garbage.onnx"
    path.write_bytes(content)
    assert "not a loadable ONNX model" in _error_for(path)


def test_model_without_card(tiny_model: Callable[..., Path]) -> None:
    assert "no TalkRig model card" in _error_for(tiny_model(with_card=False))


def test_output_shape_contradicting_card(tiny_model: Callable[..., Path]) -> None:
    message = _error_for(tiny_model(output_shape=(51,)))
    assert "'blendshapes' has shape ['batch', 51]" in message and "[batch, 52]" in message


def test_landmark_dims_contradicting_card(tiny_model: Callable[..., Path]) -> None:
    card = card_for(Representation.LANDMARKS_2D)
    message = _error_for(tiny_model(card=card, output_shape=(68, 3)))
    assert "[batch, 68, 2]" in message


def test_dynamic_output_that_runs_to_the_wrong_shape(tmp_path: Path) -> None:
    # Slicing an input of unknown width leaves ORT unable to infer the output width, so only
    # running the model shows that it gives 51 values, not 52.
    g = GraphBuilder()
    out = g.op("Slice", "audio", g.ints([0]), g.ints([51]), g.ints([1]), name="blendshapes")
    path = tmp_path / "dynamic.onnx"
    g.save(path, card_for(), out, "samples", output_dims=["n"], producer="test")
    message = _error_for(path)
    assert "(1, 51)" in message and "(1, 52)" in message


def test_wrong_input_name(tiny_model: Callable[..., Path]) -> None:
    assert "inputs are ['wave']" in _error_for(tiny_model(input_name="wave"))


def test_wrong_output_name(tiny_model: Callable[..., Path]) -> None:
    assert "needs 'blendshapes'" in _error_for(tiny_model(output_name="out"))


def test_input_width_contradicting_card(tiny_model: Callable[..., Path]) -> None:
    assert "window_samples" in _error_for(tiny_model(input_samples=3200))


def test_fixed_batch_is_refused(tiny_model: Callable[..., Path]) -> None:
    assert "fixed batch size 1" in _error_for(tiny_model(fixed_batch=True))


def test_dynamic_input_width_is_accepted(tiny_model: Callable[..., Path]) -> None:
    path = tiny_model()
    model_proto = onnx.load(str(path))
    model_proto.graph.input[0].type.tensor_type.shape.dim[1].dim_param = "samples"
    onnx.save(model_proto, str(path))
    assert read_card(path).window_samples == WINDOW_SAMPLES
