"""Speaker invariance without video: the same word by different voices should move the jaw the
same way.

With two clips of other speakers that have video, "any voice" is measured on very little. This
check needs no face: FSDD holds every digit spoken by six speakers. For each digit and take, the
speakers' recordings are aligned in time by dynamic time warping on their spectra (MFCCs, mean
removed per recording so the voice and the microphone matter less than the phones), and the
model's jawOpen tracks are compared along that path (Pearson r, averaged over the speaker
pairs). A model that learned one voice follows it and not the others: low r. How far each
speaker's mouth opens is compared too (the smallest speaker mean over the largest): a model
that opens wide for one voice and barely for another gets a low ratio.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np
from scipy.fft import dct

from talkrig.models.contract import HOP_SAMPLES, SAMPLE_RATE
from talkrig.models.loader import Model

from ..data.aligned import fsdd_recordings, read_wav
from ..learning.frontends import mel_filterbank

TAKES = 2  # takes per digit and speaker: 10 digits × 2 takes × 15 speaker pairs
PAD_S = 0.2  # FSDD is cut tight around the word; a breath of silence either side
N_FFT = 1024
MEL_BANDS = 40
CEPSTRA = 13


def row_features(audio: np.ndarray, rows: int) -> np.ndarray:
    """``(rows, CEPSTRA - 1)`` MFCCs (c1…) of the 40 ms around each row's instant, mean removed."""
    padded = np.pad(audio, (N_FFT // 2, N_FFT // 2 + rows * HOP_SAMPLES))
    frames = np.stack([padded[k * HOP_SAMPLES : k * HOP_SAMPLES + N_FFT] for k in range(rows)])
    power = np.abs(np.fft.rfft(frames * np.hanning(N_FFT), axis=1)) ** 2
    mel = np.log(power @ mel_filterbank(MEL_BANDS, N_FFT).T + 1e-8)
    cepstra = dct(mel, type=2, norm="ortho", axis=1)[:, 1:CEPSTRA]
    return cepstra - cepstra.mean(axis=0)


def dtw_path(a: np.ndarray, b: np.ndarray) -> list[tuple[int, int]]:
    """The cheapest monotonic path pairing the rows of ``a`` (n, d) and ``b`` (m, d)."""
    cost = np.linalg.norm(a[:, None, :] - b[None, :, :], axis=-1)
    n, m = cost.shape
    total = np.full((n + 1, m + 1), np.inf)
    total[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            total[i, j] = cost[i - 1, j - 1] + min(
                total[i - 1, j], total[i, j - 1], total[i - 1, j - 1]
            )
    path, i, j = [], n, m
    while i > 0 and j > 0:
        path.append((i - 1, j - 1))
        step = int(np.argmin([total[i - 1, j - 1], total[i - 1, j], total[i, j - 1]]))
        i, j = (i - 1, j - 1) if step == 0 else (i - 1, j) if step == 1 else (i, j - 1)
    return path[::-1]


def aligned_r(jaw_a: np.ndarray, jaw_b: np.ndarray, path: list[tuple[int, int]]) -> float:
    from .judge import pearson

    rows_a, rows_b = zip(*path, strict=True)
    return pearson(jaw_a[list(rows_a)], jaw_b[list(rows_b)])


def judge_voices(model: Model, folder: Path, takes: int = TAKES) -> dict[str, float]:
    """Same-word jaw r across FSDD's speakers and the spread of their openings (module doc)."""
    from .judge import opening, raw_outputs

    pad = np.zeros(int(PAD_S * SAMPLE_RATE), np.float32)
    rest = float(opening(model, model.rest_output()[None])[0])
    tracks: dict[tuple[int, int, str], tuple[np.ndarray, np.ndarray]] = {}
    for recording in fsdd_recordings(folder):
        index = int(recording.path.stem.rsplit("_", 1)[1])
        if index >= takes:
            continue
        audio = np.concatenate([pad, read_wav(recording.path), pad])
        jaw = opening(model, raw_outputs(model, audio)) - rest
        tracks[recording.digit, index, recording.speaker] = (jaw, row_features(audio, len(jaw)))
    speakers = sorted({s for _, _, s in tracks})
    rs: list[float] = []
    means: dict[str, list[float]] = {s: [] for s in speakers}
    for digit, index in sorted({(d, i) for d, i, _ in tracks}):
        here = [s for s in speakers if (digit, index, s) in tracks]
        for s in here:
            means[s].append(float(tracks[digit, index, s][0].mean()))
        for a, b in combinations(here, 2):
            jaw_a, feat_a = tracks[digit, index, a]
            jaw_b, feat_b = tracks[digit, index, b]
            r = aligned_r(jaw_a, jaw_b, dtw_path(feat_a, feat_b))
            if np.isfinite(r):
                rs.append(r)
    level = [float(np.mean(v)) for v in means.values() if v]
    return {
        "same-word jaw r": float(np.mean(rs)) if rs else float("nan"),
        "opening ratio min/max": min(level) / max(level) if level and max(level) > 0 else 0.0,
        "speakers": float(len(speakers)),
        "pairs": float(len(rs)),
    }
