"""The viseme table and its coarticulation: closures close, vowels open, rounds round, silence
rests, and the curves never jump."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talkrig.models import arkit
from talkrig.models.contract import FRAME_SECONDS
from talkrig.training.data.visemes import (
    PHONEMES,
    VISEMES,
    Phone,
    VisemeError,
    curves,
    known,
    visemes_of,
)

MAX_STEP = 0.4  # largest change of any blendshape between two 40 ms frames


def _word(*phones: tuple[str, float], lead: float = 0.3, tail: float = 0.5) -> list[Phone]:
    """Silence ``lead`` s, the phones with their durations, silence ``tail`` s."""
    out, t = [Phone("_", 0.0, lead)], lead
    for symbol, duration in phones:
        out.append(Phone(symbol, t, t + duration))
        t += duration
    out.append(Phone("_:", t, t + tail))
    return out


def _at(phones: list[Phone], symbol: str, name: str) -> float:
    """The value of ``name`` at the frame nearest the centre of the first ``symbol``."""
    phone = next(p for p in phones if p.symbol == symbol)
    frames = int(phones[-1].end_s / FRAME_SECONDS)
    frame = round((phone.start_s + phone.end_s) / 2 / FRAME_SECONDS - 0.5)
    return float(curves(phones, frames)[frame, arkit.INDEX[name]])


APA = _word(("a", 0.14), ("p", 0.08), ("a", 0.14))


def test_bilabial_closes_the_lips() -> None:
    assert _at(APA, "p", "jawOpen") < 0.1
    assert _at(APA, "p", "mouthPressLeft") > 0.2
    assert _at(APA, "p", "mouthClose") > 0.1
    assert _at(APA, "a", "mouthPressLeft") < 0.05


def test_open_vowel_opens_the_jaw() -> None:
    assert _at(APA, "a", "jawOpen") > 0.25
    assert _at(APA, "a", "jawOpen") > 3 * _at(APA, "p", "jawOpen")


def test_close_back_vowel_rounds_and_close_front_spreads() -> None:
    phones = _word(("w", 0.08), ("u:", 0.16), ("s", 0.1), ("i:", 0.16))
    assert _at(phones, "u:", "mouthPucker") > 0.5
    assert _at(phones, "u:", "mouthFunnel") > 0.03
    assert _at(phones, "i:", "mouthPucker") < 0.1
    assert _at(phones, "i:", "mouthDimpleLeft") > 0.08  # MediaPipe's sign of spread lips


def test_tongue_shows_for_th_and_l_and_lips_tuck_for_f() -> None:
    phones = _word(("T", 0.1), ("I", 0.12), ("l", 0.1), ("@", 0.12), ("f", 0.1), ("@", 0.12))
    assert _at(phones, "T", "tongueOut") > 0.15
    assert _at(phones, "l", "tongueOut") > 0.05
    assert _at(phones, "I", "tongueOut") < _at(phones, "T", "tongueOut") / 2
    assert _at(phones, "f", "mouthRollLower") > 0.2


def test_silence_rests() -> None:
    phones = _word(("a", 0.14), ("_", 1.0), ("a", 0.14), lead=0.6, tail=0.8)
    out = curves(phones, int(phones[-1].end_s / FRAME_SECONDS))
    pause_centre = round(phones[2].start_s / FRAME_SECONDS + 0.5 / FRAME_SECONDS - 0.5)
    assert np.abs(out[pause_centre]).max() < 0.02
    assert np.abs(out[:5]).max() < 0.02  # leading silence
    assert np.abs(out[-5:]).max() < 0.02  # trailing silence
    assert np.abs(curves([], 10)).max() < 1e-6  # no phones at all: rest
    assert out[:, arkit.INDEX["jawOpen"]].max() > 0.25  # and the vowels did move


def test_frames_after_the_last_phone_rest() -> None:
    out = curves(_word(("a", 0.2), lead=0.1, tail=0.0), 50)
    assert np.abs(out[30:]).max() < 0.01


def test_coarticulation_anticipates_the_next_pose() -> None:
    """The lips start rounding for /u/ before it begins (the curve leads the sound)."""
    phones = _word(("t", 0.1), ("u:", 0.2))
    out = curves(phones, int(phones[-1].end_s / FRAME_SECONDS))
    onset = round(phones[2].start_s / FRAME_SECONDS)
    assert out[onset - 2, arkit.INDEX["mouthPucker"]] > 0.05


@settings(max_examples=40, deadline=None)
@given(
    symbols=st.lists(st.sampled_from(sorted(PHONEMES)), min_size=1, max_size=25),
    durations=st.lists(st.floats(0.02, 0.3), min_size=25, max_size=25),
    intensity=st.floats(0.8, 1.2),
)
def test_curves_are_continuous_and_in_range(
    symbols: list[str], durations: list[float], intensity: float
) -> None:
    phones = _word(*zip(symbols, durations[: len(symbols)], strict=True))
    out = curves(phones, int(phones[-1].end_s / FRAME_SECONDS) + 3, intensity)
    assert out.dtype == np.float32 and out.shape[1] == arkit.COUNT
    assert np.isfinite(out).all() and out.min() >= 0.0 and out.max() <= 1.0
    assert np.abs(np.diff(out, axis=0)).max() <= MAX_STEP


def test_table_is_complete_and_in_range() -> None:
    for names in PHONEMES.values():
        assert all(name in VISEMES for name in names)
    for viseme in VISEMES.values():
        vector = viseme.vector()
        assert vector.shape == (arkit.COUNT,)
        assert vector.min() >= 0.0 and vector.max() <= 1.0
        assert viseme.strength > 0 and viseme.reach > 0
    assert not VISEMES["rest"].vector().any()
    # eyes and brows belong to prosody, not to phonemes
    upper = [i for i, n in enumerate(arkit.NAMES) if n.startswith(("eye", "brow"))]
    assert all(not VISEMES[v].vector()[upper].any() for v in VISEMES)


def test_lookup_variants_and_fallbacks() -> None:
    assert visemes_of("p") == ("bilabial",)
    assert visemes_of("t#") == ("alveolar",)  # espeak-ng's flap: the variant mark is stripped
    assert visemes_of("aI3") == ("open", "close_front")  # diphthong variant
    assert visemes_of("o#") == ("mid_central",)  # unknown vowel-like: schwa
    assert known("@2") and known(";") and not known("Q")


def test_bad_timings_are_one_clear_error() -> None:
    with pytest.raises(VisemeError, match=r"ends .* before it starts"):
        curves([Phone("a", 0.5, 0.2)], 10)
    with pytest.raises(VisemeError, match="non-finite"):
        curves([Phone("a", float("nan"), 0.2)], 10)
    with pytest.raises(VisemeError, match="at least one frame"):
        curves([Phone("a", 0.0, 0.2)], 0)
