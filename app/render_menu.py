"""File → Render preview video…: ``talkrig render`` from the window, off the GUI thread.

The user picks an audio file and where to save the video; :class:`RenderWorker` (a ``QThread``)
runs :func:`talkrig.app.render.render_video` with the window's current model and avatar profile
while a non-modal progress dialog follows it through queued signals, so the window keeps
streaming and repainting. Cancel (or closing the window) stops the render at any step, the
source's decode included, and leaves no file behind.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QThread, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QProgressDialog

from talkrig.app.render import RenderCancelled, RenderError, RenderResult, render_video
from talkrig.app.settings import NO_PROFILE
from talkrig.bridge.audio.base import AudioError
from talkrig.bridge.post.profile import AvatarProfile, ProfileError, load_profile
from talkrig.models.errors import ModelError

if TYPE_CHECKING:
    from talkrig.app.main_window import MainWindow

ACTION_TEXT = "Render preview video…"
AUDIO_FILTER = "Audio or video (*.wav *.mp3 *.ogg *.flac *.m4a *.aac *.mp4 *.mkv *.mpg *.webm)"
VIDEO_FILTER = "MP4 video (*.mp4);;Matroska video (*.mkv)"
PROGRESS_EVERY = 5  # frames between progress signals: the dialog needs no more than ~30 a second
STOP_WAIT_MS = 10_000


class RenderWorker(QThread):
    """One render on its own thread. Signals are emitted on the worker thread and reach GUI
    slots queued; :meth:`cancel` may be called from any thread.

    Signals:
        decoding(int): whole seconds of the source decoded so far (before any frame).
        progressed(int, int): video frames written, total.
        done(object): the :class:`RenderResult`, or the error message (str) when it failed.
    """

    decoding = Signal(int)
    progressed = Signal(int, int)
    done = Signal(object)

    def __init__(self, source: Path, out: Path, model: str, profile: AvatarProfile | None) -> None:
        super().__init__()
        self.source, self.out, self.model, self.profile = source, out, model, profile
        self._stop = threading.Event()
        self._seconds = 0

    def cancel(self) -> None:
        self._stop.set()

    def run(self) -> None:
        try:
            result = render_video(
                self.source, self.out, self.model, profile=self.profile,
                progress=self._progress, stop=self._stop, decoding=self._decoding,
            )  # fmt: skip
        except RenderCancelled:
            self.done.emit(f"render of {self.source.name} cancelled")
        except (AudioError, ModelError, RenderError, OSError) as exc:
            self.done.emit(f"render failed: {exc}")
        else:
            self.done.emit(result)

    def _decoding(self, seconds: float) -> None:
        if int(seconds) > self._seconds:  # one signal per second of audio is plenty
            self._seconds = int(seconds)
            self.decoding.emit(self._seconds)

    def _progress(self, written: int, total: int) -> None:
        if written % PROGRESS_EVERY == 0 or written == total:
            self.progressed.emit(written, total)


class RenderAction(QAction):
    """The menu action; owns at most one running :class:`RenderWorker` (GUI thread).

    Signals:
        finished(object): a render ended: its :class:`RenderResult` or an error message (str).
    """

    finished = Signal(object)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(ACTION_TEXT, window)
        self.window = window
        self.worker: RenderWorker | None = None
        self.dialog: QProgressDialog | None = None
        self.triggered.connect(self.ask_and_render)
        window.installEventFilter(self)  # the window's Close event cancels a running render

    def ask_and_render(self) -> None:
        """Ask for the audio file and the video path, then :meth:`start` (GUI thread)."""
        source, _ = QFileDialog.getOpenFileName(self.window, "Audio to render", "", AUDIO_FILTER)
        if not source:
            return
        suggested = str(Path(source).with_name(f"{Path(source).stem}-preview.mp4"))
        out, _ = QFileDialog.getSaveFileName(
            self.window, "Save preview video", suggested, VIDEO_FILTER
        )
        if not out:
            return
        self.start(Path(source), Path(out) if Path(out).suffix else Path(out + ".mp4"))

    def start(self, source: Path, out: Path) -> RenderWorker | None:
        """Render ``source`` to ``out`` with the window's model and profile; ``None`` (and a
        log line) when the profile cannot be read or a render already runs."""
        if self.worker is not None:
            self.window.log("a render is already running")
            return None
        try:
            value = self.window.profile_value()
            profile = None if value == NO_PROFILE else load_profile(value)
        except ProfileError as exc:
            self.window.log(f"render: {exc}")
            return None
        worker = RenderWorker(source, out, self.window.model_value(), profile)
        dialog = QProgressDialog(f"Rendering {source.name}…", "Cancel", 0, 0, self.window)
        dialog.setWindowTitle("Render preview video")
        dialog.setModal(False)  # the window keeps working while the video renders
        dialog.setMinimumDuration(0)
        dialog.canceled.connect(worker.cancel)
        worker.decoding.connect(self._decoding)
        worker.progressed.connect(self._progressed)
        worker.done.connect(self._done)
        self.worker, self.dialog = worker, dialog
        self.setEnabled(False)
        worker.start()
        dialog.show()
        return worker

    def cancel(self, wait_ms: int = STOP_WAIT_MS) -> None:
        """Stop a running render and wait up to ``wait_ms`` for its thread (GUI thread)."""
        if self.worker is not None:
            self.worker.cancel()
            self.worker.wait(wait_ms)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # events can arrive while __init__ is still installing the filter
        if watched is getattr(self, "window", None) and event.type() == QEvent.Type.Close:
            self.cancel()
        return False

    def _decoding(self, seconds: int) -> None:
        if self.dialog is not None and self.worker is not None:
            self.dialog.setLabelText(f"Reading {self.worker.source.name}: {seconds} s of audio…")

    def _progressed(self, written: int, total: int) -> None:
        if self.dialog is not None and self.worker is not None:
            self.dialog.setLabelText(f"Rendering {self.worker.source.name}…")
            self.dialog.setMaximum(total)
            self.dialog.setValue(written)

    def _done(self, outcome: RenderResult | str) -> None:
        if self.worker is not None:
            self.worker.wait(STOP_WAIT_MS)  # run() has returned; join before dropping it
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
        self.worker, self.dialog = None, None
        self.setEnabled(True)
        if isinstance(outcome, RenderResult):
            message = f"rendered {outcome.frames} frames to {outcome.path}"
        else:
            message = outcome
        self.window.log(message)
        self.window.statusBar().showMessage(message, 10_000)
        self.finished.emit(outcome)


def _file_menu(window: MainWindow) -> QMenu:
    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and menu.title().replace("&", "") == "File":
            return menu
    return window.menuBar().addMenu("&File")


def add_render_action(window: MainWindow) -> RenderAction:
    """Add File → Render preview video… to ``window`` and return the action (GUI thread)."""
    action = RenderAction(window)
    _file_menu(window).addAction(action)
    return action
