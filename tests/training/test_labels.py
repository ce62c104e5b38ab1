"""Labels: MediaPipe name mapping, the 40 ms grid, real extraction on a GRID clip, the cache."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talkrig.models import arkit
from talkrig.models.contract import HOP_SAMPLES
from talkrig.training.data.corpora import read_grid
from talkrig.training.data.dlib68 import Dlib68
from talkrig.training.data.labels import (
    NoFaceWarning,
    extract_labels,
    label_path,
    load_labels,
    save_labels,
    to_grid,
)
from talkrig.training.data.landmarker import (
    MESH_POINTS,
    FaceLandmarker,
    LabelError,
    blendshapes_by_name,
)
from talkrig.training.data.manifest import CorpusError, Utterance
from tests.training.conftest import write_clip

JAW = arkit.INDEX["jawOpen"]


@pytest.fixture(scope="module")
def landmarker(face_model: Path) -> FaceLandmarker:
    return FaceLandmarker(face_model)


@pytest.fixture(scope="module")
def grid_clip(grid_dir: Path) -> Utterance:
    return next(u for u in read_grid(grid_dir, speaker="s2") if u.id.endswith("swwp2s"))


@pytest.fixture(scope="module")
def dlib68(dlib_ready: None) -> Dlib68:
    return Dlib68()


@pytest.fixture(scope="module")
def grid_labels(grid_clip: Utterance, landmarker: FaceLandmarker) -> dict[str, np.ndarray]:
    return extract_labels(grid_clip, landmarker)


def _grid(
    values: np.ndarray, fps: float, frames: int, found: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """``to_grid`` of blendshapes ``values`` (F, 52) shown at ``fps``; landmarks follow column 0."""
    points = np.repeat(values[:, :1, None], MESH_POINTS, axis=1).repeat(3, axis=2)
    return to_grid(
        np.arange(len(values)) / fps,
        np.ones(len(values), bool) if found is None else found,
        {"blendshapes": values, "landmarks3d": points},
        fps,
        frames,
    )


def test_mediapipe_categories_map_by_name_in_any_order() -> None:
    names = list(arkit.MEDIAPIPE_NAMES)
    random.Random(3).shuffle(names)
    # each score encodes its own name, so a mix-up by index shows
    scores = [0.9 if n == "_neutral" else (arkit.INDEX[n] + 1) / 100 for n in names]
    out = blendshapes_by_name(names, scores)
    assert out.shape == (52,) and out.dtype == np.float32
    expected = np.array([(i + 1) / 100 for i in range(52)], np.float32)
    expected[arkit.INDEX["tongueOut"]] = 0.0
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    with pytest.raises(LabelError, match="mouthSmile'"):
        blendshapes_by_name(["mouthSmile"], [0.5])


def test_25_fps_video_is_the_grid_frame_for_frame() -> None:
    values = np.random.default_rng(0).random((25, 52))
    found = np.ones(25, bool)
    found[3] = False
    grid = _grid(values, 25.0, 25, found)
    assert grid["valid"].tolist() == [i != 3 for i in range(25)]  # neighbours untouched
    np.testing.assert_allclose(grid["blendshapes"][grid["valid"]], values[found], atol=1e-6)
    assert not grid["blendshapes"][3].any() and not grid["landmarks3d"][3].any()


def test_30_fps_video_is_interpolated_and_faceless_neighbours_invalidate() -> None:
    # frame i holds value i; video frame i stands for (i + 0.5) / 30 s, grid frame t for
    # (t + 0.5) * 0.04 s, so grid frame t sits at video position 1.2 t + 0.1
    values = np.repeat(np.arange(30.0)[:, None], 52, axis=1)
    found = np.ones(30, bool)
    found[2] = False
    grid = _grid(values, 30.0, 27, found)
    t = np.arange(27)
    expected_valid = ~np.isin(t, [1, 2]) & (t < 25)  # 1.3 and 2.5 touch frame 2; 25+ past 1 s
    assert grid["valid"].tolist() == expected_valid.tolist()
    np.testing.assert_allclose(
        grid["blendshapes"][expected_valid, 5], (1.2 * t + 0.1)[expected_valid], atol=1e-5
    )
    np.testing.assert_allclose(grid["landmarks3d"][0], 0.1, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(fps=st.floats(10.0, 60.0), level=st.floats(0.0, 1.0), seconds=st.floats(0.3, 3.0))
def test_a_still_face_stays_still_on_the_grid(fps: float, level: float, seconds: float) -> None:
    frames = max(1, int(seconds * fps))
    grid = _grid(np.full((frames, 52), level), fps, int(seconds * 25))
    assert grid["valid"][: int((frames - 1) / fps * 25)].all()  # inside the video: all valid
    np.testing.assert_allclose(grid["blendshapes"][grid["valid"]], level, atol=1e-5)


def test_real_grid_clip_labels(grid_labels: dict[str, np.ndarray]) -> None:
    frames = len(grid_labels["valid"])
    assert 72 <= frames <= 76  # 3 s at 25 fps
    assert grid_labels["audio"].shape == (frames * HOP_SAMPLES,)
    assert grid_labels["audio"].dtype == np.float32
    assert 0.001 < float(np.abs(grid_labels["audio"]).max()) <= 1.0
    assert grid_labels["blendshapes"].shape == (frames, 52)
    assert grid_labels["landmarks3d"].shape == (frames, 478, 3)
    assert grid_labels["valid"].mean() > 0.9
    shapes = grid_labels["blendshapes"]
    assert shapes.min() >= 0.0 and shapes.max() <= 1.0
    assert not shapes[:, arkit.INDEX["tongueOut"]].any()
    assert shapes[grid_labels["valid"], JAW].std() > 0.01  # the mouth moves with the words
    eyes = grid_labels["landmarks3d"][grid_labels["valid"], :, :2]
    assert eyes.min() > 0.0 and eyes.max() < 1.0  # the face is inside the picture


def test_labels_follow_the_words_of_the_alignment(
    grid_clip: Utterance, grid_labels: dict[str, np.ndarray]
) -> None:
    shapes = grid_labels["blendshapes"]
    frame = {w.text: (int(w.start_s / 0.04), int(w.end_s / 0.04) + 1) for w in grid_clip.words}
    # this speaker starts with the mouth half open, so compare with the closing silence
    words = shapes[frame["set"][0] : frame["soon"][1], JAW]
    rest = shapes[frame["soon"][1] + 5 :, JAW]
    assert words.max() > rest.max() + 0.1
    # the rounded /w/ of "white" is the strongest pucker of the clip
    pucker = int(np.argmax(shapes[:, arkit.INDEX["mouthPucker"]]))
    assert frame["white"][0] - 1 <= pucker <= frame["white"][1]


def test_faceless_video_is_all_invalid_with_a_warning(
    faceless_video: Path, landmarker: FaceLandmarker
) -> None:
    clip = Utterance("grey", "test", "nobody", str(faceless_video), 25.0, 16_000, 1.0)
    with pytest.warns(NoFaceWarning, match="grey.mkv"):
        labels = extract_labels(clip, landmarker)
    assert len(labels["valid"]) == 25 and not labels["valid"].any()
    assert not labels["blendshapes"].any() and not labels["landmarks3d"].any()
    assert np.abs(labels["audio"]).max() > 0.2  # the tone is there


def test_media_without_video_is_a_corpus_error(tmp_path: Path, landmarker: FaceLandmarker) -> None:
    path = write_clip(tmp_path / "voice.wav", video=False)
    clip = Utterance("voice", "test", "x", str(path), 25.0, 16_000, 1.0)
    with pytest.raises(CorpusError, match=r"voice\.wav.*no video stream"):
        extract_labels(clip, landmarker)


def test_dlib_68_points_agree_with_mediapipe_on_the_lips(
    grid_clip: Utterance, landmarker: FaceLandmarker, dlib68: Dlib68
) -> None:
    labels = extract_labels(grid_clip, landmarker, dlib68)
    flat, valid = labels["landmarks2d"], labels["valid"]
    assert flat.shape == (len(valid), 68, 2) and flat.dtype == np.float32
    assert valid.mean() > 0.9
    assert flat[valid].min() > 0.0 and flat[valid].max() < 1.0  # image fractions
    # inner-lip gap: dlib points 62/66 (0-based) against MediaPipe mesh points 13/14
    gap_68 = flat[valid, 66, 1] - flat[valid, 62, 1]
    gap_mesh = labels["landmarks3d"][valid, 14, 1] - labels["landmarks3d"][valid, 13, 1]
    assert np.corrcoef(gap_68, gap_mesh)[0, 1] > 0.8


def test_dlib_on_a_faceless_video_is_all_invalid(
    faceless_video: Path, landmarker: FaceLandmarker, dlib68: Dlib68
) -> None:
    clip = Utterance("grey", "test", "nobody", str(faceless_video), 25.0, 16_000, 1.0)
    with pytest.warns(NoFaceWarning):
        labels = extract_labels(clip, landmarker, dlib68)
    assert not labels["valid"].any() and not labels["landmarks2d"].any()


def test_missing_dlib_model_is_named(tmp_path: Path, dlib_ready: None) -> None:
    with pytest.raises(LabelError, match=r"absent\.dat"):
        Dlib68(tmp_path / "absent.dat")
    (tmp_path / "junk.dat").write_bytes(b"junk" * 100)
    with pytest.raises(LabelError, match=r"junk\.dat.*unusable"):
        Dlib68(tmp_path / "junk.dat")


def test_missing_or_garbage_model_is_named(tmp_path: Path, face_model: Path) -> None:
    with pytest.raises(LabelError, match=r"nowhere\.task"):
        FaceLandmarker(tmp_path / "nowhere.task")
    (tmp_path / "junk.task").write_bytes(b"junk" * 100)
    with pytest.raises(LabelError, match=r"junk\.task"):
        FaceLandmarker(tmp_path / "junk.task")


def test_labelling_keeps_mediapipes_native_warnings_out_of_the_terminal(
    face_model: Path, grid_clip: Utterance
) -> None:
    # in a child process, so that what MediaPipe's C++ side writes to stderr is seen as a
    # terminal would see it: three warnings per video before they were kept back
    script = (
        "import sys; from talkrig.training.data.landmarker import FaceLandmarker\n"
        "marker = FaceLandmarker(sys.argv[1])\n"
        "for _ in range(2): print(int(marker.label_video(sys.argv[2]).found.sum()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(face_model), grid_clip.source],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [int(n) > 50 for n in done.stdout.split()] == [True, True]  # faces were found
    assert done.stderr == ""


def test_cache_round_trip_is_atomic(grid_clip: Utterance, tmp_path: Path) -> None:
    frames = 4
    labels = {
        "audio": np.linspace(-1, 1, frames * HOP_SAMPLES, dtype=np.float32),
        "blendshapes": np.full((frames, 52), 0.25, np.float32),
        "landmarks3d": np.zeros((frames, 478, 3), np.float32),
        "valid": np.array([True, False, True, True]),
    }
    path = save_labels(tmp_path, grid_clip, labels)
    assert path == label_path(tmp_path, grid_clip) == tmp_path / f"{grid_clip.id}.npz"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
    loaded = load_labels(tmp_path, grid_clip)
    assert set(loaded) == set(labels)
    for key, value in labels.items():
        np.testing.assert_array_equal(loaded[key], value)


def test_bad_cache_files_are_named(grid_clip: Utterance, tmp_path: Path) -> None:
    with pytest.raises(LabelError, match="does not exist"):
        load_labels(tmp_path, grid_clip)
    label_path(tmp_path, grid_clip).write_bytes(b"PK\x03\x04 garbage")
    with pytest.raises(LabelError, match=rf"{grid_clip.id}\.npz.*damaged"):
        load_labels(tmp_path, grid_clip)
    np.savez(label_path(tmp_path, grid_clip), audio=np.zeros(640, np.float32),
             blendshapes=np.zeros((1, 51), np.float32), landmarks3d=np.zeros((1, 478, 3)),
             valid=np.ones(1, bool))  # fmt: skip
    with pytest.raises(LabelError, match=r"'blendshapes' is \(1, 51\)"):
        load_labels(tmp_path, grid_clip)
    with pytest.raises(LabelError, match="missing arrays"):
        save_labels(tmp_path, grid_clip, {"audio": np.zeros(640, np.float32)})
