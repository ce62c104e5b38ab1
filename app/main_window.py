"""``MainWindow``: every widget and every connection of the app, wired in one constructor.

Threads: everything here runs on the GUI thread. The engine thread only touches the stream's
``LatestFrame`` and ``LevelTap``; a display timer (``DISPLAY_HZ``) drains them and emits one
``frame_shown`` signal that all frame widgets follow, so the GUI never waits on the engine.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QMainWindow, QPushButton

from talkrig.app.autosave import Autosave
from talkrig.app.choices import Choice, DeviceLister, model_choices
from talkrig.app.menus import AboutDialog, add_menus
from talkrig.app.quiet_voice import QuietVoiceHint
from talkrig.app.render_menu import add_render_action
from talkrig.app.settings import AppSettings, SettingsStore
from talkrig.app.stream import StartError, StreamSession
from talkrig.app.target_words import scrub
from talkrig.app.widgets.avatar_box import AvatarBox
from talkrig.app.widgets.bars import BlendshapeBars
from talkrig.app.widgets.device_box import DeviceBox, DevicePicker
from talkrig.app.widgets.engine_choice import EngineChoice
from talkrig.app.widgets.face import FacePreview
from talkrig.app.widgets.level import GainBox, LevelMeter
from talkrig.app.widgets.log_panel import LogPanel
from talkrig.app.widgets.plots import MetricsPlots, recent_processing
from talkrig.app.widgets.profile_choice import ProfileChoice, fill_combo
from talkrig.app.widgets.targets import TargetsPanel
from talkrig.app.window_layout import arrange
from talkrig.bridge.announce import AnnounceListener
from talkrig.bridge.audio.retry import DeviceOpener, open_device
from talkrig.bridge.post.chain import PostConfig
from talkrig.bridge.post.profile import ProfileError
from talkrig.models.registry import DEFAULT_MODEL, Registry

DISPLAY_HZ = 30  # the ceiling for GUI refresh
ANNOUNCE_POLL_MS = 1000  # Unity receivers announce about once a second


class MainWindow(QMainWindow):
    """The TalkRig window.

    Args:
        store: where settings are read at construction and written on close.
        registry: the models the dropdown offers.
        devices: ``list_devices(refresh)``; injected so tests choose what exists.
        announcer: the listener for Unity-announced avatars, or None (owned by the caller).
        opener: opens an input device by name for a stream (tests pass their own devices).

    Signals:
        frame_shown(FaceFrame): the newest frame, once per display tick that has one.
    """

    frame_shown = Signal(object)  # FaceFrame

    def __init__(
        self,
        store: SettingsStore,
        registry: Registry,
        devices: DeviceLister,
        announcer: AnnounceListener | None = None,
        opener: DeviceOpener = open_device,
    ) -> None:
        super().__init__()
        self.setWindowTitle("TalkRig")
        self.store = store
        self.registry = registry
        self.devices = devices
        self.session: StreamSession | None = None
        self.announcer = announcer
        self.opener = opener
        settings = store.load()

        # -- widgets ------------------------------------------------------------------------
        self.device_box = DeviceBox()
        self.device_picker = DevicePicker(
            self.device_box, devices, lambda: self.session is not None
        )
        self.refresh_button = QPushButton("Refresh")
        self.level = LevelMeter()
        self.quiet_hint = QuietVoiceHint(PostConfig().gate_open_db)
        self.gain_box = GainBox(settings.gain_db)
        self.avatar_box = AvatarBox(settings.avatar)
        self.engine_choice = EngineChoice()
        self.model_box = QComboBox()
        self.profiles = ProfileChoice(store.profiles_dir)
        self.profile_box = self.profiles.box
        self.editor = self.profiles.editor
        self.start_button = QPushButton("Start")
        self.targets = TargetsPanel()
        self.plots = MetricsPlots()
        self.bars = BlendshapeBars()
        self.face = FacePreview()
        self.log_panel = LogPanel()
        self.provider_label = QLabel("stopped")
        self.toggle_action = QAction("Start / stop", self)
        self.toggle_action.setShortcuts([QKeySequence("Ctrl+R"), QKeySequence(Qt.Key.Key_Space)])
        self.addAction(self.toggle_action)
        self.timer = QTimer(self)
        self.timer.setInterval(1000 // DISPLAY_HZ)
        self.announce_timer = QTimer(self)
        self.announce_timer.setInterval(ANNOUNCE_POLL_MS)
        arrange(self)

        # -- contents -----------------------------------------------------------------------
        self.device_picker.notice.connect(self.log)
        self.device_picker.status.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        self.refresh_devices(settings.device, rescan=False)
        self._fill(self.model_box, model_choices(registry), settings.model, DEFAULT_MODEL, "model")
        self.profiles.notice.connect(self.log)
        self.profiles.fill(settings.profile)
        self.targets.set_targets(settings.targets)
        self.engine_choice.set_values(settings.engine, settings.server)
        self.refresh_avatars()
        if settings.geometry:
            self.restoreGeometry(QByteArray.fromBase64(settings.geometry.encode("ascii")))
        for notice in settings.notices:
            self.log(notice)

        # -- wiring -------------------------------------------------------------------------
        self.refresh_button.clicked.connect(self.device_picker.rescan)
        self.start_button.clicked.connect(self.toggle)
        self.toggle_action.triggered.connect(self.toggle)
        self.model_box.activated.connect(self._model_chosen)
        self.profiles.chosen.connect(self._profile_chosen)
        self.targets.problem.connect(self.log)
        self.targets.state_changed.connect(self.log)
        self.targets.changed.connect(self._targets_changed)
        self.timer.timeout.connect(self._tick)
        self.gain_box.valueChanged.connect(self._gain_changed)
        self.avatar_box.chosen.connect(self._avatar_chosen)
        self.announce_timer.timeout.connect(self.refresh_avatars)
        if announcer is not None:
            self.announce_timer.start()
        self.frame_shown.connect(self.bars.show_frame)
        self.frame_shown.connect(self.face.show_frame)
        self.log_panel.attach(logging.getLogger("talkrig"))
        self.render_action = add_render_action(self)  # File → Render preview video…
        self.about = AboutDialog(self)
        self.menu_actions = add_menus(self)  # File → Quit, Quick setup, Help → About
        self.autosave = Autosave(store, self.current_settings, parent=self)
        self.autosave.mark_saved(self.current_settings())
        self.autosave.problem.connect(self.log)
        for signal in (
            self.device_box.currentIndexChanged, self.model_box.currentIndexChanged,
            self.profiles.chosen, self.targets.changed, self.gain_box.valueChanged,
            self.avatar_box.chosen, self.engine_choice.mode_box.currentIndexChanged,
            self.engine_choice.url_edit.editingFinished,
        ):  # fmt: skip
            signal.connect(self.autosave.changed)

    # -- dropdowns ------------------------------------------------------------------------------
    def _fill(
        self, box: QComboBox, choices: list[Choice], wanted: str, fallback: str, what: str
    ) -> None:
        notice = fill_combo(box, choices, wanted, fallback, what)
        if notice:
            self.log(notice)

    def refresh_devices(self, wanted: str, rescan: bool) -> None:
        """List input devices, keeping ``wanted`` selected (see :class:`DevicePicker`)."""
        self.device_picker.refresh(wanted, rescan)

    def device_value(self) -> str:
        return self.device_picker.value()

    def model_value(self) -> str:
        return str(self.model_box.currentData())

    def profile_value(self) -> str:
        return self.profiles.value()

    # -- stream ---------------------------------------------------------------------------------
    def toggle(self) -> None:
        if self.session is None:
            self.start()
        else:
            self.stop()

    def start(self) -> bool:
        """Start streaming with the current choices; errors go to the log, never raise."""
        if self.session is not None:
            return True
        try:
            profile = self.profiles.profile()
            self.session = StreamSession(
                self.registry, self.device_value(), self.model_value(), profile,
                self.targets.enabled_specs(), avatar=self.avatar_box.avatar,
                gain_db=self.gain_box.value(), remote=self.engine_choice.remote(),
                opener=self.opener,
            )  # fmt: skip
        except (StartError, ProfileError) as exc:
            self.log(str(exc))
            return False
        self.targets.show_live(self.session.targets)  # logs each target's state, and why
        self.plots.clear()
        self.quiet_hint.reset()
        self.start_button.setText("Stop")
        self.timer.start()
        self._show_provider()
        self.statusBar().showMessage(f"streaming from {self.session.source.name}")
        return True

    def stop(self) -> None:
        """Stop the stream (bounded wait) and keep the last picture on screen."""
        if self.session is None:
            return
        self.timer.stop()
        self.session.stop()
        if not self.session.portaudio_restartable:
            self.device_picker.no_rescan = "the JACK server went away under an open stream"
        self.session = None
        self.start_button.setText("Start")
        self.provider_label.setText("stopped")
        self.targets.show_states({})
        self.level.set_peak(0.0)

    def _model_chosen(self) -> None:
        if self.session is None:
            return
        try:
            self.session.swap_model(self.model_value())
        except StartError as exc:
            running = self.session.model
            self.log(f"{exc}; still running {running.card.name if running else 'the server model'}")
            return
        self.statusBar().showMessage(f"switching to {self.model_value()}")

    def _profile_chosen(self) -> None:
        if self.session is None:
            return
        try:
            self.session.set_profile(self.profiles.profile())
        except ProfileError as exc:
            self.log(f"{exc}; the previous profile stays in use")

    def _targets_changed(self) -> None:
        """Hand the enabled targets to the running stream: only changed ones are swapped."""
        if self.session is None:
            return
        self.session.set_targets(self.targets.enabled_specs())
        self.targets.show_live(self.session.targets)  # logs why a new one did not open

    def _gain_changed(self, db: float) -> None:
        if self.session is not None:
            self.session.set_gain_db(db)

    # -- Unity-announced avatars -----------------------------------------------------------------
    def refresh_avatars(self) -> None:
        """Offer the avatars Unity receivers announce now (1 Hz timer)."""
        self.avatar_box.show_announced(self.announcer.avatars() if self.announcer else [])

    def _avatar_chosen(self, avatar: str, port: int | None) -> None:
        if self.session is not None:
            self.session.set_avatar(avatar)
        if port is not None:
            self.targets.ensure_local_unity(port)

    def _show_provider(self) -> None:
        text = self.session.status_text() if self.session is not None else None
        if text is not None:
            self.provider_label.setText(text)

    def _tick(self) -> None:
        """Display timer: newest frame, level, metrics and target states → widgets."""
        session = self.session
        if session is None:
            return
        self.level.set_peak(session.source.take_peak() * self.gain_box.factor())
        frame = session.latest.take()
        hint = self.quiet_hint.update(
            time.monotonic(), self.level.db, None if frame is None else frame.voiced
        )
        if hint:
            self.log(hint)
        if frame is not None:  # metrics and targets only change with a frame: skip the redraw
            self.frame_shown.emit(frame)
            metrics = session.engine.metrics
            self.plots.show_metrics(
                metrics.snapshot(), recent_processing(metrics), time.monotonic()
            )
            self.targets.show_live(session.targets)
            session.close_retired_models()
            self._show_provider()
        elif session.remote_state() is not None:  # reconnecting shows even without frames
            self._show_provider()
        for spec in session.targets.retry_failed():
            self.log(f"target {spec!r} runs now")
        message = session.poll_input()
        if message:
            self.log(message)
            if session.input_lost:  # stays in the status bar until the device is back
                self.statusBar().showMessage(message)
        if session.engine.finished.is_set():
            error = session.engine.error or "the audio source ended"
            self.stop()
            self.log(f"stream stopped: {error}")

    # -- log, close -----------------------------------------------------------------------------
    def log(self, message: str) -> None:
        """Show a problem or a state change in the log panel (with its time) and the status
        bar, in plain words: exception names and errno numbers are left out (GUI thread)."""
        message = scrub(message)
        self.log_panel.add(message)
        self.statusBar().showMessage(message, 10_000)

    def current_settings(self) -> AppSettings:
        geometry = bytes(self.saveGeometry().toBase64().data()).decode("ascii")
        return AppSettings(
            device=self.device_value(), model=self.model_value(), profile=self.profile_value(),
            avatar=self.avatar_box.avatar, gain_db=self.gain_box.value(),
            engine=self.engine_choice.mode().value, server=self.engine_choice.url(),
            targets=self.targets.targets(), geometry=geometry,
        )  # fmt: skip

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop the stream (joins the engine within a second), save settings, close."""
        self.stop()
        self.announce_timer.stop()
        self.device_picker.timer.stop()
        self.log_panel.detach()
        self.autosave.timer.stop()  # this save covers any pending change
        problem = self.store.save(self.current_settings())
        if problem:
            logging.getLogger(__name__).warning(problem)
        event.accept()
