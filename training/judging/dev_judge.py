"""``talkrig train judge --dev``: figures for choosing a recipe, on material the judge never uses.

Comparing recipes by ``judge``'s figures tunes them on the held-out utterances and the other
speakers' clips, which the project keeps for the final word. ``fit --dev-split`` leaves 90 more
of s1's training utterances out (``training/data/holdout/grid_s1_dev.txt``); a model exported
from such a run (its card says so, ``holdout.DEV_SPLIT_METRIC``; others are refused) is scored
here on:

- ``dev s1``: those 90 utterances, s1's real voice and face (the figures of ``grid s1``);
- ``dev other voices``: the same sentences in voice-swap's Piper and espeak-ng voices, carrying
  s1's face at their own timing (``--swap`` folder). It stands in for other speakers: the voices
  are synthetic and the face track is aligned by DTW, so it is a coarser truth than a video;
- ``dev speech``: the closing time after speech, on the dev utterances;
- ``dev non-speech``: the ``dev`` set of non-speech sounds (seeds and instruments of their own,
  ``data/nonspeech.py``), and the dev utterances with its music under them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from talkrig.models.contract import Representation
from talkrig.models.loader import Model

from .judge import JudgeError, judge_grid, judge_nonspeech, judge_speech, prepared_clips


def judge_dev(model: Model, s1: Path, swap: Path | None = None) -> dict[str, Any]:
    """Every development figure for ``model`` (see the module's text); ``s1`` is the folder
    ``talkrig train prepare grid`` wrote, ``swap`` the one ``talkrig train voice-swap`` wrote."""
    from ..data.holdout import DEV_SPLIT_METRIC, GRID_S1_DEV, held_out

    if model.card.representation is not Representation.BLENDSHAPES:
        raise JudgeError("judge --dev scores blendshape models only (landmark models: judge)")
    if model.card.metrics.get(DEV_SPLIT_METRIC) != 1.0:
        raise JudgeError(
            f"{model.card.name} may have trained on the development utterances (its card does not "
            "say otherwise): judge --dev needs a model exported from a `fit --dev-split` run"
        )
    names = held_out(GRID_S1_DEV)
    dev = prepared_clips(s1, names, "development utterances (holdout/grid_s1_dev.txt)")
    results: dict[str, Any] = {"dev s1": judge_grid(model, dev)}
    if swap is not None:
        voices = prepared_clips(swap, names, "development utterances in other voices")
        results["dev other voices"] = judge_grid(model, voices)
    results["dev speech"] = judge_speech(model, dev)
    results["dev non-speech"] = judge_nonspeech(model, dev, split="dev")
    return results
