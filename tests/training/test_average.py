"""``talkrig train average``: several real shipped models as one file whose output is their mean,
run through ONNX Runtime; members that cannot be one model are refused with one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import numpy_helper

from talkrig.models.session import read_card
from talkrig.training.cli import main
from talkrig.training.learning.average import AverageError, average_models

MODELS = Path(__file__).resolve().parents[2] / "models"
NEUTRAL, PAPER = MODELS / "talkrig-neutral.onnx", MODELS / "talkrig-cnn-paper.onnx"


def _outputs(path: Path, audio: np.ndarray) -> np.ndarray:
    return ort.InferenceSession(str(path)).run(None, {"audio": audio})[0]


def test_the_mean_of_two_models_is_one_model_of_their_contract(tmp_path: Path) -> None:
    out = tmp_path / "mean.onnx"
    assert main(["train", "average", str(out), str(NEUTRAL), str(PAPER), "--name", "both"]) == 0
    audio = np.random.default_rng(1).normal(0, 0.1, (4, 4480)).astype(np.float32)
    a, b = _outputs(NEUTRAL, audio), _outputs(PAPER, audio)
    np.testing.assert_allclose(_outputs(out, audio), (a + b) / 2, atol=1e-6)
    card, first, second = read_card(out), read_card(NEUTRAL), read_card(PAPER)
    assert card.name == "both" and card.output_names == first.output_names
    assert card.architecture == f"{first.architecture}; and {second.architecture}"
    assert card.metrics["averaged members"] == 2.0
    # figures the members disagree on are kept per member, not passed off as the mean's
    key = "grid s1: jawOpen r"
    assert key not in card.metrics
    assert card.metrics[f"{key} (member 1)"] == first.metrics[key]
    assert card.metrics[f"{key} (member 2)"] == second.metrics[key]
    assert card.description.endswith("the mean of 2 models in one graph: talkrig-neutral, "
                                      "talkrig-cnn-paper")  # fmt: skip


def _weights(path: Path) -> list[bytes]:
    model = onnx.load(str(path))
    return [numpy_helper.to_array(t).tobytes() for t in model.graph.initializer]


def test_what_the_members_compute_alike_is_computed_once(tmp_path: Path) -> None:
    member = MODELS / "talkrig-emotional.onnx"
    out = tmp_path / "twice.onnx"
    average_models([member, member], out)
    # one model averaged with itself collapses to that model (its repeated constants once) and
    # a Mean per output, not two copies of it
    graph = onnx.load(str(member)).graph
    assert len(onnx.load(str(out)).graph.node) <= len(graph.node) + len(graph.output)
    assert len(_weights(out)) == len(_weights(member))
    audio = np.random.default_rng(2).normal(0, 0.1, (3, 4480)).astype(np.float32)
    np.testing.assert_array_equal(_outputs(out, audio), _outputs(member, audio))
    # every shipped mean of runs holds its log-Mel front end once: no weight twice
    means = [p for p in MODELS.glob("*.onnx") if "averaged members" in read_card(p).metrics]
    assert NEUTRAL in means
    for path in means:
        weights = _weights(path)
        assert len(set(weights)) == len(weights), path.name


def test_members_that_cannot_be_one_model_get_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model")
    out = str(tmp_path / "mean.onnx")
    cases = {
        "two models or more": [out, str(NEUTRAL)],
        "not a loadable ONNX model": [out, str(NEUTRAL), str(junk)],
        "differ in representation": [out, str(NEUTRAL), str(MODELS / "talkrig-landmarks2d.onnx")],
        "differ in lookahead_samples": [out, str(NEUTRAL), str(MODELS / "talkrig-lowlatency.onnx")],
        "differ in family": [out, str(NEUTRAL), str(MODELS / "talkrig-emotional.onnx")],
        "cannot write": [str(tmp_path / "no" / "such" / "m.onnx"), str(NEUTRAL), str(PAPER)],
    }
    for expected, argv in cases.items():
        assert main(["train", "average", *argv]) == 2, expected
        (line,) = capsys.readouterr().err.strip().splitlines()
        assert line.startswith("talkrig train average: ") and expected in line
    assert not (tmp_path / "mean.onnx").exists()
    with pytest.raises(AverageError, match="two models or more"):
        average_models([], tmp_path / "x.onnx")
