"""Corpus readers and the manifest, on the real GRID clips and on media made with PyAV."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from talkrig.training.data.corpora import (
    grid_sentence,
    parse_crema_name,
    read_alignment,
    read_crema_d,
    read_grid,
    read_video_folder,
)
from talkrig.training.data.manifest import CorpusError, Utterance, read_manifest, write_manifest
from tests.training.conftest import write_clip


def _link(folder: Path, name: str, target: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).symlink_to(target)
    return folder / name


def test_crema_name_gives_speaker_sentence_emotion_level() -> None:
    facts = parse_crema_name("VideoFlash/1001_DFA_ANG_XX.flv")
    assert facts == {
        "speaker": "1001",
        "sentence": "Don't forget a jacket",
        "emotion": "anger",
        "level": "unspecified",
    }
    assert parse_crema_name("1091_WSI_SAD_HI.flv")["level"] == "high"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("1001_DFA_ANG.flv", "ACTOR_SENTENCE_EMOTION_LEVEL"),
        ("101_DFA_ANG_XX.flv", "ACTOR_SENTENCE_EMOTION_LEVEL"),
        ("1001_dfa_ANG_XX.flv", "ACTOR_SENTENCE_EMOTION_LEVEL"),
        ("1001_XYZ_ANG_XX.flv", "unknown sentence code 'XYZ'"),
        ("1001_DFA_BOR_XX.flv", "unknown emotion code 'BOR'"),
        ("1001_DFA_ANG_ZZ.flv", "unknown level code 'ZZ'"),
    ],
)
def test_malformed_crema_names_are_named(name: str, problem: str) -> None:
    with pytest.raises(CorpusError, match=problem) as caught:
        parse_crema_name(name)
    assert name in str(caught.value)


def test_crema_folder_reads_facts_from_names_and_media(grid_dir: Path, tmp_path: Path) -> None:
    # FFmpeg reads the content, not the suffix: a real clip under a CREMA-D name
    _link(tmp_path, "1002_IEO_HAP_HI.flv", grid_dir / "bbaf2n.mpg")
    [row] = read_crema_d(tmp_path)
    assert (row.id, row.corpus, row.speaker) == ("crema-d-1002_IEO_HAP_HI", "crema-d", "1002")
    assert (row.emotion, row.level, row.sentence) == ("happy", "high", "It's eleven o'clock")
    assert row.fps == 25.0 and row.sample_rate == 44_100


def test_crema_folder_with_a_bad_name_fails_naming_it(grid_dir: Path, tmp_path: Path) -> None:
    _link(tmp_path, "1002_IEO_HAP_HI.flv", grid_dir / "bbaf2n.mpg")
    _link(tmp_path, "holiday.flv", grid_dir / "bbaf2n.mpg")
    with pytest.raises(CorpusError, match=r"holiday\.flv"):
        read_crema_d(tmp_path)
    with pytest.raises(CorpusError, match="does not exist"):
        read_crema_d(tmp_path / "nowhere")


def test_grid_flat_folder_with_explicit_speaker(grid_dir: Path) -> None:
    rows = read_grid(grid_dir, speaker="s2")
    assert [r.id for r in rows] == ["grid-s2-bbaf2n", "grid-s2-id2_vcd_swwp2s", "grid-s2-lbax4n"]
    for row in rows:
        assert (row.speaker, row.corpus, row.fps, row.sample_rate) == ("s2", "grid", 25.0, 44_100)
        assert row.duration_s == pytest.approx(3.0, abs=0.05)
    aligned = rows[1]
    assert aligned.sentence == "set white with p two soon"
    assert aligned.words[1].text == "set"
    assert aligned.words[1].start_s == pytest.approx(12_250 / 25_000)
    assert aligned.words[-1].end_s == pytest.approx(74_500 / 25_000)
    assert rows[0].sentence == "bin blue at f two now" and rows[0].words == ()  # from the name


@pytest.mark.parametrize(
    ("stem", "sentence"),
    [
        ("bbaf2n", "bin blue at f two now"),
        ("id2_vcd_swwp2s", "set white with p two soon"),
        ("LGIZ9A", "lay green in z nine again"),
        ("pray0p", "place red at y zero please"),
        ("swbzzs", "set white by z zero soon"),
    ],
)
def test_grid_names_encode_the_sentence(stem: str, sentence: str) -> None:
    assert grid_sentence(stem) == sentence


@pytest.mark.parametrize(
    ("stem", "match"),
    [
        ("bbaf2", "6 letters"),
        ("holiday", "6 letters"),
        ("", "6 letters"),
        ("xbaf2n", "'x' at place 1"),
        ("bbaw2n", "'w' at place 4"),  # GRID has no letter w
        ("bbaf2q", "'q' at place 6"),
    ],
)
def test_grid_name_that_is_no_sentence_code_is_named(stem: str, match: str) -> None:
    with pytest.raises(CorpusError, match=match):
        grid_sentence(stem)


def test_grid_clip_with_another_name_has_no_sentence(grid_dir: Path, tmp_path: Path) -> None:
    _link(tmp_path, "holiday.mpg", grid_dir / "bbaf2n.mpg")
    assert read_grid(tmp_path, speaker="s1")[0].sentence == ""


def test_grid_speaker_folders_and_alignment_folder(grid_dir: Path, tmp_path: Path) -> None:
    _link(tmp_path / "s1", "swwp2s.mpg", grid_dir / "id2_vcd_swwp2s.mpg")
    _link(tmp_path / "s7", "bbaf2n.mpg", grid_dir / "bbaf2n.mpg")
    _link(tmp_path / "align" / "s1", "swwp2s.align", grid_dir / "swwp2s.align")
    rows = read_grid(tmp_path)
    assert [(r.id, r.speaker) for r in rows] == [("grid-s1-swwp2s", "s1"), ("grid-s7-bbaf2n", "s7")]
    assert rows[0].sentence.startswith("set white")


def test_grid_bad_alignment_and_bad_video_are_named(grid_dir: Path, tmp_path: Path) -> None:
    _link(tmp_path, "abcd1e.mpg", grid_dir / "bbaf2n.mpg")
    (tmp_path / "abcd1e.align").write_text("0 12250 sil\n12250 oops set\n")
    with pytest.raises(CorpusError, match=r"abcd1e\.align.* line 2"):
        read_grid(tmp_path, speaker="s3")
    (tmp_path / "abcd1e.align").unlink()
    (tmp_path / "broken.mpg").write_bytes(b"\x00not a video" * 50)
    with pytest.raises(CorpusError, match=r"broken\.mpg"):
        read_grid(tmp_path, speaker="s3")
    with pytest.raises(CorpusError, match="empty"):
        (tmp_path / "e.align").write_text("\n")
        read_alignment(tmp_path / "e.align")


def test_known_rows_skip_the_probe_but_not_the_names(grid_dir: Path) -> None:
    first = read_grid(grid_dir, speaker="s2")
    known = {r.id: replace(r, fps=99.0, speaker="old") for r in first}
    again = read_grid(grid_dir, speaker="s2", known=known)
    assert [r.fps for r in again] == [99.0] * 3  # taken from the known rows, not probed
    assert {r.speaker for r in again} == {"s2"}  # names are always read afresh
    moved = {r.id: replace(r, fps=99.0, source="/elsewhere.mpg") for r in first}
    assert [r.fps for r in read_grid(grid_dir, speaker="s2", known=moved)] == [25.0] * 3


def test_video_folder_with_speaker_table(grid_dir: Path, tmp_path: Path) -> None:
    _link(tmp_path / "clips", "a.mpg", grid_dir / "bbaf2n.mpg")
    _link(tmp_path / "clips" / "sub", "b.mpg", grid_dir / "lbax4n.mpg")
    table = tmp_path / "speakers.csv"
    table.write_text("file,speaker,emotion\na.mpg,anna,Happy\nsub/b.mpg,ben,\n")
    rows = read_video_folder(tmp_path / "clips", table, corpus="mine")
    assert [(r.id, r.speaker, r.emotion, r.corpus) for r in rows] == [
        ("mine-a", "anna", "happy", "mine"),
        ("mine-sub-b", "ben", "neutral", "mine"),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("file,speaker\nmissing.mpg,anna\n", "missing.mpg' does not exist"),
        ("name,who\na.mpg,anna\n", "header must be file,speaker"),
        ("file,speaker\na.mpg,anna\na.mpg,anna\n", "listed twice"),
        ("file,speaker\na.mpg,\n", "line 2: needs a file and a speaker"),
        ("file,speaker\na.mpg,anna,extra\n", "line 2: needs a file and a speaker"),
        ("file,speaker\n", "lists no files"),
    ],
)
def test_bad_speaker_tables_are_named(
    grid_dir: Path, tmp_path: Path, text: str, problem: str
) -> None:
    _link(tmp_path, "a.mpg", grid_dir / "bbaf2n.mpg")
    table = tmp_path / "speakers.csv"
    table.write_text(text)
    with pytest.raises(CorpusError, match=problem) as caught:
        read_video_folder(tmp_path, table)
    assert "speakers.csv" in str(caught.value)


def test_media_without_video_or_audio_is_refused(tmp_path: Path) -> None:
    write_clip(tmp_path / "voice.wav", video=False)
    write_clip(tmp_path / "mute.mkv", audio=False)
    table = tmp_path / "t.csv"
    for name, problem in (("voice.wav", "no video stream"), ("mute.mkv", "no audio stream")):
        table.write_text(f"file,speaker\n{name},x\n")
        with pytest.raises(CorpusError, match=problem) as caught:
            read_video_folder(tmp_path, table)
        assert name in str(caught.value)


def test_manifest_round_trip(grid_dir: Path, tmp_path: Path) -> None:
    rows = read_grid(grid_dir, speaker="s2")
    path = tmp_path / "out" / "manifest.jsonl"
    write_manifest(path, rows)
    assert read_manifest(path) == rows
    assert len(path.read_text().splitlines()) == 3


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json\n", "line 1: not JSON"),
        ("[1, 2]\n", "line 1: expected a JSON object"),
        ('{"id": "a"}\n', "missing keys"),
        ('{"id": "a/b", "corpus": "c", "speaker": "s", "source": "x", "fps": 25, '
         '"sample_rate": 16000, "duration_s": 1}\n', "not file-name safe"),
        ('{"id": "a", "corpus": "c", "speaker": "s", "source": "x", "fps": "fast", '
         '"sample_rate": 16000, "duration_s": 1}\n', "malformed value"),
        ('{"id": "a", "corpus": "c", "speaker": "s", "source": "x", "fps": 25, '
         '"sample_rate": 16000, "duration_s": 0}\n', "must be > 0"),
    ],
)  # fmt: skip
def test_garbage_manifests_are_named(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text(text)
    with pytest.raises(CorpusError, match=problem) as caught:
        read_manifest(path)
    assert "m.jsonl" in str(caught.value)


def test_manifest_ids_are_unique(tmp_path: Path) -> None:
    row = Utterance("a", "c", "s", "x.mpg", 25.0, 16_000, 1.0)
    with pytest.raises(CorpusError, match="duplicate"):
        write_manifest(tmp_path / "m.jsonl", [row, row])
    with pytest.raises(CorpusError, match="does not exist"):
        read_manifest(tmp_path / "none.jsonl")
