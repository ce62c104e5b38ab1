"""The card travels inside the ONNX file: round trip, and each malformed card is refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import onnx
import pytest

from talkrig.models.card import CardError, ModelCard
from talkrig.models.contract import Family, Representation
from talkrig.models.loader import ModelError, load_model
from talkrig.models.session import read_card
from tests.models.conftest import card_for


@pytest.mark.parametrize("representation", list(Representation))
def test_card_round_trips_through_the_file(
    tiny_model: Callable[..., Path], representation: Representation
) -> None:
    card = card_for(
        representation,
        name="round-trip",
        family=Family.EMOTIONAL,
        lookahead_samples=640,
        description="Ünïcode description",
        metrics={"mae_percent": 3.25, "folds": 5},
    )
    path = tiny_model(card=card)
    assert read_card(path) == card
    with load_model(path, providers="cpu") as model:
        assert model.card == card
        assert model.card.lookahead_ms == 40.0


def test_card_round_trips_through_metadata() -> None:
    card = card_for(Representation.LANDMARKS_3D, metrics={"l_d": 1.5})
    assert ModelCard.from_metadata(card.to_metadata()) == card


def _edit_metadata(path: Path, **changes: str | None) -> Path:
    model = onnx.load(str(path))
    props = {p.key: p.value for p in model.metadata_props}
    for key, value in changes.items():
        if value is None:
            props.pop(key)
        else:
            props[key] = value
    del model.metadata_props[:]
    onnx.helper.set_model_props(model, props)
    onnx.save(model, str(path))
    return path


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"talkrig_card": "2"}, "version '2'"),
        ({"license": None}, "lacks license"),
        ({"representation": "mesh"}, "'mesh' is not a valid Representation"),
        ({"family": "happy"}, "'happy' is not a valid Family"),
        ({"output_names": '["jawOpen"]'}, "52 ARKit names"),
        ({"output_names": "not json"}, "malformed card value"),
        ({"window_samples": "many"}, "malformed card value"),
        ({"hop_samples": "0"}, "0 < hop <= window"),
        ({"lookahead_samples": "4000"}, "lookahead_samples 4000"),
        ({"sample_rate": "44100"}, "TalkRig streams 16000 Hz"),
        ({"name": "Bad Name!"}, "name 'Bad Name!'"),
    ],
)
def test_malformed_card_is_one_model_error(
    tiny_model: Callable[..., Path], changes: dict[str, str | None], problem: str
) -> None:
    path = _edit_metadata(tiny_model(), **changes)
    with pytest.raises(ModelError) as caught:
        load_model(path, providers="cpu")
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)
    assert not isinstance(caught.value.__cause__, CardError)  # one error, not a chain
