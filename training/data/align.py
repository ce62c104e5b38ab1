"""Forced alignment of real or synthesized speech to its transcript: word text → timed phones.

PocketSphinx (PyPI ``pocketsphinx``, BSD-2-Clause) bundles a US-English acoustic model and the
CMU pronouncing dictionary; given the words, it finds where each phone is (10 ms resolution).
Its ARPAbet phones are mapped onto the espeak-ng mnemonics the viseme table (``visemes.py``)
reads, so aligned speech and espeak-ng speech get their curves from the same table. ARPAbet
``AH`` (both the stressed /ʌ/ and the schwa) maps to the schwa: it is far more frequent.

The decoder is created once per :class:`Aligner` and reused (creating it costs ~0.1 s); one
aligner per thread.
"""

from __future__ import annotations

import re

import numpy as np

from talkrig.models.contract import FRAME_SECONDS, HOP_SAMPLES, SAMPLE_RATE

from .prosody import frame_level_db
from .visemes import Phone

FRAME_S = 0.01  # PocketSphinx's frame: 10 ms
TRIM_DBS, TRIM_MARGIN_S = (-25.0, -20.0, -15.0, -10.0), 0.2  # loud parts to retry an alignment on

ARPABET: dict[str, str] = {
    "AA": "A:", "AE": "a", "AH": "@", "AO": "O:", "AW": "aU", "AY": "aI", "B": "b", "CH": "tS",
    "D": "d", "DH": "D", "EH": "E", "ER": "3:", "EY": "eI", "F": "f", "G": "g", "HH": "h",
    "IH": "I", "IY": "i:", "JH": "dZ", "K": "k", "L": "l", "M": "m", "N": "n", "NG": "N",
    "OW": "oU", "OY": "OI", "P": "p", "R": "r", "S": "s", "SH": "S", "T": "t", "TH": "T",
    "UH": "U", "UW": "u:", "V": "v", "W": "w", "Y": "j", "Z": "z", "ZH": "Z", "SIL": "_",
}  # fmt: skip
_WORD = re.compile(r"[a-z']+")
PHONE_SET = tuple(sorted(set(ARPABET.values())))  # the classes of a phone head, "_" silence


class AlignError(ValueError):
    """Speech that cannot be aligned to its text (no dictionary word, or no path found)."""


def words_of(text: str) -> list[str]:
    """Lower-case words of ``text`` as the dictionary spells them (punctuation dropped)."""
    return _WORD.findall(text.lower().replace("’", "'"))


class Aligner:
    """``align(audio, text)`` → phones; the PocketSphinx decoder is loaded once."""

    def __init__(self) -> None:
        try:
            from pocketsphinx import Decoder
        except ImportError as exc:  # pragma: no cover - the train extra installs it
            raise AlignError(
                "forced alignment needs PocketSphinx: pip install 'talkrig[bootstrap]'"
            ) from exc
        self._decoder = Decoder(samprate=SAMPLE_RATE, lm=None, loglevel="FATAL")
        self._lexicon = self._decoder.lookup_word

    def known(self, word: str) -> bool:
        """Whether the dictionary has a pronunciation for ``word``."""
        return self._lexicon(word) is not None

    def align(self, audio: np.ndarray, text: str) -> tuple[Phone, ...]:
        """Phones (espeak-ng mnemonics, ``_`` for silence) covering ``audio`` ((n,) float32,
        16 kHz) in order; :class:`AlignError` when a word is unknown or nothing aligns."""
        words = words_of(text)
        missing = [w for w in words if not self.known(w)]
        if not words or missing:
            raise AlignError(f"cannot align {text!r}: not in the dictionary: {missing or text}")
        # a faint fixed dither: digital silence (exact zeros) breaks the decoder's feature
        # normalisation and then the alignment
        dither = np.random.default_rng(len(audio)).normal(0.0, 3e-4, len(audio))
        pcm = (np.clip(audio + dither, -1.0, 1.0) * 32767).astype(np.int16).tobytes()
        decoder = self._decoder
        try:
            decoder.set_align_text(" ".join(words))
            self._decode(pcm)
            decoder.set_alignment()
            self._decode(pcm)
            alignment = decoder.get_alignment()
        except RuntimeError as exc:
            raise AlignError(f"no alignment of {text!r}: {exc}") from None
        if alignment is None:
            raise AlignError(f"no alignment of {text!r}")
        phones = []
        for word in alignment:
            for phone in word:
                symbol = ARPABET.get(phone.name.upper(), "_")
                start = phone.start * FRAME_S
                phones.append(Phone(symbol, start, start + phone.duration * FRAME_S))
        if not any(p.symbol != "_" for p in phones):
            raise AlignError(f"no phones aligned in {text!r}")
        return tuple(phones)

    def _decode(self, pcm: bytes) -> None:
        self._decoder.start_utt()
        self._decoder.process_raw(pcm, full_utt=True)
        self._decoder.end_utt()


def align_speech(aligner: Aligner, audio: np.ndarray, text: str) -> tuple[Phone, ...]:
    """``aligner.align``, and when that fails, again on the loud part of ``audio`` (louder than
    each of ``TRIM_DBS`` in turn, ``TRIM_MARGIN_S`` either side: a long, noisy lead-in or tail
    can leave PocketSphinx without a path), the phones moved back onto ``audio``'s clock."""
    try:
        return aligner.align(audio, text)
    except AlignError as exc:
        failure = exc
    levels = frame_level_db(audio, len(audio) // HOP_SAMPLES)
    for threshold in TRIM_DBS:
        loud = np.nonzero(levels > threshold)[0]
        if not len(loud):
            break
        start = max(0, int((loud[0] * FRAME_SECONDS - TRIM_MARGIN_S) * SAMPLE_RATE))
        end = int(((loud[-1] + 1) * FRAME_SECONDS + TRIM_MARGIN_S) * SAMPLE_RATE)
        try:
            phones = aligner.align(audio[start:end], text)
        except AlignError as exc:
            failure = exc
            continue
        at = start / SAMPLE_RATE
        return tuple(Phone(p.symbol, p.start_s + at, p.end_s + at) for p in phones)
    raise failure
