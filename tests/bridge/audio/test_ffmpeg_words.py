"""FFmpeg's failures in words: real PyAV errors on real bad files, never an errno number."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import pytest

from talkrig.bridge.audio.ffmpeg_words import ffmpeg_words
from talkrig.bridge.audio.sources import AudioError, demo_path, open_source


def _decode_all(path: Path) -> None:
    with av.open(str(path)) as container:
        for packet in container.demux(container.streams.audio[0]):
            packet.decode()


def _garbage(folder: Path) -> Path:
    path = folder / "take.wav"
    path.write_bytes(b"\x00garbage\xff" * 200)
    return path


def _cut(folder: Path) -> Path:
    path = folder / "cut.ogg"
    path.write_bytes(demo_path().read_bytes()[:3000])  # a copy that stopped early
    return path


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda folder: folder, "it is a folder, not a file"),
        (_garbage, "it is not audio or video that FFmpeg can read (or it is damaged)"),
        (_cut, "it ends too early (cut off while copying?)"),
    ],
)
def test_each_real_failure_gets_its_words(
    make: Callable[[Path], Path], words: str, tmp_path: Path
) -> None:
    path = make(tmp_path)
    with pytest.raises(av.error.FFmpegError) as caught:
        _decode_all(path)
    assert "Errno" in str(caught.value)  # what PyAV itself would have shown
    assert ffmpeg_words(caught.value) == words


def test_an_unknown_failure_keeps_its_message_without_the_number() -> None:
    error = av.error.FFmpegError(-5, "Input/output error", "x.wav")
    assert ffmpeg_words(error) == "Input/output error"


@pytest.mark.parametrize(
    ("make", "words"), [(_garbage, "not audio or video"), (_cut, "it ends too early")]
)
def test_a_file_source_names_the_file_and_the_cause_without_errno(
    make: Callable[[Path], Path], words: str, tmp_path: Path
) -> None:
    path = make(tmp_path)
    with pytest.raises(AudioError) as caught:
        open_source(str(path))
    message = str(caught.value)
    assert path.name in message and words in message
    assert "Errno" not in message and "1094995529" not in message
