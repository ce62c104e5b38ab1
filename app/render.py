"""``talkrig render``: an audio file → a video of the face preview with the audio muxed in.

A reviewer judges lip sync by eye without Unity. The source is decoded so that a cancel stops
it part-way (:mod:`talkrig.app.render_audio`), then goes through the same offline inference and
post chain as ``talkrig infer``; every frame is painted by :class:`FramePainter` (the face
preview's drawing on a ``QImage``) and encoded with PyAV.

Sync: file inference gives frame ``k`` the face at ``k × hop`` (the frame pipeline pads the file
with silence at both ends; see :mod:`talkrig.bridge.pipeline`), one per video frame from 0 to the
file's end, so video frame ``k`` shows frame ``k``. The muxed audio is the unpadded 16 kHz signal
the model heard.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.audio.stream import AudioStream
from av.video.stream import VideoStream

from talkrig.app.frame_painter import FramePainter, gui_application
from talkrig.app.render_audio import Decoding, decode_until, open_audio
from talkrig.app.widgets.face import (
    FaceShape,
    frame_shape,
    landmark_shape,
    rest_shape,
    shape_view,
)
from talkrig.bridge.audio.sanitise import sanitise
from talkrig.bridge.offline import infer_audio
from talkrig.bridge.post.chain import PostConfig
from talkrig.bridge.post.profile import AvatarProfile
from talkrig.models.contract import Representation
from talkrig.models.loader import Model, load_model

DEFAULT_SIZE = (640, 480)
DIVIDER = 90  # grey level of the line between compared faces
MIN_SIDE, MAX_SIDE = 64, 4096

Progress = Callable[[int, int], None]  # (video frames written, total video frames)


class RenderError(RuntimeError):
    """A render that cannot be done: the message names the file or value and the problem."""


class RenderCancelled(RenderError):
    """The caller's ``stop`` event was set (while decoding or encoding); nothing was written."""


@dataclass(frozen=True)
class RenderResult:
    """What :func:`render_video` wrote: ``frames`` video frames of ``size`` at ``fps``."""

    path: Path
    frames: int
    size: tuple[int, int]
    fps: Fraction
    duration_s: float
    video_codec: str
    model: str


def check_size(size: tuple[int, int]) -> tuple[int, int]:
    """``(width, height)`` if yuv420p H.264 can hold it (even sides, 64..4096), else RenderError."""
    width, height = size
    for side in (width, height):
        if not MIN_SIDE <= side <= MAX_SIDE or side % 2:
            raise RenderError(
                f"video size {width}x{height}: each side must be an even number of pixels "
                f"from {MIN_SIDE} to {MAX_SIDE}"
            )
    return width, height


def video_codec() -> str:
    """``libx264`` when this PyAV's FFmpeg has it (H.264), else ``mpeg4``."""
    return "libx264" if "libx264" in av.codecs_available else "mpeg4"


def _temporary(out: Path) -> Path:
    """Where the video is written before it replaces ``out`` (same folder, same suffix, so a
    failed render leaves neither a partial file nor a damaged old one)."""
    return out.with_name(f".{out.stem}.partial{out.suffix}")


def _check_out(out: Path) -> None:
    if out.is_dir():
        raise RenderError(f"cannot write video {str(out)!r}: it is a folder")
    if not out.parent.is_dir():
        raise RenderError(f"cannot write video {str(out)!r}: folder {str(out.parent)!r} is missing")
    if not os.access(out.parent, os.W_OK):
        raise RenderError(f"cannot write video {str(out)!r}: folder is not writable")


