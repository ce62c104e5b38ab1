"""Model cards shared by the post-chain tests (helpers are in helpers.py)."""

from __future__ import annotations

import pytest

from talkrig.models import arkit
from talkrig.models.card import ModelCard
from talkrig.models.contract import Family, Representation


@pytest.fixture
def blend_card() -> ModelCard:
    return ModelCard(
        name="post-test-blend",
        representation=Representation.BLENDSHAPES,
        family=Family.NEUTRAL,
        output_names=arkit.NAMES,
        architecture="test",
        training_data="none",
        license="MIT",
    )


@pytest.fixture
def landmark_card() -> ModelCard:
    return ModelCard(
        name="post-test-lm68",
        representation=Representation.LANDMARKS_2D,
        family=Family.NEUTRAL,
        output_names=tuple(f"p{i}" for i in range(68)),
        architecture="test",
        training_data="none",
        license="MIT",
        points=68,
        dims=2,
    )
