"""Training clips for "any voice, voice not noise" from one real speaker's clips.

GRID s1 gives a real face for every 40 ms, but one voice. Each real clip is copied
``voice_copies`` times with another voice and another room: played faster or slower like a
tape (pitch and vocal tract together; the face track is resampled to the new timing), its
spectral envelope warped on its own (vocal-tract length), then a random microphone, room, noise
and, sometimes, a music bed under it (the face still talks). ``bed_copies`` copies keep the voice
as it is and put a bed of music, noise, typing or hum under it (the face still talks: a song in
the background must not shut the mouth). ``room_copies`` copies keep the voice and the timing
and change only the microphone and room (band limit and tilt, reverberation, noise, level).
``nonspeech_clips`` clips of
instrumental music, noise, typing and hum are added whose every frame is the speaker's rest face:
the network itself learns that a sound which is not a voice does not open the mouth.

Everything is seeded (``config.seed``), so a recipe gives the same clips every time.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import signal
from scipy.ndimage import distance_transform_edt

from talkrig.models.contract import FRAME_SECONDS, HOP_SAMPLES

from ..data.augment import AugmentSettings, augment, change_speed
from ..data.prosody import frame_level_db
from .dataset import Clip

# tape speed (pitch and formants together) and formant-only warp ranges: s1 is an adult male;
# these reach up to a typical female voice's formants (about +20 %) and down a little
SPEED = (0.85, 1.2)
WARP = (0.9, 1.18)
MUSIC_BED_PROBABILITY = 0.3
MUSIC_BED_DB = (6.0, 20.0)  # music this far under the voice
BED_DB = (3.0, 20.0)  # a bed copy's sound this far under the voice (the judge checks 10 dB)
QUIET_DB = -35.0  # frames this far under a clip's loudest are at rest (for the rest face)
VOICED_DB, VOICED_REACH = -30.0, 2  # a voice-gate target is 1 this near a frame this loud
NONSPEECH = "nonspeech-"  # the name of every non-speech clip starts so


@dataclass(frozen=True)
class MixSettings:
    """How many copies and negatives, and how loud the voice may be."""

    voice_copies: int = 0
    nonspeech_clips: int = 0
    nonspeech_seconds: float = 6.0
    bed_copies: int = 0
    room_copies: int = 0
    # a room copy's level: peak 0.7 (-3 dBFS) plus a gain drawn from this range, in dB
    room_gain_db: tuple[float, float] = AugmentSettings.gain_db


def warp_formants(audio: np.ndarray, factor: float) -> np.ndarray:
    """The spectral envelope (and harmonics) stretched by ``factor`` in frequency, timing kept:
    a longer or shorter vocal tract. STFT magnitudes resampled along frequency, phase kept."""
    if not 0.5 <= factor <= 2.0:
        raise ValueError(f"formant warp {factor} outside [0.5, 2]")
    _, _, spec = signal.stft(audio, nperseg=512, noverlap=384)
    bins = np.arange(spec.shape[0], dtype=np.float64)
    source = bins / factor
    magnitude = np.abs(spec)
    warped = np.empty_like(magnitude)
    for t in range(magnitude.shape[1]):
        warped[:, t] = np.interp(source, bins, magnitude[:, t], right=0.0)
    _, out = signal.istft(warped * np.exp(1j * np.angle(spec)), nperseg=512, noverlap=384)
    out = out[: len(audio)]
    if len(out) < len(audio):
        out = np.pad(out, (0, len(audio) - len(out)))
    return out.astype(np.float32)


def retime(clip: Clip, factor: float, audio: np.ndarray) -> Clip:
    """``clip``'s face track on the timing of its audio played ``factor`` times faster."""
    frames = len(audio) // HOP_SAMPLES
    source = np.arange(frames) * factor
    old = np.arange(len(clip.targets))
    targets = np.stack(
        [np.interp(source, old, clip.targets[:, d]) for d in range(clip.targets.shape[1])], axis=1
    ).astype(np.float32)
    nearest = np.clip(np.round(source).astype(int), 0, len(clip.valid) - 1)
    valid = clip.valid[nearest] & (source <= len(clip.valid) - 1)
    return Clip(clip.id, audio[: frames * HOP_SAMPLES], targets, valid)


