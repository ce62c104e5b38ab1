"""Voice-swapped parallel data: s1's sentences in other voices, carrying s1's *real* face.

GRID gives one voice with a real face. Here every training sentence of a prepared folder is
spoken again by a synthetic voice (Piper's neural voice in a drawn speaking style, or an
espeak-ng voice and variant with drawn pitch and rate), and s1's face track is carried onto the
new voice's timing: PocketSphinx aligns the same words in both recordings (one dictionary, so
the same phones in the same order), the start and end of every phone pair up, and the face at
each 40 ms frame of the new clip is s1's face at the matching instant of s1's recording
(piecewise linear between phone boundaries; s1's own lead-in and tail silence kept around the
speech at their own length). The new clip keeps s1's level and noise floor.

The output is a prepared folder (``manifest.jsonl`` + ``labels/{id}.npz``) like ``prepare``'s,
so ``fit`` reads it beside the real one. Each row's ``source`` is s1's media file, so the
held-out list (``holdout/``) applies to swapped rows too; only training utterances are swapped.
Seeded: the same folder, count and seed draw the same voices, and espeak-ng's clips come out
identical; Piper draws noise inside its own graph, so its recordings, and the clips made from
them, differ a little from run to run.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy import signal
from tqdm import tqdm

from talkrig.models.contract import FRAME_SECONDS, HOP_SAMPLES, SAMPLE_RATE

from .align import Aligner, AlignError, align_speech
from .holdout import without_held_out
from .labels import LabelError, load_labels, save_labels
from .manifest import CorpusError, Utterance, read_manifest, write_manifest
from .synth import LANGUAGES, VARIANTS, SynthError, Voice, speak_fresh
from .visemes import Phone

MANIFEST_NAME, LABELS_DIR = "manifest.jsonl", "labels"
PIPER_BATCH = 60  # sentences per Piper process (one speaking style each)
TAIL_S = 0.1  # synthetic sound kept after the last phone
MIN_SHARED = 0.85  # of the phones two alignments must share (pronunciation variants aside)


class SwapError(ValueError):
    """A sentence whose two recordings do not align phone for phone."""


@dataclass(frozen=True)
class Swapped:
    """One new clip: 16 kHz audio and labels on its own 40 ms grid."""

    audio: np.ndarray
    labels: dict[str, np.ndarray]


def anchors(source: Sequence[Phone], target: Sequence[Phone]) -> tuple[np.ndarray, np.ndarray]:
    """``(target_s, source_s)``: matching instants of two alignments of the same words, the
    start and end of every phone that the two share (in order: the dictionary's pronunciation
    variants, ``with`` /wIT/ or /wID/, may differ), strictly increasing in both; SwapError when
    fewer than ``MIN_SHARED`` of the phones are shared."""
    src = [p for p in source if p.symbol != "_"]
    tgt = [p for p in target if p.symbol != "_"]
    matcher = difflib.SequenceMatcher(
        None, [p.symbol for p in src], [p.symbol for p in tgt], autojunk=False
    )
    shared = [(i + k, j + k) for i, j, n in matcher.get_matching_blocks() for k in range(n)]
    if not src or len(shared) < MIN_SHARED * max(len(src), len(tgt)):
        raise SwapError(
            f"the phones differ: {' '.join(p.symbol for p in src)!r} and "
            f"{' '.join(p.symbol for p in tgt)!r}"
        )
    # to the millisecond: a phone's end and the next one's start are one instant
    pairs = sorted({(round(tgt[j].start_s, 3), round(src[i].start_s, 3)) for i, j in shared} | {
        (round(tgt[j].end_s, 3), round(src[i].end_s, 3)) for i, j in shared
    })  # fmt: skip
    t_out, s_out = [pairs[0][0]], [pairs[0][1]]
    for t, s in pairs[1:]:
        if t > t_out[-1] and s > s_out[-1]:
            t_out.append(t)
            s_out.append(s)
    return np.asarray(t_out), np.asarray(s_out)


def warp_labels(labels: dict[str, np.ndarray], times_s: np.ndarray) -> dict[str, np.ndarray]:
    """The label arrays read at ``times_s`` of their own clip (linear between 40 ms frames,
    held at the ends); a frame is valid where both neighbours are."""
    frames = len(labels["valid"])
    at = np.clip(times_s / FRAME_SECONDS, 0.0, frames - 1.0)
    lo = np.floor(at).astype(int)
    hi = np.minimum(lo + 1, frames - 1)
    w = (at - lo).astype(np.float32)
    out: dict[str, np.ndarray] = {}
    for key, array in labels.items():
        if key == "audio":
            continue
        if key == "valid":
            valid = np.asarray(array, bool)
            out[key] = valid[lo] & valid[hi]
        else:
            shape = (-1,) + (1,) * (array.ndim - 1)
            out[key] = ((1 - w).reshape(shape) * array[lo] + w.reshape(shape) * array[hi]).astype(
                array.dtype
            )
    return out


def noise_floor(audio: np.ndarray, phones: Sequence[Phone]) -> float:
    """RMS of ``audio`` before its first phone (s1's room and microphone)."""
    first = next(p for p in phones if p.symbol != "_")
    lead = audio[: int(first.start_s * SAMPLE_RATE)]
    return float(np.sqrt(np.mean(lead.astype(np.float64) ** 2))) if len(lead) > 400 else 0.0


def swap(
    s1_audio: np.ndarray,
    s1_phones: Sequence[Phone],
    s1_labels: dict[str, np.ndarray],
    voice_audio: np.ndarray,
    voice_phones: Sequence[Phone],
    rng: np.random.Generator,
) -> Swapped:
    """The new voice placed so its speech starts where s1's does, s1's face carried onto it."""
    t_voice, t_s1 = anchors(s1_phones, voice_phones)
    # where the new clip's speech starts: at s1's; the voice's own lead-in is cut to fit
    offset = t_s1[0] - t_voice[0]
    start = max(0, round(-offset * SAMPLE_RATE))
    speech = voice_audio[start : int((t_voice[-1] + TAIL_S) * SAMPLE_RATE)]
    lead = max(0, round(offset * SAMPLE_RATE))
    t_voice = t_voice + offset  # on the new clip's clock
    s1_end = len(s1_labels["valid"]) * FRAME_SECONDS
    length_s = t_voice[-1] + (s1_end - t_s1[-1])  # s1's tail silence after the speech
    frames = int(length_s / FRAME_SECONDS)
    audio = np.zeros(frames * HOP_SAMPLES, np.float32)
    body = speech[: max(0, len(audio) - lead)]
    peak = float(np.abs(body).max()) if len(body) else 0.0
    if peak > 0:
        audio[lead : lead + len(body)] = body * (float(np.abs(s1_audio).max()) / peak)
    audio += rng.normal(0.0, noise_floor(s1_audio, s1_phones), len(audio)).astype(np.float32)
    times = np.arange(frames) * FRAME_SECONDS
    # slope 1 outside the speech: s1's lead-in and tail are kept at their own pace
    source = np.interp(times, t_voice, t_s1)
    source = np.where(times < t_voice[0], t_s1[0] - (t_voice[0] - times), source)
    source = np.where(times > t_voice[-1], t_s1[-1] + (times - t_voice[-1]), source)
    labels = warp_labels(s1_labels, source)
    labels["audio"] = audio
    return Swapped(audio, labels)


def draw_espeak(rng: np.random.Generator) -> Voice:
    return Voice(
        str(rng.choice(LANGUAGES)),
        str(rng.choice(VARIANTS)),
        int(rng.integers(140, 200)),
        int(rng.integers(25, 85)),
        int(rng.integers(25, 85)),
    )


def _espeak_audio(text: str, voice: Voice) -> np.ndarray:
    speech = speak_fresh(text, voice)
    audio = np.asarray(speech.audio, np.float32)
    if speech.sample_rate != SAMPLE_RATE:
        audio = signal.resample_poly(audio, SAMPLE_RATE, speech.sample_rate).astype(np.float32)
    return audio


def _voices(
    rows: Sequence[Utterance], copies: int, seed: int, piper_share: float, progress: bool
) -> Iterator[tuple[Utterance, int, str, np.ndarray]]:
    """``(utterance, copy, voice name, audio)`` for every copy of every row, one Piper batch or
    one espeak-ng sentence at a time (all of them at once would hold hundreds of MB)."""
    from .aligned import PiperStyle, piper_speak

    rng = np.random.default_rng(seed)
    jobs = [(u, k, bool(rng.random() < piper_share)) for k in range(copies) for u in rows]
    piper = [(u, k) for u, k, p in jobs if p]
    bar = tqdm(total=len(jobs), desc="speaking", unit="clip", disable=not progress)
    for at in range(0, len(piper), PIPER_BATCH):
        batch = piper[at : at + PIPER_BATCH]
        style = PiperStyle.draw(rng)
        name = f"piper-joe-l{style.length_scale:.2f}"
        for (u, k), audio in zip(
            batch, piper_speak([u.sentence for u, _ in batch], style), strict=True
        ):
            yield u, k, name, audio
        bar.update(len(batch))
    for u, k, is_piper in jobs:
        if is_piper:
            continue
        voice = draw_espeak(rng)
        name = f"espeak-{voice.language}-{voice.variant}-p{voice.pitch}"
        yield u, k, name, _espeak_audio(u.sentence, voice)
        bar.update(1)
    bar.close()


def voice_swap(
    prepared: Path,
    out_dir: Path,
    copies: int = 1,
    seed: int = 0,
    piper_share: float = 0.5,
    limit: int | None = None,
    progress: bool = True,
) -> tuple[int, list[str]]:
    """Write the swapped folder; returns (clips written, ids skipped with why)."""
    rows = without_held_out(read_manifest(prepared / MANIFEST_NAME))
    rows = [u for u in rows if u.sentence][:limit]
    if not rows:
        raise CorpusError(f"no training utterance with a sentence in {str(prepared)!r}")
    aligner = Aligner()
    s1_phones: dict[str, tuple[Phone, ...]] = {}  # the labels are read again per copy
    skipped: list[str] = []
    for u in tqdm(rows, desc="aligning s1", unit="clip", disable=not progress):
        audio = load_labels(prepared / LABELS_DIR, u)["audio"]
        try:
            s1_phones[u.id] = align_speech(aligner, audio, u.sentence)
        except AlignError as exc:
            skipped.append(f"{u.id}: {exc}")
    written: list[Utterance] = []
    spoken = _voices([u for u in rows if u.id in s1_phones], copies, seed, piper_share, progress)
    for u, k, name, audio in spoken:
        s1_labels = load_labels(prepared / LABELS_DIR, u)
        new_id = f"{u.id}-swap{k}"
        try:
            phones = align_speech(aligner, audio, u.sentence)
            # each clip's noise from its own seed: one clip's length cannot change another's
            rng = np.random.default_rng([seed, k, zlib.crc32(u.id.encode())])
            clip = swap(s1_labels["audio"], s1_phones[u.id], s1_labels, audio, phones, rng)
        except (AlignError, SwapError) as exc:
            skipped.append(f"{new_id} ({name}): {exc}")
            continue
        row = replace(
            u, id=new_id, corpus=f"{u.corpus}-swap", speaker=name, sample_rate=SAMPLE_RATE,
            duration_s=len(clip.audio) / SAMPLE_RATE, words=(),
        )  # fmt: skip
        save_labels(out_dir / LABELS_DIR, row, clip.labels)
        written.append(row)
    write_manifest(out_dir / MANIFEST_NAME, written)
    return len(written), skipped


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``talkrig train voice-swap`` arguments."""
    parser.add_argument("data", type=Path, help="prepared folder (prepare's --out), e.g. GRID s1")
    parser.add_argument("--out", type=Path, required=True, help="folder for the swapped clips")
    parser.add_argument("--copies", type=int, default=1, help="new voices per sentence")
    parser.add_argument(
        "--piper-share", type=float, default=0.5, help="share in Piper's voice (rest: espeak-ng)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, help="only the first N training utterances")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    if args.copies < 1 or not 0.0 <= args.piper_share <= 1.0:
        print("talkrig train voice-swap: --copies must be >= 1 and --piper-share in [0, 1]",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        count, skipped = voice_swap(
            args.data, args.out, args.copies, args.seed, args.piper_share, args.limit,
            not args.no_progress,
        )  # fmt: skip
    except (CorpusError, LabelError, SynthError) as exc:
        print(f"talkrig train voice-swap: {exc}", file=sys.stderr)
        return 2
    for line in skipped[:5]:
        print(f"skipped {line}", file=sys.stderr)
    voices = sum("-swap" in line.split(":", 1)[0] for line in skipped)
    print(
        f"{args.out / MANIFEST_NAME}: {count} swapped clips; not aligned: "
        f"{len(skipped) - voices} of s1's recordings, {voices} new voices"
    )
    return 0