class _Muxer:
    """One output container: H.264 (or MPEG-4) video at ``fps`` plus AAC mono audio."""

    def __init__(self, out: Path, size: tuple[int, int], fps: Fraction, sample_rate: int) -> None:
        self.codec = video_codec()
        self.path = _temporary(out)
        try:
            self.container = av.open(str(self.path), "w")
        except (av.FFmpegError, ValueError, OSError) as exc:
            why = "FFmpeg knows no format with this suffix" if out.suffix else "add .mp4"
            raise RenderError(f"cannot write video {str(out)!r}: {why} ({exc})") from exc
        video = self.container.add_stream(self.codec, rate=fps)
        audio = self.container.add_stream("aac", rate=sample_rate, layout="mono")
        assert isinstance(video, VideoStream) and isinstance(audio, AudioStream)
        self.video, self.audio = video, audio
        self.video.width, self.video.height = size
        self.video.pix_fmt = "yuv420p"
        if self.codec == "libx264":
            self.video.options = {"crf": "20", "preset": "veryfast"}
        else:
            self.video.bit_rate = 2_000_000
        self.sample_rate = sample_rate

    def write(self, index: int, rgb: np.ndarray, audio: np.ndarray, first_sample: int) -> None:
        """Video frame ``index`` (``(h, w, 3)`` uint8) and its audio ``(n,)`` float32."""
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts = index
        self.container.mux(self.video.encode(frame))
        if len(audio):
            sound = av.AudioFrame.from_ndarray(audio[None, :], format="flt", layout="mono")
            sound.sample_rate = self.sample_rate
            sound.pts = first_sample
            self.container.mux(self.audio.encode(sound))

    def finish(self) -> None:
        self.container.mux(self.video.encode(None))
        self.container.mux(self.audio.encode(None))
        self.container.close()

    def abandon(self) -> None:
        self.container.close()


def rest_face(model: Model) -> FaceShape:
    """``model``'s face at rest (its output for silence): where its video's view is fitted."""
    if model.card.representation is Representation.BLENDSHAPES:
        return rest_shape()
    return landmark_shape(model.rest_output())


def video_faces(
    audio: np.ndarray,
    model: Model,
    post: PostConfig,
    profile: AvatarProfile | None = None,
) -> Iterator[FaceShape]:
    """The face of each video frame of ``audio`` (``(n,)`` float32 at the model's rate), in
    order, exactly ``ceil(n / hop)`` of them: file inference's frame ``k`` is video frame ``k``.
    A frame with a NaN or infinite value shows the face before it."""
    shape = rest_face(model)
    for frame in infer_audio(audio, model, post, profile):
        shape = frame_shape(frame) or shape
        yield shape


def _open_models(stack: ExitStack, models: list[Model | str | Path]) -> list[Model]:
    """Loaded models (names and paths loaded into ``stack``); RenderError when they do not
    share a sample rate and hop, so their frames cannot stand side by side."""
    loaded = [m if isinstance(m, Model) else stack.enter_context(load_model(m)) for m in models]
    timing = {(m.card.sample_rate, m.card.hop_samples) for m in loaded}
    if len(timing) > 1:
        names = " and ".join(m.card.name for m in loaded)
        raise RenderError(f"cannot compare {names}: their sample rates or hops differ")
    return loaded


def panel_labels(models: list[Model]) -> list[str]:
    """Each panel's caption: the model's name, and when two panels share a name (an old and a
    new file of the same model, compared) as much of each file's path as tells them apart
    (``old/talkrig-neutral.onnx``), or A and B for one file twice."""
    names = [m.card.name for m in models]
    if len(set(names)) == len(names):
        return names
    for depth in range(1, max(len(m.path.parts) for m in models) + 1):
        tails = ["/".join(m.path.parts[-depth:]) for m in models]
        if len(set(tails)) == len(tails):
            return [f"{name} ({tail})" for name, tail in zip(names, tails, strict=True)]
    return [f"{name} ({letter})" for name, letter in zip(names, "ABCDEFGH", strict=False)]


