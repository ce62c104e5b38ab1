"""Timed phonemes → ARKit blendshape curves: a viseme table with coarticulation.

Every phoneme (espeak-ng's English mnemonics, see ``synth.py``) belongs to one viseme: a target
pose over the mouth and jaw blendshapes, a *strength* and a *reach*. The curves come from a
dominance model (Cohen & Massaro 1993, simplified): each phone pulls the face towards its target
with a weight of height ``strength``, flat over the middle ``hold`` fraction of the phone and
falling off as a Gaussian of width ``reach`` × the phone's duration (kept between
``MIN_SIGMA_S`` and ``MAX_SIGMA_S``); the face at time ``t`` is the weighted mean of all
targets. Strong, short visemes (/p b m/ closure, /f v/) win at their centre, so the lips really
close; weak ones (/h/, /k g/) take their shape from the vowels around them; neighbours overlap,
so the curves are continuous and anticipate the next sound. Silence is a viseme too: the rest
pose (all zeros), so long pauses rest and short ones only relax the mouth.

The table is documented with its reasons in ``docs/visemes.md``; this module is the one source.
All functions are pure and called from the bootstrap builder's (single) thread.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from talkrig.models import arkit
from talkrig.models.contract import FRAME_SECONDS

MIN_SIGMA_S = 0.025  # a phone's influence never narrower than this: faces do not move faster
MAX_SIGMA_S = 0.08  # nor wider: a long pause or vowel does not reach over its neighbours
BLUR_S = 0.02  # inertia of jaw and lips: a Gaussian blur over time (and a camera's motion blur)
_STEP_S = 0.005  # time step of the fine grid the poses are blended on
_ZERO_FLOOR = 1e-12


class VisemeError(ValueError):
    """Phone timings that cannot be turned into curves (negative durations, NaN, no frames)."""


@dataclass(frozen=True)
class Viseme:
    """A mouth pose: ``targets`` maps ARKit names to values in [0, 1]; names ending in ``*``
    stand for both the ``Left`` and ``Right`` shape. ``strength`` is the dominance height and
    ``reach`` the Gaussian width as a fraction of the phone's duration; the middle ``hold``
    fraction of the phone keeps full dominance (a closure is held, not just touched)."""

    name: str
    targets: Mapping[str, float] = field(default_factory=dict)
    strength: float = 1.0
    reach: float = 0.5
    hold: float = 0.0

    def vector(self) -> np.ndarray:
        """(52,) float32 in canonical ARKit order."""
        out = np.zeros(arkit.COUNT, np.float32)
        for key, value in self.targets.items():
            names = (key[:-1] + "Left", key[:-1] + "Right") if key.endswith("*") else (key,)
            for name in names:
                out[arkit.INDEX[name]] = value
        return out


def _v(
    name: str, strength: float = 1.0, reach: float = 0.5, hold: float = 0.0, **targets: float
) -> Viseme:
    return Viseme(name, {k.replace("_", "*"): v for k, v in targets.items()}, strength, reach, hold)


# Target poses on MediaPipe's scale (what its scores reach on real speech, not exaggerated
# animation): jawOpen up to ~0.5, pucker up to ~0.8, press/close ~0.2, stretch, smile and lip
# raise/lower near 0; spread lips show in MediaPipe as mouthDimple.
VISEMES: dict[str, Viseme] = {
    v.name: v
    for v in (
        _v("rest", 1.0, 0.3, 0.8),
        _v("bilabial", 5.0, 0.3, 0.6, jawOpen=0.03, mouthClose=0.15, mouthPress_=0.25,
           mouthRollLower=0.08, mouthRollUpper=0.20, mouthShrugLower=0.15),
        _v("labiodental", 3.0, 0.45, 0.4, jawOpen=0.06, mouthRollLower=0.30, mouthUpperUp_=0.05,
           mouthPress_=0.05, mouthShrugUpper=0.05),
        _v("dental", 1.8, 0.45, jawOpen=0.14, tongueOut=0.30, mouthLowerDown_=0.02),
        _v("alveolar", 0.8, 0.5, jawOpen=0.10, mouthStretch_=0.02),
        _v("sibilant", 1.2, 0.5, jawOpen=0.06, mouthStretch_=0.04, mouthDimple_=0.08,
           mouthRollUpper=0.05),
        _v("lateral", 1.0, 0.5, jawOpen=0.18, tongueOut=0.12),
        _v("postalveolar", 1.6, 0.5, jawOpen=0.08, mouthPucker=0.35, mouthFunnel=0.10,
           mouthShrugUpper=0.05),
        _v("velar", 0.6, 0.5, jawOpen=0.15),
        _v("glottal", 0.25, 0.5, jawOpen=0.12),
        _v("rhotic", 1.0, 0.5, jawOpen=0.10, mouthPucker=0.30, mouthFunnel=0.05),
        _v("labiovelar", 1.8, 0.5, jawOpen=0.05, mouthPucker=0.70, mouthFunnel=0.08),
        _v("palatal", 0.9, 0.5, jawOpen=0.08, mouthDimple_=0.08, mouthStretch_=0.03),
        _v("open", 1.0, 0.4, 0.3, jawOpen=0.50, mouthLowerDown_=0.02),
        _v("open_front", 1.0, 0.4, 0.3, jawOpen=0.42, mouthDimple_=0.05),
        _v("mid_front", 1.0, 0.4, 0.3, jawOpen=0.30, mouthDimple_=0.08),
        _v("close_front", 1.0, 0.4, 0.3, jawOpen=0.12, mouthDimple_=0.12, mouthStretch_=0.03),
        _v("mid_central", 0.8, 0.4, 0.3, jawOpen=0.22),
        _v("open_back", 1.0, 0.4, 0.3, jawOpen=0.40, mouthPucker=0.20, mouthFunnel=0.06),
        _v("mid_back", 1.0, 0.4, 0.3, jawOpen=0.25, mouthPucker=0.45, mouthFunnel=0.06),
        _v("close_back", 1.2, 0.4, 0.3, jawOpen=0.10, mouthPucker=0.70, mouthFunnel=0.07),
        _v("rhotic_vowel", 1.0, 0.4, 0.3, jawOpen=0.20, mouthPucker=0.30, mouthFunnel=0.05),
    )
}  # fmt: skip

# espeak-ng English mnemonic → one viseme, or two for a diphthong (start, end).
PHONEMES: dict[str, tuple[str, ...]] = {
    **{p: ("rest",) for p in ("_", "_:", "_!", "_^", "")},
    **{p: ("bilabial",) for p in ("p", "b", "m")},
    **{p: ("labiodental",) for p in ("f", "v")},
    **{p: ("dental",) for p in ("T", "D")},
    **{p: ("alveolar",) for p in ("t", "d", "n", "n-", "t[", "d[")},
    **{p: ("sibilant",) for p in ("s", "z")},
    **{p: ("lateral",) for p in ("l", "@L", "l-")},
    **{p: ("postalveolar",) for p in ("S", "Z", "tS", "dZ")},
    **{p: ("velar",) for p in ("k", "g", "N", "x")},
    **{p: ("glottal",) for p in ("h", "?")},
    **{p: ("rhotic",) for p in ("r", "r-")},
    **{p: ("labiovelar",) for p in ("w",)},
    **{p: ("palatal",) for p in ("j", "C")},
    **{p: ("open",) for p in ("A:", "aa", "A", "V")},
    **{p: ("open_front",) for p in ("a", "a#")},
    **{p: ("mid_front",) for p in ("E", "e")},
    **{p: ("close_front",) for p in ("I", "i", "i:", "I2", "I#")},
    **{p: ("mid_central",) for p in ("@", "@2", "@5", "@-", "3")},
    **{p: ("open_back",) for p in ("0", "O:", "O", "O2")},
    **{p: ("close_back",) for p in ("U", "u:", "u")},
    **{p: ("rhotic_vowel",) for p in ("3:", "VR", "IR", "A@", "O@", "o@")},
    "aI": ("open", "close_front"),
    "aI@": ("open", "mid_central"),
    "aU": ("open", "close_back"),
    "eI": ("mid_front", "close_front"),
    "oU": ("mid_back", "close_back"),
    "OI": ("open_back", "close_front"),
    "e@": ("mid_front", "rhotic_vowel"),
    "i@": ("close_front", "mid_central"),
    "U@": ("close_back", "rhotic_vowel"),
}
MODIFIERS = frozenset({";"})  # espeak-ng palatalisation mark: lengthens the phone before it
_SUFFIX = re.compile(r"[0-9#]+$")


@dataclass(frozen=True)
class Phone:
    """One timed phoneme: an espeak-ng mnemonic from ``start_s`` to ``end_s`` (seconds)."""

    symbol: str
    start_s: float
    end_s: float


def visemes_of(symbol: str) -> tuple[str, ...]:
    """The viseme name(s) of one phoneme mnemonic: exact match, then with espeak-ng's variant
    digits and ``#`` stripped, then by its first character; a vowel-like leftover is a schwa,
    anything else a neutral alveolar (never an error: synthesizers grow new symbols)."""
    for key in (symbol, _SUFFIX.sub("", symbol), symbol[:2], symbol[:1]):
        if key in PHONEMES:
            return PHONEMES[key]
    return ("mid_central",) if symbol[:1].lower() in "aeiou@3" else ("alveolar",)


def known(symbol: str) -> bool:
    """Whether ``symbol`` is in the table itself (exact or variant-stripped), not a fallback."""
    return symbol in MODIFIERS or symbol in PHONEMES or _SUFFIX.sub("", symbol) in PHONEMES


def _segments(phones: Sequence[Phone]) -> list[tuple[str, float, float]]:
    """(viseme, start, end) per pose: modifiers merge into the phone before, diphthongs split."""
    merged: list[Phone] = []
    for phone in phones:
        if not (np.isfinite(phone.start_s) and np.isfinite(phone.end_s)):
            raise VisemeError(f"phone {phone.symbol!r} has a non-finite time")
        if phone.end_s < phone.start_s:
            raise VisemeError(
                f"phone {phone.symbol!r} ends ({phone.end_s:.3f} s) before it starts "
                f"({phone.start_s:.3f} s)"
            )
        if phone.symbol in MODIFIERS and merged:
            merged[-1] = Phone(merged[-1].symbol, merged[-1].start_s, phone.end_s)
        elif phone.symbol not in MODIFIERS:
            merged.append(phone)
    out = []
    for phone in merged:
        names = visemes_of(phone.symbol)
        step = (phone.end_s - phone.start_s) / len(names)
        for k, name in enumerate(names):
            out.append((name, phone.start_s + k * step, phone.start_s + (k + 1) * step))
    return out


def curves(
    phones: Sequence[Phone],
    frames: int,
    intensity: float = 1.0,
    table: Mapping[str, Viseme] = VISEMES,
) -> np.ndarray:
    """(frames, 52) float32 ARKit curves on the 40 ms grid, frame ``t`` taken at its middle
    ``(t + 0.5) × 40 ms``. Time not covered by any phone is silence (rest). ``intensity``
    scales every pose (hypo- to hyper-articulation); values are clipped to [0, 1]."""
    if frames < 1:
        raise VisemeError(f"curves need at least one frame, got {frames}")
    # a fine time grid, blurred, then read at the frame middles (sample 8t + 4)
    fine = round(FRAME_SECONDS / _STEP_S)
    times = np.arange(frames * fine + 1) * _STEP_S
    segments = _segments(phones)
    first = min((s for _, s, _ in segments), default=times[-1] + 1.0)
    last = max((e for _, _, e in segments), default=0.0)
    # the silence around the phones is one rest phone on each side
    segments = [("rest", min(0.0, first) - 1.0, first), *segments, ("rest", last, last + 1.0)]
    if last < times[-1]:
        segments.append(("rest", last, float(times[-1]) + 1.0))
    targets = np.stack([table[name].vector() for name, _, _ in segments])  # (P, 52)
    centre = np.array([(s + e) / 2 for _, s, e in segments])  # (P,)
    sigma = np.clip([table[n].reach * (e - s) for n, s, e in segments], MIN_SIGMA_S, MAX_SIGMA_S)
    strength = np.array([table[n].strength for n, _, _ in segments])
    hold = np.array([table[n].hold * (e - s) / 2 for n, s, e in segments])  # plateau half-width
    distance = np.maximum(np.abs(times[:, None] - centre[None]) - hold[None], 0.0)
    weight = strength * np.exp(-0.5 * (distance / sigma[None]) ** 2)
    weight = np.maximum(weight, _ZERO_FLOOR)  # (frames, P); nothing divides by zero
    pose = weight @ targets / weight.sum(axis=1, keepdims=True)  # (fine frames, 52)
    pose = ndimage.gaussian_filter1d(pose, BLUR_S / _STEP_S, axis=0, mode="nearest")
    pose = pose[fine // 2 :: fine][:frames]
    return np.clip(pose * intensity, 0.0, 1.0).astype(np.float32)
