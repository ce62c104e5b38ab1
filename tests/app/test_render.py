"""``render_video``: real speech → real model → QImage frames → H.264 + AAC, decoded back;
the face preview's drawing (a face mesh with filled lips and a dark mouth opening).

Every video here is written by PyAV/FFmpeg and read back by PyAV; nothing is mocked. The sync
tests put a tone burst at a known time and check that the drawn mouth opens in exactly the video
frames of the burst, for models with different look-ahead.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest

from tests.app.conftest import HAVE_QT
from tests.conftest import IN_CI
from tests.helpers import write_wav

if not HAVE_QT and not IN_CI:
    pytest.skip("PySide6 / pyqtgraph / pytest-qt are not installed", allow_module_level=True)

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from pytestqt.qtbot import QtBot

from talkrig.app.frame_painter import FramePainter
from talkrig.app.render import (
    RenderCancelled,
    RenderError,
    RenderResult,
    render_video,
    video_faces,
)
from talkrig.app.widgets.face import (
    BACKGROUND,
    FacePreview,
    blendshape_shape,
    paint_face,
    rest_shape,
    shape_view,
)
from talkrig.bridge.audio.base import AudioError
from talkrig.bridge.audio.sources import decode_file
from talkrig.bridge.frame import FaceFrame, FrameTimes
from talkrig.bridge.offline import infer_audio
from talkrig.bridge.post.chain import PostConfig
from talkrig.models import arkit
from talkrig.models.builders import build_test_model, make_card
from talkrig.models.contract import Representation
from talkrig.models.errors import ModelError
from talkrig.models.loader import load_model
from talkrig.models.registry import DEFAULT_MODEL, Registry

# The sync checks use the energy baseline: its mouth follows loudness frame by frame, so a
# one-frame placement error shows; a trained model's mouth is a softer function of the sound.
ENERGY = "baseline-energy-blendshapes"

HOP = 640
RATE = 16_000
BURST = (20, 29)  # the tone fills video frames 20..29: 0.80 s to 1.20 s
# The energy baseline's face at time t is the loudness of the 40 ms before t, so under the time
# rule (frame k is the face at k × 40 ms, docs/architecture.md "Time") it shows each sound one
# video frame later than the frame the sound starts in (was: 0, when a frame showed the 40 ms
# after it).
ENERGY_LAG = 1


@dataclass
class Decoded:
    """A video file read back: ``frames`` (n, h, w, 3) uint8, ``audio`` (m,) float32."""

    frames: np.ndarray
    audio: np.ndarray
    audio_duration_s: float


def decode(path: Path) -> Decoded:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert stream.duration is not None and stream.time_base is not None
        duration = float(stream.duration * stream.time_base)
        frames = np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])
    with av.open(str(path)) as container:
        audio = np.concatenate(
            [f.to_ndarray().reshape(-1) for f in container.decode(audio=0)]
        ).astype(np.float32)
    return Decoded(frames, audio, duration)


def red(frames: np.ndarray) -> np.ndarray:
    """``(n, h, w)`` mask of the red lips: the browns of skin, brows and eyes (and their blends,
    which the encoder's half-resolution colour smears) keep green above 0.6 of red."""
    f = frames.astype(np.int16)
    return (f[..., 0] > 120) & (f[..., 1] < 0.45 * f[..., 0]) & (f[..., 2] < 0.5 * f[..., 0])


def mouth_inside(picture: np.ndarray) -> np.ndarray:
    """``(..., h, w)`` mask of the dark mouth opening between the lips."""
    f = picture.astype(np.int16)
    red = f[..., 0]  # the opening is a dark red; edges of brown on black are dark grey-browns
    return (red > 35) & (red < 90) & (f[..., 1] < 0.4 * red) & (f[..., 2] < 0.5 * red)


def pixels(image: QImage) -> np.ndarray:
    """``(h, w, 3)`` int16 of an RGB888 image."""
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return rows[:, : 3 * image.width()].reshape(image.height(), image.width(), 3).astype(np.int16)


def mouth_height(frames: np.ndarray) -> np.ndarray:
    """``(n,)`` rows from the top to the bottom lip as drawn."""
    rows = np.asarray(red(frames).any(axis=2))
    return np.array([np.ptp(np.nonzero(r)[0]) if r.any() else 0 for r in rows], dtype=np.float64)


def frame_levels(audio: np.ndarray, count: int) -> np.ndarray:
    """``(count,)`` RMS dBFS of each 40 ms video frame's audio."""
    padded = np.zeros(count * HOP, np.float32)
    padded[: min(len(audio), len(padded))] = audio[: len(padded)]
    rms = np.sqrt(np.mean(padded.reshape(count, HOP).astype(np.float64) ** 2, axis=1))
    return 20 * np.log10(rms + 1e-9)


def burst_wav(folder: Path) -> Path:
    """2 s of silence with a 220 Hz tone at half scale in video frames ``BURST`` (a WAV file)."""
    first, last = BURST
    t = np.arange(2 * RATE) / RATE
    on = (t >= first * HOP / RATE) & (t < (last + 1) * HOP / RATE)
    samples = np.where(on, 0.5 * np.sin(2 * np.pi * 220 * t), 0.0)
    return write_wav(folder / "burst.wav", samples, RATE)


@pytest.fixture(scope="module")
def speech(shared_data: Path) -> Path:
    return shared_data / "speech" / "1320_00000.mp3"


@pytest.fixture(scope="module")
def rendered(
    qapp: object, speech: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[RenderResult, Decoded]:
    out = tmp_path_factory.mktemp("render") / "preview.mp4"
    result = render_video(speech, out, ENERGY, post=PostConfig(seed=3))
    return result, decode(out)


def test_video_has_one_frame_per_40_ms_and_the_audio_of_the_file(
    rendered: tuple[RenderResult, Decoded], speech: Path
) -> None:
    result, video = rendered
    source = decode_file(speech)
    assert result.frames == math.ceil(len(source) / HOP)
    assert video.frames.shape == (result.frames, 480, 640, 3)
    assert result.video_codec in ("libx264", "mpeg4")
    assert abs(video.audio_duration_s - len(source) / RATE) <= HOP / RATE
    # An AAC decoder may keep the last frame's padding (< 1024 samples), never lose audio.
    assert len(source) - HOP <= len(video.audio) <= len(source) + 1024


def test_muxed_audio_starts_with_the_first_video_frame(
    rendered: tuple[RenderResult, Decoded], speech: Path
) -> None:
    _, video = rendered
    start, stop = RATE // 2, 2 * RATE  # a stretch of speech well inside the file
    source = decode_file(speech)[start:stop]
    lags = list(range(-400, 401, 20))
    scores = [np.dot(source, video.audio[start + lag : stop + lag]) for lag in lags]
    # Coarse 20-sample steps are enough: 1 ms of audio is far below one 40 ms video frame.
    assert abs(lags[int(np.argmax(scores))]) <= 20


def test_mouth_moves_with_the_voice_and_without_lag(
    rendered: tuple[RenderResult, Decoded], speech: Path
) -> None:
    _, video = rendered
    levels = frame_levels(decode_file(speech), len(video.frames))
    height = mouth_height(video.frames)
    loud, quiet = int(np.argmax(levels)), int(np.argmin(levels))
    assert height[loud] > height[quiet] + 10
    box = red(video.frames).any(axis=0)  # every pixel the mouth ever covered
    region = video.frames[:, box].astype(np.int16)
    assert np.abs(region[loud] - region[quiet]).mean() > 20
    h, lv = height - height.mean(), levels - levels.mean()
    n = len(h)

    def corr(lag: int) -> float:  # mouth at frame j + lag against audio of frame j
        a, b = (h[lag:], lv[: n - lag]) if lag >= 0 else (h[: n + lag], lv[-lag:])
        return float(np.corrcoef(a, b)[0, 1])

    scores = {lag: corr(lag) for lag in range(-4, 5)}
    assert max(scores, key=scores.__getitem__) == ENERGY_LAG, scores
    assert scores[ENERGY_LAG] > 0.7


def test_overlay_names_the_model(rendered: tuple[RenderResult, Decoded]) -> None:
    _, video = rendered
    top_left = video.frames[:, :20, :200]
    assert (top_left > 128).any(axis=(1, 2, 3)).all()  # light text on black in every frame


@pytest.mark.parametrize("model", [ENERGY, "baseline-energy-lowlatency"])
def test_a_tone_burst_opens_the_mouth_in_exactly_its_frames(
    qapp: object, tmp_path: Path, model: str
) -> None:
    first, last = BURST
    wav = burst_wav(tmp_path)
    raw = PostConfig(smoothing=False, gate=False, blink=False)
    result = render_video(wav, tmp_path / "burst.mp4", model, post=raw, size=(320, 240))
    height = mouth_height(decode(result.path).frames)
    assert result.frames == 50
    opened = np.nonzero(height > height[0] + 3)[0]
    assert opened.tolist() == list(range(first + ENERGY_LAG, last + 1 + ENERGY_LAG))


@pytest.mark.parametrize("model", ["talkrig-landmarks3d", "talkrig-landmarks2d"])
def test_landmark_model_draws_a_face_whose_mouth_moves(
    qapp: object, speech: Path, tmp_path: Path, model: str
) -> None:
    result = render_video(speech, tmp_path / "face.mp4", model, size=(320, 240))
    frames = decode(result.path).frames
    assert frames.shape[1:] == (240, 320, 3)
    f = frames.astype(np.int16)
    skin = (f[..., 0] > 120) & (f[..., 1] > 0.8 * f[..., 0]) & (f[..., 2] > 0.6 * f[..., 0])
    assert (skin.mean(axis=(1, 2)) > 0.15).all()  # a filled face (~0.2 here), not a few dots
    lips = red(frames).sum(axis=(1, 2))
    assert (lips > 150).all()  # filled lips in every frame
    height = mouth_height(frames)
    assert np.ptp(height) >= 4  # the lips open and close with the voice


def test_mouth_opening_shows_at_a_fifth_of_jaw_open(qapp: object) -> None:
    painter = FramePainter((640, 480), shape_view(rest_shape()), "jaw")
    pictures = {}
    for jaw in (0.0, 0.2):
        values = np.zeros(arkit.COUNT, np.float32)
        values[arkit.INDEX["jawOpen"]] = jaw
        pictures[jaw] = painter.paint(blendshape_shape(values), 0.0).astype(np.int16)
    inside = {j: mouth_inside(p) for j, p in pictures.items()}
    rows = {j: np.nonzero(m.any(axis=1))[0] for j, m in inside.items()}
    # the dark gap between the lips is several rows taller at 0.2, at 480 lines
    assert len(rows[0.2]) >= len(rows[0.0]) + 8
    assert inside[0.2].sum() > 2 * inside[0.0].sum()
    opened = inside[0.2]  # between the lips at 0.2: red lip or skin at 0
    assert (pictures[0.0][opened, 0] - pictures[0.2][opened, 0]).mean() > 60  # red, not dark


def test_compare_puts_two_models_side_by_side(qapp: object, speech: Path, tmp_path: Path) -> None:
    post = PostConfig(seed=3)
    alone = render_video(speech, tmp_path / "a.mp4", ENERGY, post=post, size=(320, 240))
    both = render_video(speech, tmp_path / "ab.mp4", ENERGY, post=post, size=(320, 240),
                        compare="talkrig-landmarks2d")  # fmt: skip
    assert both.size == (640, 240) and both.frames == alone.frames
    assert both.model == f"{ENERGY} | talkrig-landmarks2d"
    left_right, single = decode(both.path).frames, decode(alone.path).frames
    assert left_right.shape[1:] == (240, 640, 3)
    left, right = left_right[:, :, :320].astype(np.int16), left_right[:, :, 320:]
    assert np.abs(left - single).mean() < 2  # the left half is model A's own video
    assert np.abs(left - right).mean() > 10  # the right one is another face (flat, 68 points)
    assert np.ptp(mouth_height(left_right[:, :, 320:])) >= 4  # and it talks too


def test_compare_size_is_checked_for_the_doubled_width(
    qapp: object, speech: Path, tmp_path: Path
) -> None:
    with pytest.raises(RenderError, match="video size 4200x240"):
        render_video(speech, tmp_path / "a.mp4", ENERGY, size=(2100, 240), compare=ENERGY)
    assert list(tmp_path.iterdir()) == []


def test_two_files_of_one_model_are_told_apart_by_their_paths(
    qapp: object, speech: Path, tmp_path: Path
) -> None:
    # an old and a retrained file carry the same card name; the captions must still differ
    old = tmp_path / "old.onnx"
    old.write_bytes(Registry().find(ENERGY).path.read_bytes())
    both = render_video(speech, tmp_path / "ab.mp4", ENERGY, size=(160, 120), compare=old)
    assert both.model == f"{ENERGY} ({Registry().find(ENERGY).path.name}) | {ENERGY} (old.onnx)"
    # the same file name in two folders (a shipped model and its rebuild): the folders tell
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    for folder in ("a", "b"):
        (tmp_path / folder / "m.onnx").write_bytes(old.read_bytes())
    apart = render_video(speech, tmp_path / "ab2.mp4", tmp_path / "a" / "m.onnx",
                         size=(160, 120), compare=tmp_path / "b" / "m.onnx")  # fmt: skip
    assert apart.model == f"{ENERGY} (a/m.onnx) | {ENERGY} (b/m.onnx)"
    same = render_video(speech, tmp_path / "ab3.mp4", old, size=(160, 120), compare=old)
    assert same.model == f"{ENERGY} (A) | {ENERGY} (B)"


def test_models_with_other_hops_or_broken_files_cannot_be_compared(
    qapp: object, speech: Path, tmp_path: Path
) -> None:
    half_hop = tmp_path / "half-hop.onnx"
    card = make_card("half-hop", Representation.BLENDSHAPES, architecture="test",
                     training_data="none: test graph", hop_samples=HOP // 2)  # fmt: skip
    build_test_model(half_hop, card)
    with pytest.raises(RenderError, match=r"cannot compare .*half-hop.*hops differ"):
        render_video(speech, tmp_path / "a.mp4", ENERGY, size=(160, 120), compare=half_hop)
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model at all" * 10)
    with pytest.raises(ModelError, match=r"junk\.onnx"):
        render_video(speech, tmp_path / "a.mp4", ENERGY, size=(160, 120), compare=junk)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["half-hop.onnx", "junk.onnx"]


def test_video_frame_k_shows_the_file_frame_at_k_hops() -> None:
    # The frame pipeline's time rule replaced render's own padding and placement: file
    # inference already gives frame k the face at k × 40 ms, one per video frame.
    audio = np.random.default_rng(1).uniform(-0.3, 0.3, 10 * HOP + 1).astype(np.float32)
    for name in (DEFAULT_MODEL, "baseline-energy-lowlatency"):
        with load_model(name) as model:
            frames = list(infer_audio(audio, model, PostConfig(seed=0)))
            faces = list(video_faces(audio, model, PostConfig(seed=0)))
        assert len(faces) == len(frames) == 11
        assert [f.stream_time for f in frames] == pytest.approx([k * HOP / RATE for k in range(11)])


def test_missing_and_undecodable_sources_fail_clearly(qapp: object, tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="does not exist"):
        render_video(tmp_path / "nope.mp3", tmp_path / "a.mp4", DEFAULT_MODEL)
    garbage = tmp_path / "garbage.mp3"
    garbage.write_bytes(b"\x00\x01 definitely not audio " * 50)
    with pytest.raises(AudioError, match=r"garbage\.mp3"):
        render_video(garbage, tmp_path / "a.mp4", DEFAULT_MODEL)
    assert list(tmp_path.iterdir()) == [garbage]


@pytest.mark.parametrize("size", [(641, 480), (640, 0), (10, 10), (9000, 480)])
def test_bad_sizes_fail_clearly(qapp: object, speech: Path, tmp_path: Path, size: tuple) -> None:
    with pytest.raises(RenderError, match=f"video size {size[0]}x{size[1]}"):
        render_video(speech, tmp_path / "a.mp4", DEFAULT_MODEL, size=size)


def test_unwritable_outputs_fail_clearly_and_leave_nothing(
    qapp: object, speech: Path, tmp_path: Path
) -> None:
    with pytest.raises(RenderError, match="missing"):
        render_video(speech, tmp_path / "no" / "a.mp4", DEFAULT_MODEL)
    with pytest.raises(RenderError, match="is a folder"):
        render_video(speech, tmp_path, DEFAULT_MODEL)
    with pytest.raises(RenderError, match=r"a\.notavideo"):
        render_video(speech, tmp_path / "a.notavideo", DEFAULT_MODEL)
    assert list(tmp_path.iterdir()) == []


def test_stop_abandons_the_render_and_keeps_the_old_file(
    qapp: object, speech: Path, tmp_path: Path, qtbot: QtBot
) -> None:
    out = tmp_path / "a.mp4"
    out.write_bytes(b"old")
    stop = threading.Event()
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        if done == 10:
            stop.set()

    with pytest.raises(RenderCancelled, match="cancelled"):
        render_video(speech, out, DEFAULT_MODEL, size=(320, 240), progress=progress, stop=stop)
    assert seen == list(range(1, 11))
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp4"]


@pytest.mark.parametrize("lookahead", [1, 3])
def test_smoother_delay_is_taken_back_out(qapp: object, tmp_path: Path, lookahead: int) -> None:
    first, last = BURST
    wav = burst_wav(tmp_path)
    post = PostConfig(savgol_lookahead=lookahead, gate=False, blink=False)
    # the energy formula has no learned jaw lag, so any shift left is the smoother's
    result = render_video(wav, tmp_path / "burst.mp4", ENERGY, post=post, size=(320, 240))
    height = mouth_height(decode(result.path).frames)
    weight = np.clip(height - height[0] - 1, 0, None)  # 1 px: the encoder's edge flicker
    centre = float(np.sum(weight * np.arange(len(weight))) / np.sum(weight))
    assert abs(centre - (first + last) / 2 - ENERGY_LAG) < 0.5


def test_video_paints_the_widgets_picture(qapp: object, qtbot: QtBot) -> None:
    preview = FacePreview()
    qtbot.addWidget(preview)
    preview.resize(320, 320)
    values = np.zeros(arkit.COUNT, np.float32)
    for name, value in (("jawOpen", 0.5), ("eyeBlinkLeft", 0.9)):
        values[arkit.INDEX[name]] = value
    preview.show_blendshapes(values)
    np.testing.assert_array_equal(preview.shape.points, blendshape_shape(values).points)
    shown = preview.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    image = QImage(320, 320, QImage.Format.Format_RGB888)
    image.fill(QColor(BACKGROUND))
    painter = QPainter(image)
    paint_face(painter, QRectF(0, 0, 320, 320), blendshape_shape(values), preview.view)
    painter.end()
    assert shown.size() == image.size()
    assert np.abs(pixels(shown) - pixels(image)).max() <= 1  # the same drawing code
    assert mouth_inside(pixels(shown)).sum() > 200  # a half-open mouth, drawn dark


def test_widget_keeps_its_view_while_the_mouth_moves(qtbot: QtBot) -> None:
    preview = FacePreview()
    qtbot.addWidget(preview)
    view = preview.view
    values = np.zeros(arkit.COUNT, np.float32)
    values[arkit.INDEX["jawOpen"]] = 1.0
    preview.show_blendshapes(values)
    assert preview.view == view  # no zoom as the jaw drops
    with load_model("talkrig-landmarks2d") as model:
        preview.show_landmarks(model.rest_output())
    assert preview.view != view and len(preview.shape.points) == 68


def test_about_box_credits_the_mesh_and_the_map() -> None:
    from talkrig.app.about import BUNDLED_DATA, about_text
    from talkrig.models.registry import Registry

    credits = " ".join(BUNDLED_DATA)
    assert "MediaPipe Face Mesh" in credits and "Apache-2.0" in credits
    assert "GRID" in credits and "CC BY 4.0" in credits
    assert BUNDLED_DATA[0] in about_text(Registry(), DEFAULT_MODEL)


def _frame(values: np.ndarray, representation: Representation) -> FaceFrame:
    return FaceFrame(0, 0.0, 0.0, representation, FrameTimes(0.0, 0.0, 0.0, 0.0), values)


def test_a_broken_frame_keeps_the_face_and_an_unknown_layout_draws_dots(qtbot: QtBot) -> None:
    preview = FacePreview()
    qtbot.addWidget(preview)
    preview.resize(200, 200)
    shown, view = preview.shape, preview.view
    for bad in (np.nan, np.inf):
        values = np.zeros(arkit.COUNT, np.float32)
        values[arkit.INDEX["jawOpen"]] = bad
        preview.show_frame(_frame(values, Representation.BLENDSHAPES))
        points = np.full((478, 3), 0.5, np.float32)
        points[14] = bad
        preview.show_frame(_frame(points, Representation.LANDMARKS_3D))
    assert preview.shape is shown and preview.view == view
    odd = np.random.default_rng(0).uniform(0.2, 0.8, (7, 2)).astype(np.float32)
    preview.show_frame(_frame(odd, Representation.LANDMARKS_2D))  # no known topology
    assert preview.shape.topology is None and len(preview.shape.points) == 7
    picture = pixels(preview.grab().toImage().convertToFormat(QImage.Format.Format_RGB888))
    blue = (picture[..., 2] > 150) & (picture[..., 2] > picture[..., 0] + 60)
    assert blue.sum() >= 7 * 4  # seven dots of a few pixels each