def render_video(
    source: str | Path,
    out: str | Path,
    model: Model | str | Path,
    post: PostConfig | None = None,
    profile: AvatarProfile | None = None,
    size: tuple[int, int] = DEFAULT_SIZE,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    decoding: Decoding | None = None,
    compare: Model | str | Path | None = None,
) -> RenderResult:
    """Render ``source`` (any audio/video file FFmpeg reads) to the video ``out``.

    Runs on any one thread (the CLI's main thread, or the app's render worker ``QThread``);
    a ``QGuiApplication`` is created when none exists. ``model`` (and ``compare``) is a loaded
    model (left open) or a name/path (loaded and closed here). With ``compare``, each frame
    shows ``model``'s face of ``size`` on the left and ``compare``'s on the right (the video is
    twice as wide). While the source decodes, ``decoding(seconds)`` is called on this thread
    after each piece; then ``progress(done, total)`` after each video frame. Setting ``stop``
    abandons the render at any step, the decode included (:class:`RenderCancelled`). ``out`` is
    replaced only when the whole video is written; a cancelled or failed render leaves no file
    behind.

    Raises:
        AudioError: ``source`` is missing, undecodable or silent of samples.
        ModelError: the model cannot be loaded or run.
        RenderError: bad ``size``, unwritable ``out``, models that cannot be compared, or FFmpeg
            failing to encode.
    """
    size = check_size(size)
    panels = [model] if compare is None else [model, compare]
    frame_size = check_size((len(panels) * size[0], size[1]))
    out = Path(out)
    _check_out(out)
    file = open_audio(source)  # a bad file fails here, before a model loads
    with ExitStack() as stack:
        loaded = _open_models(stack, panels)
        decoded = decode_until(file, stop, decoding)
        if decoded is None:  # no output file exists yet: nothing to remove
            raise RenderCancelled(f"render of {str(source)!r} cancelled")
        # NaN/inf → 0 and clipped to ±1: the AAC encoder refuses NaN, the face would freeze
        audio = sanitise(decoded)[0]
        return _encode(source, out, loaded, audio, post or PostConfig(), profile, size,
                       frame_size, progress, stop)  # fmt: skip


def _encode(
    source: str | Path,
    out: Path,
    models: list[Model],
    audio: np.ndarray,
    post: PostConfig,
    profile: AvatarProfile | None,
    size: tuple[int, int],
    frame_size: tuple[int, int],
    progress: Progress | None,
    stop: threading.Event | None,
) -> RenderResult:
    """Paint and encode every video frame of ``audio``, one panel of ``size`` per model."""
    _app = gui_application()  # held, unused: Qt fonts need it alive while painting
    card = models[0].card
    total = math.ceil(len(audio) / card.hop_samples)
    fps = Fraction(card.sample_rate, card.hop_samples)
    labels = panel_labels(models)
    painters = [
        FramePainter(size, shape_view(rest_face(m)), lab)
        for m, lab in zip(models, labels, strict=True)
    ]
    faces = [video_faces(audio, m, post, profile) for m in models]
    hop = card.hop_samples
    muxer = _Muxer(out, frame_size, fps, card.sample_rate)
    try:
        for index, shapes in enumerate(zip(*faces, strict=True)):
            if stop is not None and stop.is_set():
                raise RenderCancelled(f"render of {str(source)!r} cancelled")
            seconds = index / float(fps)
            rgb = np.hstack([p.paint(s, seconds) for p, s in zip(painters, shapes, strict=True)])
            if len(models) > 1:
                rgb[:, size[0] - 1 : size[0] + 1] = DIVIDER  # a grey line between the faces
            start = index * hop
            muxer.write(index, rgb, audio[start : start + hop], start)
            if progress is not None:
                progress(index + 1, total)
        muxer.finish()
    except BaseException as exc:
        muxer.abandon()
        muxer.path.unlink(missing_ok=True)
        if isinstance(exc, av.FFmpegError):
            raise RenderError(f"cannot encode video {str(out)!r}: {exc}") from exc
        raise
    os.replace(muxer.path, out)
    seconds = len(audio) / card.sample_rate
    name = " | ".join(labels)
    return RenderResult(out, total, frame_size, fps, seconds, muxer.codec, name)
