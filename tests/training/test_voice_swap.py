"""Voice-swapped parallel data: s1's real face carried onto another voice's timing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from talkrig.bridge.audio.sources import decode_file
from talkrig.models import arkit
from talkrig.models.contract import FRAME_SECONDS, HOP_SAMPLES, SAMPLE_RATE
from talkrig.training.data import voice_swap
from talkrig.training.data.align import Aligner, AlignError, align_speech
from talkrig.training.data.labels import load_labels, save_labels
from talkrig.training.data.manifest import Utterance, read_manifest, write_manifest
from talkrig.training.data.visemes import Phone
from tests.conftest import need

JAW = arkit.INDEX["jawOpen"]


def _phones(*spans: tuple[str, float, float]) -> tuple[Phone, ...]:
    return tuple(Phone(*span) for span in spans)


def test_anchors_pair_the_same_phones_and_refuse_different_ones() -> None:
    s1 = _phones(("_", 0.0, 0.5), ("b", 0.5, 0.6), ("I", 0.6, 0.8), ("_", 0.8, 1.0))
    voice = _phones(("b", 0.1, 0.3), ("I", 0.3, 0.4))
    t_voice, t_s1 = voice_swap.anchors(s1, voice)
    np.testing.assert_allclose(t_voice, [0.1, 0.3, 0.4])
    np.testing.assert_allclose(t_s1, [0.5, 0.6, 0.8])
    with pytest.raises(voice_swap.SwapError, match="phones differ"):
        voice_swap.anchors(s1, _phones(("b", 0.1, 0.3)))


def test_anchors_skip_a_pronunciation_variant() -> None:
    # "with": /w I D/ in one recording, /w I T/ in the other; the rest pairs up
    words = ("b", "I", "n", "b", "l", "u:", "w", "I", "{}", "dZ", "i:", "n", "aU")
    s1 = _phones(*((p.format("D"), 0.1 * k, 0.1 * k + 0.1) for k, p in enumerate(words)))
    voice = _phones(*((p.format("T"), 0.2 * k, 0.2 * k + 0.2) for k, p in enumerate(words)))
    t_voice, t_s1 = voice_swap.anchors(s1, voice)
    np.testing.assert_allclose(t_voice, 2 * t_s1)
    assert len(t_s1) == len(words) + 1  # D/T's own edges are its neighbours' edges


def _labels(frames: int, open_frames: slice) -> dict[str, np.ndarray]:
    blendshapes = np.zeros((frames, 52), np.float32)
    blendshapes[open_frames, JAW] = 1.0
    return {
        "audio": np.zeros(frames * HOP_SAMPLES, np.float32),
        "blendshapes": blendshapes,
        "landmarks3d": np.zeros((frames, 478, 3), np.float32),
        "valid": np.ones(frames, bool),
    }


def test_the_face_follows_a_slower_voice_and_keeps_s1s_lead_in() -> None:
    # s1 opens the jaw for its vowel (0.6–0.8 s); the new voice says it twice as slowly
    s1_phones = _phones(("_", 0.0, 0.5), ("b", 0.5, 0.6), ("a", 0.6, 0.8), ("_", 0.8, 2.0))
    s1 = _labels(50, slice(15, 20))  # frames 15..19: 0.6–0.8 s
    s1["audio"][: int(0.5 * SAMPLE_RATE)] = 1e-3  # s1's room: the noise floor to keep
    s1["audio"][int(0.5 * SAMPLE_RATE) : int(0.8 * SAMPLE_RATE)] = 0.5
    voice_phones = _phones(("_", 0.0, 0.2), ("b", 0.2, 0.4), ("a", 0.4, 0.8))
    voice = np.full(int(0.9 * SAMPLE_RATE), 0.25, np.float32)
    voice[: int(0.2 * SAMPLE_RATE)] = 0.0
    out = voice_swap.swap(s1["audio"], s1_phones, s1, voice, voice_phones, np.random.default_rng(0))
    # speech starts where s1's did (0.5 s): "a" is at 0.7–1.1 s; s1's 1.2 s tail follows
    jaw = out.labels["blendshapes"][:, JAW]
    assert len(jaw) == round((1.1 + 1.2) / FRAME_SECONDS)
    opened = np.nonzero(jaw > 0.5)[0] * FRAME_SECONDS
    assert opened.min() == pytest.approx(0.72, abs=0.05) and opened.max() == pytest.approx(
        1.08, abs=0.05
    )
    assert out.labels["valid"].all() and out.audio.shape == (len(jaw) * HOP_SAMPLES,)
    # the voice is brought to s1's peak, the silence around it to s1's noise floor
    assert np.abs(out.audio).max() == pytest.approx(0.5, abs=0.01)
    lead = out.audio[: int(0.4 * SAMPLE_RATE)]
    assert np.sqrt(np.mean(lead**2)) == pytest.approx(
        np.sqrt(np.mean(s1["audio"][: int(0.4 * SAMPLE_RATE)] ** 2)), rel=0.1
    )


def _s1_clip(shared_data: Path, stem: str) -> np.ndarray:
    path = shared_data / "grid_s1" / "s1" / f"{stem}.mkv"
    need(path.is_file(), f"{path} is missing")
    return decode_file(path)


def test_a_clip_with_a_long_quiet_lead_in_still_aligns(shared_data: Path) -> None:
    # PocketSphinx finds no path through this s1 clip as prepare stores it (whole 40 ms frames);
    # its loud part aligns
    audio = _s1_clip(shared_data, "bbaf5a")
    audio = audio[: len(audio) // HOP_SAMPLES * HOP_SAMPLES]
    text = "bin blue at f five again"
    aligner = Aligner()
    with pytest.raises(AlignError):
        aligner.align(audio, text)
    phones = align_speech(aligner, audio, text)
    spoken = [p for p in phones if p.symbol != "_"]
    assert [p.symbol for p in spoken][:3] == ["b", "I", "n"]
    # on the whole clip's clock: GRID's own alignment has "bin" from 0.65 s to 0.85 s
    assert spoken[0].start_s == pytest.approx(0.65, abs=0.1)


def _envelope(audio: np.ndarray) -> np.ndarray:
    frames = len(audio) // HOP_SAMPLES
    power = (audio[: frames * HOP_SAMPLES].reshape(frames, HOP_SAMPLES) ** 2).mean(axis=1)
    return 10.0 * np.log10(power + 1e-9)


def _loudness_folder(shared_data: Path, prepared: Path) -> list[Utterance]:
    """A prepared folder of two real s1 clips whose "face" is their own loudness."""
    rows = []
    for stem, text in (
        ("bbaf3s", "bin blue at f three soon"),
        ("bbaf4p", "bin blue at f four please"),
    ):
        audio = _s1_clip(shared_data, stem)
        frames = len(audio) // HOP_SAMPLES
        labels = _labels(frames, slice(0, 0))
        labels["audio"] = audio[: frames * HOP_SAMPLES]
        loudness = _envelope(audio)
        labels["blendshapes"][:, JAW] = (loudness - loudness.min()) / np.ptp(loudness)
        row = Utterance(
            f"grid-s1-{stem}", "grid", "s1", str(shared_data / "grid_s1" / "s1" / f"{stem}.mkv"),
            25.0, 16000, frames * FRAME_SECONDS, sentence=text,
        )  # fmt: skip
        save_labels(prepared / "labels", row, labels)
        rows.append(row)
    write_manifest(prepared / "manifest.jsonl", rows)
    return rows


@pytest.mark.parametrize("piper_share", [0.0, 1.0], ids=["espeak", "piper"])
def test_voice_swap_writes_a_folder_whose_face_follows_the_new_voice(
    shared_data: Path, tmp_path: Path, piper_share: float
) -> None:
    """Carried onto the new voice, s1's "face" (its loudness) must follow that voice's loudness,
    which s1's unwarped track does not."""
    prepared = tmp_path / "s1"
    rows = _loudness_folder(shared_data, prepared)
    out = tmp_path / "swap"
    count, skipped = voice_swap.voice_swap(
        prepared, out, copies=1, seed=3, piper_share=piper_share, progress=False
    )
    assert count + len(skipped) == 2 and count >= 1, skipped
    for row in read_manifest(out / "manifest.jsonl"):
        assert row.source.endswith(".mkv") and Path(row.source).stem in row.id
        assert row.corpus == "grid-swap" and row.speaker.startswith(("piper", "espeak"))
        new = load_labels(out / "labels", row)
        jaw, loudness = new["blendshapes"][:, JAW], _envelope(new["audio"])
        source = load_labels(prepared / "labels", next(r for r in rows if r.id in row.id))
        n = min(len(jaw), len(source["valid"]))
        carried = np.corrcoef(jaw[:n], loudness[:n])[0, 1]
        unwarped = np.corrcoef(source["blendshapes"][:n, JAW], loudness[:n])[0, 1]
        assert carried > 0.7 and carried > unwarped + 0.1, (row.speaker, carried, unwarped)


