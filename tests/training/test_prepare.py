"""The prepare step: corpus → manifest + label cache, and no work done twice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from talkrig.training.data.labels import load_labels
from talkrig.training.data.landmarker import FaceLandmarker
from talkrig.training.data.manifest import read_manifest
from talkrig.training.data.prepare import label_utterances, main, prepare


def _never() -> FaceLandmarker:
    raise AssertionError("nothing was left to label, yet the landmarker was asked for")


@pytest.fixture(scope="module")
def one_clip(grid_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    (folder / "swwp2s.mpg").symlink_to(grid_dir / "id2_vcd_swwp2s.mpg")
    (folder / "swwp2s.align").symlink_to(grid_dir / "swwp2s.align")
    return folder


def test_prepare_twice_labels_once(one_clip: Path, face_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "prepared"
    first = prepare("grid", one_clip, out, face_model, speaker="s2", progress=False)
    assert (first.labelled, first.reused, first.faceless) == (("grid-s2-swwp2s",), (), ())
    [row] = read_manifest(first.manifest)
    assert (row.speaker, row.fps, row.sentence) == ("s2", 25.0, "set white with p two soon")
    label_file = out / "labels" / "grid-s2-swwp2s.npz"
    labels = load_labels(out / "labels", row)
    assert labels["valid"].mean() > 0.9
    stamp = label_file.stat().st_mtime_ns

    # the bundle path is wrong now: it must not be needed, since nothing is left to label
    second = prepare("grid", one_clip, out, tmp_path / "absent.task", speaker="s2", progress=False)
    assert (second.labelled, second.reused) == ((), ("grid-s2-swwp2s",))
    assert label_file.stat().st_mtime_ns == stamp
    assert read_manifest(second.manifest) == [row]
    assert label_utterances([row], out / "labels", _never, progress=False)[1] == [row.id]


def test_prepare_reports_faceless_videos(
    faceless_video: Path, face_model: Path, tmp_path: Path
) -> None:
    table = tmp_path / "speakers.csv"
    table.write_text(f"file,speaker\n{faceless_video.name},nobody\n")
    report = prepare(
        "folder", faceless_video.parent, tmp_path / "out", face_model, table=table, progress=False
    )
    assert report.faceless == report.labelled == ("videos-grey",)
    [row] = read_manifest(report.manifest)
    assert not load_labels(tmp_path / "out" / "labels", row)["valid"].any()


def test_cli_reports_a_bad_corpus_in_one_line(
    tmp_path: Path, face_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "7_oops.flv").write_bytes(b"")
    code = main(["crema-d", str(tmp_path), "--out", str(tmp_path / "o"), "--model", "x.task"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "7_oops.flv" in err
    code = main(["folder", str(tmp_path), "--out", str(tmp_path / "o"), "--model", "x.task"])
    assert code == 2 and "--table" in capsys.readouterr().err


def test_cli_prepares_and_counts(
    one_clip: Path, face_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["grid", str(one_clip), "--speaker", "s9", "--out", str(tmp_path), "--model",
            str(face_model), "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    assert "1 labelled, 0 already cached, 0 without a face" in capsys.readouterr().out
    assert main(argv) == 0
    assert "0 labelled, 1 already cached" in capsys.readouterr().out
    audio = np.load(tmp_path / "labels" / "grid-s9-swwp2s.npz")["audio"]
    assert audio.dtype == np.float32 and len(audio) % 640 == 0


def test_asking_for_68_points_relabels_only_files_without_them(
    one_clip: Path, face_model: Path, dlib_ready: None, tmp_path: Path
) -> None:
    first = prepare("grid", one_clip, tmp_path, face_model, speaker="s2", progress=False)
    assert first.labelled == ("grid-s2-swwp2s",)
    [row] = read_manifest(first.manifest)
    assert "landmarks2d" not in load_labels(tmp_path / "labels", row)
    second = prepare(
        "grid", one_clip, tmp_path, face_model, speaker="s2", with_2d=True, progress=False
    )
    assert second.labelled == ("grid-s2-swwp2s",)
    assert load_labels(tmp_path / "labels", row)["landmarks2d"].shape[1:] == (68, 2)
    third = prepare(
        "grid", one_clip, tmp_path, face_model, speaker="s2", with_2d=True, progress=False
    )
    assert (third.labelled, third.reused) == ((), ("grid-s2-swwp2s",))
