"""The phone head: which phone sounds at each frame (from forced alignment of real speech), carried
onto the copies, learned beside the face by the shared layers, and left out of the exported
model, whose output is the face alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from talkrig.bridge.audio.sources import decode_file
from talkrig.models.contract import HOP_SAMPLES, Representation
from talkrig.models.loader import load_model
from talkrig.training.data.align import PHONE_SET
from talkrig.training.data.labels import save_labels
from talkrig.training.data.manifest import Utterance
from talkrig.training.data.phone_labels import SILENCE, UNKNOWN, phone_frames, phone_labels
from talkrig.training.data.visemes import Phone
from talkrig.training.learning.config import ConfigError, TrainConfig, resolve
from talkrig.training.learning.dataset import Clip
from talkrig.training.learning.export import card_for, export_onnx
from talkrig.training.learning.fit import CHECKPOINT, fit, load_checkpoint
from talkrig.training.learning.networks import build_network
from talkrig.training.learning.real_mix import (
    nonspeech_clip,
    room_copy,
    with_phone_targets,
    with_voice_targets,
)
from tests.conftest import need
from tests.training.synthetic import synthetic_clip

A = PHONE_SET.index("a")


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


def test_each_frame_gets_the_phone_sounding_at_its_instant() -> None:
    # frame t stands for the instant (t + 0.5) * 40 ms: 20, 60, 100, 140, 180, 220 ms
    phones = [Phone("_", 0.0, 0.05), Phone("b", 0.05, 0.1), Phone("a", 0.1, 0.19)]
    out = phone_frames(phones, 6)
    assert out.tolist() == [SILENCE, PHONE_SET.index("b"), A, A, A, SILENCE]


def _speech(frames: int = 40, seed: int = 0, uid: str = "grid-s1-x0") -> Clip:
    arrays = synthetic_clip(frames, seed)
    return Clip(uid, arrays["audio"], arrays["blendshapes"], arrays["valid"])


def test_copies_keep_their_originals_phones_and_non_speech_has_none() -> None:
    rng = np.random.default_rng(0)
    speech, stranger = _speech(), _speech(uid="grid-s1-x9")
    phones = {speech.id: np.arange(40) % len(PHONE_SET)}
    noise = nonspeech_clip("nonspeech-noise-0", np.ones(20 * HOP_SAMPLES, np.float32) * 0.1,
                           np.zeros(52, np.float32), rng)  # fmt: skip
    retimed = Clip(f"{speech.id}~v7", speech.audio, speech.targets, speech.valid)
    clean, room, other, negative, voice = with_phone_targets(
        [speech, room_copy(speech, rng), stranger, noise, retimed], phones
    )
    assert (voice.targets[:, -1] == UNKNOWN).all()  # a voice copy has its own timing
    assert clean.targets.shape == (40, 53)
    np.testing.assert_array_equal(clean.targets[:, -1], phones[speech.id])
    np.testing.assert_array_equal(room.targets[:, -1], phones[speech.id])
    assert (other.targets[:, -1] == UNKNOWN).all() and (negative.targets[:, -1] == UNKNOWN).all()
    np.testing.assert_array_equal(clean.targets[:, :-1], speech.targets)


def test_a_phone_head_needs_a_network_that_can_carry_it() -> None:
    with pytest.raises(ConfigError, match="phone_head needs"):
        TrainConfig(architecture="lstm", phone_head=1)
    with pytest.raises(ConfigError, match="phone_weight"):
        TrainConfig(architecture="mel-cnn", phone_head=1, phone_weight=-1.0)
    net = build_network("mel-cnn", out_dim=52, channels=8, voice_gate=True, phones=len(PHONE_SET))
    audio = torch.randn(2, net.window_samples + 4 * HOP_SAMPLES) * 0.1
    face, gate, phones = net.heads(audio)
    assert face.shape == (2, 5, 52) and gate is not None and gate.shape == (2, 5)
    assert phones is not None and phones.shape == (2, 5, len(PHONE_SET))
    assert net.frames(audio).shape == (2, 5, 52)


def test_a_fit_with_a_phone_head_learns_phones_and_exports_the_face_alone(
    tmp_path: Path,
) -> None:
    # the synthetic clips are silent for their first fifth, then loud: "_" there, "a" after
    clips = [_speech(50, seed, f"grid-s1-x{seed}") for seed in range(6)]
    phones = {c.id: np.where(np.arange(50) < 10, SILENCE, A).astype(np.int16) for c in clips}
    rng = np.random.default_rng(3)
    negatives = [
        nonspeech_clip(f"nonspeech-noise-{k}", rng.normal(size=50 * HOP_SAMPLES).astype(np.float32)
                       * 0.05, np.zeros(52, np.float32), rng)
        for k in range(2)
    ]  # fmt: skip
    train = with_voice_targets(with_phone_targets(clips + negatives, phones))
    config = resolve(
        overrides={"architecture": "mel-cnn", "voice_gate": 1, "phone_head": 1, "width": 16,
                   "epochs": 6, "lr": 3e-3, "batch_size": 4, "segment_frames": 10,
                   "phone_weight": 0.05}
    )  # fmt: skip
    result = fit(config, train, tmp_path / "runs", name="phones")
    network, _, _ = load_checkpoint(result.run_dir / CHECKPOINT)  # rebuilt with its phone head
    assert network.phones == len(PHONE_SET)
    clip = clips[0]
    audio = np.concatenate([np.zeros(network.window_samples - network.lookahead_samples,
                                      np.float32), clip.audio])  # fmt: skip
    need_len = network.window_samples + 49 * HOP_SAMPLES
    audio = np.pad(audio, (0, max(0, need_len - len(audio))))[:need_len]
    with torch.no_grad():
        _, _, logits = network.eval().heads(torch.from_numpy(audio)[None])
    assert logits is not None
    said = logits[0].argmax(-1).numpy()
    accuracy = float(np.mean(said[2:48] == phones[clip.id][2:48]))
    assert accuracy > 0.8, (accuracy, said)
    card = card_for(result.network, "phones", Representation.BLENDSHAPES,
                    training_data="synthetic", license="MIT")  # fmt: skip
    path = export_onnx(result.network, tmp_path / "phones.onnx", card)
    with load_model(path) as model:
        out = model(audio[None, : network.window_samples])
    assert out.shape == (1, 52)


def test_phone_labels_align_real_speech_once_and_mark_what_does_not_align(
    tmp_path: Path, shared_data: Path
) -> None:
    source = shared_data / "grid_s1" / "s1" / "bbaf5a.mkv"
    need(source.is_file(), f"{source} is missing")
    audio = decode_file(source)
    frames = len(audio) // HOP_SAMPLES
    arrays = synthetic_clip(frames, 0)
    arrays["audio"] = audio[: frames * HOP_SAMPLES]
    rows = [
        Utterance("s1-bbaf5a", "grid", "s1", str(source), 25.0, 16000, 3.0,
                  sentence="bin blue at f five again"),
        Utterance("s1-bogus", "grid", "s1", str(source), 25.0, 16000, 3.0,
                  sentence="qqxzv blorptang"),
    ]  # fmt: skip
    for u in rows:
        save_labels(tmp_path / "labels", u, arrays)
    labels = phone_labels(tmp_path, rows)
    said = labels["s1-bbaf5a"]
    assert len(said) == frames and said[0] == SILENCE and said[-1] == SILENCE
    spoken = {PHONE_SET[k] for k in said if k != SILENCE}
    assert {"b", "I", "n", "l", "u:", "f", "aI", "v", "g"} <= spoken, spoken
    assert (labels["s1-bogus"] == UNKNOWN).all()
    cached = tmp_path / "phones" / "s1-bbaf5a.npy"
    before = cached.stat().st_mtime_ns
    again = phone_labels(tmp_path, rows)  # read back, not aligned again
    assert cached.stat().st_mtime_ns == before
    np.testing.assert_array_equal(again["s1-bbaf5a"], said)
    cached.write_bytes(b"\x93NUMPY garbage")  # a damaged cache file is aligned again
    np.testing.assert_array_equal(phone_labels(tmp_path, rows)["s1-bbaf5a"], said)