def test_voice_swap_answers_bad_arguments_and_folders_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from talkrig.training.cli import main as train_main

    out = str(tmp_path / "out")
    assert train_main(["train", "voice-swap", str(tmp_path), "--out", out, "--copies", "0"]) == 2
    assert "--copies must be >= 1" in capsys.readouterr().err
    assert train_main(["train", "voice-swap", str(tmp_path / "nowhere"), "--out", out]) == 2
    err = capsys.readouterr().err
    assert err.startswith("talkrig train voice-swap:") and "manifest.jsonl" in err
    assert len(err.strip().splitlines()) == 1
    # a damaged label file: its name, one line, and no half-written output folder
    prepared = tmp_path / "s1"
    row = Utterance("grid-s1-bbaf3s", "grid", "s1", "/x/s1/bbaf3s.mkv", 25.0, 16000, 3.0,
                    sentence="bin blue at f three soon")  # fmt: skip
    write_manifest(prepared / "manifest.jsonl", [row])
    (prepared / "labels").mkdir()
    (prepared / "labels" / "grid-s1-bbaf3s.npz").write_bytes(b"PK\x03\x04 torn")
    assert train_main(["train", "voice-swap", str(prepared), "--out", out, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "grid-s1-bbaf3s.npz" in err and "damaged" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out" / "manifest.jsonl").exists()


def test_espeak_swaps_are_the_same_every_time(shared_data: Path, tmp_path: Path) -> None:
    prepared = tmp_path / "s1"
    _loudness_folder(shared_data, prepared)
    for out in ("a", "b"):
        voice_swap.voice_swap(prepared, tmp_path / out, copies=2, seed=5, piper_share=0.0,
                              progress=False)  # fmt: skip
    first = read_manifest(tmp_path / "a" / "manifest.jsonl")
    assert first and first == read_manifest(tmp_path / "b" / "manifest.jsonl")
    for row in first:
        a, b = (
            load_labels(tmp_path / "a" / "labels", row),
            load_labels(tmp_path / "b" / "labels", row),
        )
        assert all(np.array_equal(a[key], b[key]) for key in a)
