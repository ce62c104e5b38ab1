"""espeak-ng through its C API: real synthesis, phone timings that cover the sound."""

from __future__ import annotations

import ctypes.util
import itertools

import numpy as np
import pytest

from talkrig.training.data.sentences import SENTENCES, grid_sentence, pick_sentence
from talkrig.training.data.synth import LANGUAGES, VARIANTS, Espeak, SynthError, Voice, speak_fresh
from talkrig.training.data.visemes import known, visemes_of
from tests.conftest import need


@pytest.fixture(scope="module")
def espeak() -> Espeak:
    need(ctypes.util.find_library("espeak-ng") is not None, "Debian espeak-ng is not installed")
    return Espeak()


def test_phones_cover_the_sound_in_order(espeak: Espeak) -> None:
    speech = espeak.speak("Please pass the paper.", Voice("en-us", "f3"))
    duration = len(speech.audio) / speech.sample_rate
    assert speech.sample_rate == 22_050 and speech.audio.dtype == np.float32
    assert 0.5 < duration < 4.0 and 0.01 < np.abs(speech.audio).max() <= 1.0
    phones = speech.phones
    assert phones[0].start_s == 0.0 and phones[-1].end_s == pytest.approx(duration)
    for before, after in itertools.pairwise(phones):
        assert before.end_s == after.start_s and before.start_s <= before.end_s
    bilabials = [p for p in phones if visemes_of(p.symbol) == ("bilabial",)]
    assert len(bilabials) == 4  # p, p, p, p in "please pass the paper"


def test_phone_times_match_the_sound(espeak: Espeak) -> None:
    """Vowels are loud and the pause between sentences is quiet: the timings are real."""
    speech = espeak.speak("Ah. Ah.", Voice("en-us", rate=140))
    rate = speech.sample_rate

    def level(symbols: tuple[str, ...]) -> float:
        parts = [
            speech.audio[round(p.start_s * rate) : round(p.end_s * rate)]
            for p in speech.phones
            if p.symbol in symbols and p.end_s > p.start_s
        ]
        return float(np.sqrt(np.mean(np.concatenate(parts) ** 2)))

    assert level(("A:", "aa", "A")) > 20 * level(("_:",))


def test_every_symbol_of_the_sentences_has_a_viseme(espeak: Espeak) -> None:
    rng = np.random.default_rng(0)
    texts = [*SENTENCES, *(grid_sentence(rng) for _ in range(20))]
    unknown: set[str] = set()
    for language in ("en-us", "en", "en-gb-scotland"):
        for text in texts[:: 3 if language != "en-us" else 1]:
            unknown |= {p.symbol for p in espeak.speak(text, Voice(language)).phones}
    assert {s for s in unknown if not known(s)} == set()


def test_voices_differ(espeak: Espeak) -> None:
    low = espeak.speak("Hello there.", Voice("en-us", "m1", pitch=20))
    high = espeak.speak("Hello there.", Voice("en-us", "f2", pitch=80))
    fast = espeak.speak("Hello there.", Voice("en-us", "m1", rate=300, pitch=20))
    assert len(fast.audio) < 0.8 * len(low.audio)
    assert not np.array_equal(low.audio[:2000], high.audio[:2000])


def test_every_listed_voice_exists(espeak: Espeak) -> None:
    for language in LANGUAGES:
        espeak.speak("Hi.", Voice(language, VARIANTS[0]))
    for variant in VARIANTS:
        espeak.speak("Hi.", Voice("en-us", variant))


def test_bad_requests_are_one_clear_error(espeak: Espeak) -> None:
    with pytest.raises(SynthError, match="no voice 'xx-nowhere'"):
        espeak.speak("Hello.", Voice("xx-nowhere"))
    with pytest.raises(SynthError, match="empty text"):
        espeak.speak("  ", Voice())
    with pytest.raises(SynthError, match="out of range"):
        espeak.speak("Hello.", Voice(pitch=5000))
    with pytest.raises(SynthError, match="library not found"):
        Espeak("libno-such-espeak.so.9")


def test_sentences_are_many_short_and_distinct() -> None:
    assert len(SENTENCES) >= 200 and len(set(SENTENCES)) == len(SENTENCES)
    assert all(2 <= len(s.split()) <= 14 for s in SENTENCES)
    rng = np.random.default_rng(1)
    picks = [pick_sentence(rng) for _ in range(200)]
    grid = [p for p in picks if p not in SENTENCES]
    assert 30 < len(grid) < 100 and all(len(g.split()) == 6 for g in grid)


def test_fresh_processes_make_each_utterance_reproducible(espeak: Espeak) -> None:
    """In one process espeak-ng's output drifts with what it spoke before; in a fresh fork not."""
    voice = Voice("en-us", "m3")
    first, second = (speak_fresh("Bin blue at f two now.", voice) for _ in range(2))
    np.testing.assert_array_equal(first.audio, second.audio)
    assert first.phones == second.phones
    with pytest.raises(SynthError, match="no voice"):
        speak_fresh("Hello.", Voice("xx-nowhere"))