def rest_face(clips: Sequence[Clip]) -> np.ndarray:
    """``(D,)`` the median target over the quiet, valid frames of ``clips``: the face at rest."""
    rows = []
    for clip in clips:
        frames = min(len(clip.targets), len(clip.audio) // HOP_SAMPLES)
        level = frame_level_db(clip.audio, frames)
        rows.append(clip.targets[:frames][(level < QUIET_DB) & clip.valid[:frames]])
    quiet = np.concatenate(rows)
    if not len(quiet):
        raise ValueError("no quiet frames to take the rest face from")
    return np.median(quiet, axis=0).astype(np.float32)


def under_bed(
    audio: np.ndarray, rng: np.random.Generator, beds: Sequence[np.ndarray], db: tuple[float, float]
) -> np.ndarray:
    """``audio`` with a random stretch of one of ``beds`` a random ``db`` range under it."""
    from ..data.nonspeech import mix_under

    bed = beds[int(rng.integers(len(beds)))]
    offset = int(rng.integers(max(1, len(bed) - len(audio))))
    return mix_under(audio, bed[offset:], float(rng.uniform(*db)))


def voice_copy(clip: Clip, rng: np.random.Generator, beds: Sequence[np.ndarray]) -> Clip:
    """One copy of ``clip`` in another voice and room (see the module docstring)."""
    factor = float(rng.uniform(*SPEED))
    audio = change_speed(clip.audio, factor)
    audio = warp_formants(audio, float(rng.uniform(*WARP)))
    if beds and rng.random() < MUSIC_BED_PROBABILITY:
        audio = under_bed(audio, rng, beds, MUSIC_BED_DB)
    audio = augment(audio, rng, AugmentSettings())
    copy = retime(clip, factor, audio)
    return Clip(f"{clip.id}~v{int(rng.integers(1 << 30))}", copy.audio, copy.targets, copy.valid)


def bed_copy(clip: Clip, rng: np.random.Generator, beds: Sequence[np.ndarray]) -> Clip:
    """``clip`` with one of ``beds`` ``BED_DB`` under its voice, its face track unchanged."""
    audio = under_bed(clip.audio, rng, beds, BED_DB)
    return Clip(f"{clip.id}~b{int(rng.integers(1 << 30))}", audio, clip.targets, clip.valid)


def room_copy(
    clip: Clip, rng: np.random.Generator, gain_db: tuple[float, float] = AugmentSettings.gain_db
) -> Clip:
    """``clip`` through another microphone and room (augment.py) at a level ``gain_db`` from
    -3 dBFS peak, its face track unchanged."""
    audio = augment(clip.audio, rng, AugmentSettings(gain_db=gain_db))
    return Clip(f"{clip.id}~r{int(rng.integers(1 << 30))}", audio, clip.targets, clip.valid)


def nonspeech_clip(
    name: str, audio: np.ndarray, rest: np.ndarray, rng: np.random.Generator
) -> Clip:
    """A non-speech sound at a random level whose every frame is the rest face."""
    gain = 10.0 ** (float(rng.uniform(-20.0, 6.0)) / 20.0)
    audio = np.clip(audio * gain, -1.0, 1.0).astype(np.float32)
    frames = len(audio) // HOP_SAMPLES
    targets = np.tile(rest, (frames, 1)).astype(np.float32)
    return Clip(name, audio[: frames * HOP_SAMPLES], targets, np.ones(frames, bool))


def mixed_clips(clips: Sequence[Clip], settings: MixSettings, seed: int) -> list[Clip]:
    """``clips`` plus their voice copies and the non-speech negatives (module docstring)."""
    from ..data.nonspeech import nonspeech_set

    copies = settings.voice_copies + settings.bed_copies + settings.room_copies
    if not copies and not settings.nonspeech_clips:
        return list(clips)
    rng = np.random.default_rng(seed + 1000)
    pieces = max(4, settings.nonspeech_clips // 2)
    sounds = nonspeech_set("train", settings.nonspeech_seconds, pieces=pieces)
    beds = [a for n, a in sounds.items() if n.startswith("music")]
    out = list(clips)
    for clip in clips:
        out += [voice_copy(clip, rng, beds) for _ in range(settings.voice_copies)]
        out += [bed_copy(clip, rng, list(sounds.values())) for _ in range(settings.bed_copies)]
        out += [room_copy(clip, rng, settings.room_gain_db) for _ in range(settings.room_copies)]
    if settings.nonspeech_clips:
        rest = rest_face(clips)
        names = sorted(sounds)
        for k in range(settings.nonspeech_clips):
            name = names[k % len(names)]
            out.append(nonspeech_clip(f"{NONSPEECH}{name}-{k}", sounds[name], rest, rng))
    return out


def voice_distance(clip: Clip) -> np.ndarray:
    """``(T,)`` frames from each frame to the nearest one within ``VOICED_DB`` of the loudest
    (0 on such a frame)."""
    frames = len(clip.targets)
    if not np.any(clip.audio[: frames * HOP_SAMPLES]):  # digital silence: no voice anywhere
        return np.full(frames, np.inf)
    loud = frame_level_db(clip.audio, frames) > VOICED_DB
    return distance_transform_edt(~loud)


def with_voice_targets(clips: Sequence[Clip], shut_after_ms: float = 0.0) -> list[Clip]:
    """``clips`` with one more target column for the voice gate (losses.gated_loss): 0 in every
    non-speech clip; in speech, 1 where the voice sounds, and in its pauses -1 (no gate target)
    or, with ``shut_after_ms`` > 0, 0 from that far from the voice on: the mouth is taught to
    close once a voice has stopped. A copy (``ID~...``) takes its voicing from its clean
    original, so the music under a bed copy's pause does not count as voice."""
    shut = shut_after_ms / (1000.0 * FRAME_SECONDS)  # in frames
    # a shut gate asked for sooner than the voice's reach shortens the reach
    reach = min(VOICED_REACH, math.ceil(shut) - 1) if shut_after_ms > 0 else VOICED_REACH
    distances = {
        c.id: voice_distance(c) for c in clips if "~" not in c.id and not c.id.startswith(NONSPEECH)
    }
    out = []
    for clip in clips:
        if clip.id.startswith(NONSPEECH):
            column = np.zeros(len(clip.targets), np.float32)
        else:
            distance = distances.get(clip.id.split("~", 1)[0])
            if distance is None or len(distance) != len(clip.targets):
                distance = voice_distance(clip)  # a retimed voice copy: its own voicing
            column = np.where(distance <= reach, 1.0, -1.0).astype(np.float32)
            if shut_after_ms > 0:
                column[(distance >= shut) & (distance > reach)] = 0.0
        targets = np.concatenate([clip.targets, column[:, None]], axis=1)
        out.append(dataclasses.replace(clip, targets=targets))
    return out


def with_phone_targets(clips: Sequence[Clip], phones: Mapping[str, np.ndarray]) -> list[Clip]:
    """``clips`` with one more target column for the phone head (losses.gated_loss): the class of
    the phone sounding at each frame (``phone_labels.py``), -1 where unknown: non-speech clips,
    clips ``phones`` lacks, a retimed voice copy. A room or bed copy (``ID~...``) keeps its
    original's timing and so its phones."""
    out = []
    for clip in clips:
        base, _, copy = clip.id.partition("~")
        labels = phones.get(base)
        retimed = copy.startswith("v")  # voice_copy: its own timing
        if retimed or labels is None or len(labels) != len(clip.targets):
            labels = np.full(len(clip.targets), -1)
        column = labels.astype(np.float32)[:, None]
        out.append(dataclasses.replace(clip, targets=np.concatenate([clip.targets, column], 1)))
    return out


def gate_rest(clips: Sequence[Clip], face_dim: int) -> np.ndarray:
    """``(face_dim,)`` the face where the voice gate is shut: the non-speech clips' target (the
    rest face); ValueError when there is none."""
    rows = [c.targets[:, :face_dim] for c in clips if c.id.startswith(NONSPEECH)]
    if not rows:
        raise ValueError("a voice gate needs non-speech clips (nonspeech_clips > 0)")
    return np.median(np.concatenate(rows), axis=0).astype(np.float32)
