"""The shipped trained models: cards say what they learned from; they move a real mouth."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import resample_poly

from talkrig.bridge.audio.sources import decode_file
from talkrig.bridge.offline import infer_audio
from talkrig.bridge.post.chain import PostConfig
from talkrig.models import arkit
from talkrig.models.contract import Representation
from talkrig.models.loader import Model, load_model
from talkrig.models.registry import DEFAULT_MODEL, SHIPPED_DIR
from talkrig.training.data.holdout import held_out
from talkrig.training.data.nonspeech import nonspeech_set
from talkrig.training.data.synth import Voice, speak_fresh
from talkrig.training.judging.judge import (
    CLOSE_GOAL_S,
    frame_levels,
    grid_clips,
    judge_grid,
    judge_speech,
    opening,
    raw_outputs,
    speech_clips,
)
from tests.conftest import REPO

# name: (representation, family, architecture, look-ahead ms)
TRAINED = {
    "talkrig-neutral": (Representation.BLENDSHAPES, "neutral", "mel-cnn", 120),
    "talkrig-emotional": (Representation.BLENDSHAPES, "emotional", "mel-cnn", 120),
    "talkrig-lowlatency": (Representation.BLENDSHAPES, "neutral", "mel-cnn", 40),
    "talkrig-sincnet": (Representation.BLENDSHAPES, "neutral", "sincnet", 120),
    "talkrig-cnn-paper": (Representation.BLENDSHAPES, "neutral", "1d-cnn", 120),
    "talkrig-landmarks2d": (Representation.LANDMARKS_2D, "neutral", "mel-cnn", 120),
    "talkrig-landmarks3d": (Representation.LANDMARKS_3D, "neutral", "mel-cnn", 120),
}


def test_the_default_is_trained() -> None:
    assert DEFAULT_MODEL == "talkrig-neutral"


@pytest.mark.parametrize("name", sorted(TRAINED))
def test_card_is_complete(name: str) -> None:
    representation, family, architecture, lookahead_ms = TRAINED[name]
    path = SHIPPED_DIR / f"{name}.onnx"
    assert path.stat().st_size < 20_000_000
    with load_model(path, providers="cpu") as model:
        card = model.card
    assert (card.representation, card.family.value, card.architecture) == (
        representation,
        family,
        architecture,
    )
    assert card.lookahead_samples * 1000 // card.sample_rate == lookahead_ms
    # learned from real faces (GRID s1's video), and the card says so with GRID's terms
    assert "GRID" in card.training_data and "s1" in card.training_data
    # the held-out list it names is where the card says, so a reader can check it
    named = re.findall(r"training/[\w/]+\.txt", card.training_data)
    assert named and all((REPO / n).is_file() for n in named), named
    assert "CC BY 4.0" in card.license
    # judged on real material it never trained on: the figures the docs quote travel in the card
    key = "jawOpen r" if representation is Representation.BLENDSHAPES else "lip-gap r"
    for part in ("grid s1", "grid others"):
        assert f"{part}: {key}" in card.metrics and f"{part}: best shift ms" in card.metrics
    assert "speech: closed after s, max (streamed)" in card.metrics
    assert "non-speech: p95 non-speech" in card.metrics


@pytest.mark.parametrize("name", sorted(TRAINED))
def test_opens_on_real_speech_and_rests_in_silence(shared_data: Path, name: str) -> None:
    audio = decode_file(shared_data / "speech" / "1320_00000.mp3")
    with load_model(name, providers="cpu") as model:
        spoken = opening(model, raw_outputs(model, audio))
        silent = opening(model, raw_outputs(model, np.zeros(32_000, np.float32)))
    loud = frame_levels(audio)[: len(spoken)] > -10
    if TRAINED[name][0] is Representation.BLENDSHAPES:
        assert np.median(spoken[loud]) > 0.08  # jawOpen
        assert silent.max() < 0.05
    else:  # the lip gap over the face height grows on speech from its resting value
        assert np.median(spoken[loud]) > silent.max() + 0.01


@pytest.mark.parametrize("name", sorted(n for n, v in TRAINED.items() if v[0] == "blendshapes"))
def test_the_streamed_mouth_shuts_within_the_goal_after_speech(
    shared_data: Path, name: str
) -> None:
    # through the engine's post chain, as a user sees it: this includes the breath in 1320_00000
    # (-45..-57 dBFS in a -9 dBFS voice) that a fixed -50 dBFS gate left ajar for 200 ms
    with load_model(name, providers="cpu") as model:
        judged = judge_speech(model, speech_clips(shared_data / "speech"))
    assert judged["silences"] >= 3
    # within the issue's 0.12 s (s1's real face closes within 0.2 s; these are faster)
    assert judged["stays closed after s, max (streamed)"] <= CLOSE_GOAL_S + 1e-9


def test_the_emotional_model_moves_brows_and_smile_on_real_speech(shared_data: Path) -> None:
    audio = decode_file(shared_data / "speech" / "p240_00000.mp3")
    shapes = [arkit.INDEX[s] for s in ("browInnerUp", "browOuterUpLeft", "mouthSmileLeft")]
    spread = {}
    for name in ("talkrig-neutral", "talkrig-emotional"):
        with load_model(name, providers="cpu") as model:
            spread[name] = raw_outputs(model, audio)[:, shapes].std(axis=0)
            spread[name + " sent"] = _sent(model, audio)[:, shapes].std(axis=0)
    # prosody gives the emotional model's brows and smile a life the neutral one keeps still
    assert (spread["talkrig-emotional"] > 0.01).all()
    assert (spread["talkrig-emotional"] > 5 * spread["talkrig-neutral"]).all()
    # and the engine's brows follow this voice's accents (its smile the voice's mood, below)
    assert (spread["talkrig-emotional sent"][:2] > 0.05).all()
    assert (spread["talkrig-emotional sent"][:2] > 50 * spread["talkrig-neutral sent"][:2]).all()


def _sent(model: Model, audio: np.ndarray) -> np.ndarray:
    """The blendshapes the engine sends for ``audio`` (blinks off), one row per frame."""
    frames = infer_audio(audio, model, PostConfig(blink=False, seed=0))
    return np.stack([f.blendshapes for f in frames if f.blendshapes is not None])


# Murray & Arnott's (1993) rules for synthetic emotion in espeak-ng's terms: words per minute,
# pitch, pitch range (0..100) and level; training's voice-swapped copies drew pitch and range
# from 25 to 85 (docs/studies/emotional_prosody.py prints the whole table)
MOODS = {"sad": (130, 35, 10, 0.35), "happy": (195, 65, 95, 0.7)}
MOOD_LINES = (
    "I can't believe we actually won the whole tournament tonight.",
    "The train was cancelled again, so I waited in the rain for an hour.",
    "Could you bring the blue folder from my desk when you come over?",
    "We are going to the beach this weekend with all of our friends.",
    "Nobody called me back, and the shop had already closed.",
    "Look at this, the package finally arrived after three weeks.",
)
# two voices and six sentences: with three sentences in one voice one take's smile moved the
# mean by 0.01 from one trained model to the next
MOOD_VOICES = ("m3", "f3")


def test_the_emotional_face_smiles_on_a_happy_voice_and_not_on_a_sad_one() -> None:
    smile = [arkit.INDEX[n] for n in ("mouthSmileLeft", "mouthSmileRight")]
    got: dict[str, dict[str, np.ndarray]] = {"sent": {}, "network": {}}
    with load_model("talkrig-emotional", providers="cpu") as model:
        for mood, (rate, pitch, pitch_range, peak) in MOODS.items():
            rows: dict[str, list[np.ndarray]] = {"sent": [], "network": []}
            for line, variant in itertools.product(MOOD_LINES, MOOD_VOICES):
                speech = speak_fresh(line, Voice("en-us", variant, rate, pitch, pitch_range))
                audio = resample_poly(speech.audio, 16_000, speech.sample_rate)
                audio = (audio / np.abs(audio).max() * peak).astype(np.float32)
                loud = frame_levels(audio) > -30.0
                outs = {"sent": _sent(model, audio), "network": raw_outputs(model, audio)}
                for what, out in outs.items():
                    rows[what].append(out[: len(loud)][loud[: len(out)]])
            for what in rows:
                got[what][mood] = np.concatenate(rows[what])
    sent = got["sent"]
    assert sent["happy"][:, smile].mean() > sent["sad"][:, smile].mean() + 0.04
    assert sent["sad"][:, smile].mean() < 0.01  # a flat voice does not smile
    # why the engine does it: the network alone, hearing 280 ms, smiles no more when happy
    net = got["network"]
    assert net["happy"][:, smile].mean() < net["sad"][:, smile].mean() + 0.02


def test_the_emotional_face_keeps_still_on_music() -> None:
    upper = [arkit.INDEX[n] for n in ("browInnerUp", "mouthSmileLeft", "cheekSquintLeft")]
    with load_model("talkrig-emotional", providers="cpu") as model:
        for name, audio in nonspeech_set("judge").items():
            out = _sent(model, audio)
            assert out[:, upper].max() < 0.02, name


@pytest.mark.parametrize("name", ["talkrig-neutral", "talkrig-lowlatency", "talkrig-landmarks3d"])
def test_the_face_is_in_sync_with_real_video_it_never_saw(
    shared_data: Path, tmp_path: Path, name: str
) -> None:
    # DESIGN "Time": a frame's stream_time is the time of the face it shows. Rows taken through
    # the engine at their own stream_time match MediaPipe's reading of the video best at a shift
    # of 0 ± 1 frame, on s1's held-out clip and on the two other speakers' clips.
    clips = grid_clips(shared_data / "grid", shared_data / "face_landmarker.task", tmp_path)
    assert {c.name for c in clips} >= {"bbaf2n", "lbax4n", "id2_vcd_swwp2s"}
    with load_model(name, providers="cpu") as model:
        s1 = judge_grid(model, [c for c in clips if c.name in held_out()])
        others = judge_grid(model, [c for c in clips if c.name not in held_out()])
    assert abs(s1["best shift ms"]) <= 40
    assert abs(others["best shift ms"]) <= 40
    key = "jawOpen r" if "landmarks" not in name else "lip-gap r"
    assert s1[key] > 0.7  # s1's voice and face are learned
    assert others[key] > 0.3  # other voices follow, more loosely (docs/model-studies.md)
