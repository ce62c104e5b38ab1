"""The recipes in training/recipes rebuild the shipped models: they parse and match the cards."""

from __future__ import annotations

from pathlib import Path

import pytest

from talkrig.models.registry import SHIPPED_DIR
from talkrig.models.session import read_card
from talkrig.training.learning.config import resolve
from talkrig.training.learning.fit import network_for

RECIPES = Path(__file__).resolve().parents[2] / "training" / "recipes"


@pytest.mark.parametrize("recipe", sorted(p.stem for p in RECIPES.glob("*.toml")))
def test_recipe_matches_the_model_it_rebuilds(recipe: str) -> None:
    config = resolve(RECIPES / f"{recipe}.toml")
    card = read_card(SHIPPED_DIR / f"talkrig-{recipe}.onnx")
    network = network_for(config, len(card.output_names))
    assert network.architecture == card.architecture
    assert (config.window_samples, config.hop_samples, config.lookahead_samples) == (
        card.window_samples,
        card.hop_samples,
        card.lookahead_samples,
    )
    assert config.prosody == (1 if card.family.value == "emotional" else 0)
    # the shipped weights came from 1 thread and seed 0; another thread count sums in another
    # order and gives other weights
    assert (config.threads, config.seed) == (1, 0)
    # a recipe whose rebuild averages runs ships their mean, and its card says of how many
    runs = config.average_runs
    assert card.metrics.get("averaged members", 1.0) == runs
    if runs > 1:
        seeds = ", ".join(str(config.seed + k) for k in range(runs))
        assert (
            f"the mean of {runs} runs of the recipe in one graph (seeds {seeds})"
            in card.description
        )
    # a recipe that picks its gate offset says so in the card, with what it picked (per run)
    if config.nonspeech_target:
        metrics = card.metrics
        for member in [f" (member {k + 1})" for k in range(runs)] if runs > 1 else [""]:
            # one figure when the runs agree, else one per run
            p95, offset = (
                float(metrics.get(f"gate: {key}{member}", metrics.get(f"gate: {key}")))
                for key in ("non-speech p95 (training split)", "offset")
            )
            assert p95 <= config.nonspeech_target
            assert f"voice gate offset {offset:g} logits" in card.description


def test_every_shipped_trained_model_has_a_recipe() -> None:
    recipes = {p.stem for p in RECIPES.glob("*.toml")}
    shipped = {p.stem.removeprefix("talkrig-") for p in SHIPPED_DIR.glob("talkrig-*.onnx")}
    assert shipped == recipes
