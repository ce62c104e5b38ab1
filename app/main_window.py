"""``MainWindow``: every widget and every connection of the app, wired in one constructor.

Threads: everything here runs on the GUI thread. The engine thread only touches the stream's
``LatestFrame`` and ``LevelTap``; a display timer (``DISPLAY_HZ``) drains them and emits one
``frame_shown`` signal that all frame widgets follow, so the GUI never waits on the engine.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from talkrig.app.choices import (
    Choice,
    DeviceLister,
    device_choices,
    model_choices,
    pick,
    profile_choices,
)
from talkrig.app.settings import DEMO_DEVICE, NO_PROFILE, AppSettings, SettingsStore
from talkrig.app.stream import StartError, StreamSession
from talkrig.app.widgets.bars import BlendshapeBars
from talkrig.app.widgets.face import FacePreview
from talkrig.app.widgets.level import LevelMeter
from talkrig.app.widgets.log_panel import LogPanel
from talkrig.app.widgets.plots import MetricsPlots, recent_processing
from talkrig.app.widgets.targets import TargetsPanel
from talkrig.bridge.post.profile import AvatarProfile, ProfileError, load_profile
from talkrig.models.registry import DEFAULT_MODEL, Registry

DISPLAY_HZ = 30  # the ceiling for GUI refresh
COMBO_CHARS = 22  # dropdowns stay readable without growing to their longest entry


class MainWindow(QMainWindow):
    """The TalkRig window.

    Args:
        store: where settings are read at construction and written on close.
        registry: the models the dropdown offers.
        devices: ``list_devices(refresh)``; injected so tests choose what exists.

    Signals:
        frame_shown(FaceFrame): the newest frame, once per display tick that has one.
    """

    frame_shown = Signal(object)  # FaceFrame

    def __init__(self, store: SettingsStore, registry: Registry, devices: DeviceLister) -> None:
        super().__init__()
        self.setWindowTitle("TalkRig")
        self.store = store
        self.registry = registry
        self.devices = devices
        self.session: StreamSession | None = None
        settings = store.load()

        # -- widgets ------------------------------------------------------------------------
        self.device_box = QComboBox()
        self.refresh_button = QPushButton("Refresh")
        self.level = LevelMeter()
        self.model_box = QComboBox()
        self.profile_box = QComboBox()
        self.start_button = QPushButton("Start")
        self.targets = TargetsPanel()
        self.plots = MetricsPlots()
        self.bars = BlendshapeBars()
        self.face = FacePreview()
        self.log_panel = LogPanel()
        self.provider_label = QLabel("stopped")
        self.statusBar().addPermanentWidget(self.provider_label)
        self.toggle_action = QAction("Start / stop", self)
        self.toggle_action.setShortcuts([QKeySequence("Ctrl+R"), QKeySequence(Qt.Key.Key_Space)])
        self.addAction(self.toggle_action)
        self.timer = QTimer(self)
        self.timer.setInterval(1000 // DISPLAY_HZ)
        self._layout()

        # -- contents -----------------------------------------------------------------------
        self.refresh_devices(settings.device, rescan=False)
        self._fill(self.model_box, model_choices(registry), settings.model, DEFAULT_MODEL, "model")
        self._fill(
            self.profile_box, profile_choices(store.profiles_dir), settings.profile, NO_PROFILE,
            "avatar profile",
        )  # fmt: skip
        self.targets.set_targets(settings.targets)
        if settings.geometry:
            self.restoreGeometry(QByteArray.fromBase64(settings.geometry.encode("ascii")))
        for notice in settings.notices:
            self.log(notice)

        # -- wiring -------------------------------------------------------------------------
        self.refresh_button.clicked.connect(self._refresh_clicked)
        self.start_button.clicked.connect(self.toggle)
        self.toggle_action.triggered.connect(self.toggle)
        self.model_box.activated.connect(self._model_chosen)
        self.profile_box.activated.connect(self._profile_chosen)
        self.targets.problem.connect(self.log)
        self.targets.changed.connect(self._targets_changed)
        self.timer.timeout.connect(self._tick)
        self.frame_shown.connect(self.bars.show_frame)
        self.frame_shown.connect(self.face.show_frame)
        self.log_panel.attach(logging.getLogger("talkrig"))

    def _layout(self) -> None:
        inputs = QGroupBox("Input, model, avatar")
        form = QFormLayout(inputs)
        device_row = QHBoxLayout()
        device_row.addWidget(self.device_box, 1)
        device_row.addWidget(self.refresh_button)
        form.addRow("input", device_row)
        form.addRow("level", self.level)
        form.addRow("model", self.model_box)
        form.addRow("avatar profile", self.profile_box)
        form.addRow(self.start_button)
        targets = QGroupBox("Targets")
        QVBoxLayout(targets).addWidget(self.targets)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(inputs)
        left_layout.addWidget(targets, 1)
        left_layout.addWidget(QLabel("log"))
        left_layout.addWidget(self.log_panel, 1)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.face)
        right.addWidget(self.bars)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.plots)
        splitter.addWidget(right)
        splitter.setSizes([400, 440, 440])
        self.setCentralWidget(splitter)
        for box in (self.device_box, self.model_box, self.profile_box):
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            box.setMinimumContentsLength(COMBO_CHARS)
        self.resize(1280, 760)

    # -- dropdowns ------------------------------------------------------------------------------
    def _fill(
        self, box: QComboBox, choices: list[Choice], wanted: str, fallback: str, what: str
    ) -> None:
        box.clear()
        for choice in choices:
            box.addItem(choice.label, choice.value)
            tip = f"{choice.tooltip}\n{choice.problem}" if choice.problem else choice.tooltip
            box.setItemData(box.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        value, notice = pick(choices, wanted, fallback, what)
        box.setCurrentIndex(max(0, box.findData(value)))
        if notice:
            self.log(notice)

    def refresh_devices(self, wanted: str, rescan: bool) -> None:
        """List input devices, keeping ``wanted`` selected when it still exists. ``rescan``
        (the Refresh button) makes PortAudio look again, but only while no stream holds a
        device open (see ``talkrig.bridge.audio.devices.rescan``)."""
        choices, notice = device_choices(self.devices, refresh=rescan and self.session is None)
        if notice:
            self.log(notice)
        default = next((c.value for c in choices if c.value != DEMO_DEVICE), DEMO_DEVICE)
        self._fill(self.device_box, choices, wanted, default, "input device")

    def _refresh_clicked(self) -> None:
        self.refresh_devices(self.device_value(), rescan=True)

    def device_value(self) -> str:
        return str(self.device_box.currentData())

    def model_value(self) -> str:
        return str(self.model_box.currentData())

    def profile_value(self) -> str:
        return str(self.profile_box.currentData())

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
            profile = self._profile()
            self.session = StreamSession(
                self.registry, self.device_value(), self.model_value(), profile,
                self.targets.enabled_specs(),
            )  # fmt: skip
        except (StartError, ProfileError) as exc:
            self.log(str(exc))
            return False
        for problem in self.session.target_errors:
            self.log(problem)
        self.plots.clear()
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
        self.session = None
        self.start_button.setText("Start")
        self.provider_label.setText("stopped")
        self.targets.show_states({})
        self.level.set_peak(0.0)

    def _profile(self) -> AvatarProfile | None:
        value = self.profile_value()
        return None if value == NO_PROFILE else load_profile(value)

    def _model_chosen(self) -> None:
        if self.session is None:
            return
        try:
            self.session.swap_model(self.model_value())
        except StartError as exc:
            self.log(f"{exc}; still running {self.session.model.card.name}")
            return
        self.statusBar().showMessage(f"switching to {self.model_value()}")

    def _profile_chosen(self) -> None:
        if self.session is None:
            return
        try:
            self.session.engine.set_profile(self._profile())
        except ProfileError as exc:
            self.log(f"{exc}; the previous profile stays in use")

    def _targets_changed(self) -> None:
        if self.session is not None:
            self.statusBar().showMessage("target changes apply when the stream next starts")

    def _show_provider(self) -> None:
        if self.session is None:
            return
        model = self.session.model
        text = f"{model.card.name} on {model.provider.replace('ExecutionProvider', '')}"
        self.provider_label.setText(text + (f" ({model.fallback})" if model.fallback else ""))

    def _tick(self) -> None:
        """Display timer: newest frame, level, metrics and target states → widgets."""
        session = self.session
        if session is None:
            return
        self.level.set_peak(session.source.take_peak())
        frame = session.latest.take()
        if frame is not None:  # metrics and targets only change with a frame: skip the redraw
            self.frame_shown.emit(frame)
            metrics = session.engine.metrics
            self.plots.show_metrics(metrics.snapshot(), recent_processing(metrics))
            self.targets.show_states({s.spec: s.state() for s in session.engine.senders})
            session.close_retired_models()
            self._show_provider()
        if session.engine.finished.is_set():
            error = session.engine.error or "the audio source ended"
            self.stop()
            self.log(f"stream stopped: {error}")

    # -- log, close -----------------------------------------------------------------------------
    def log(self, message: str) -> None:
        """Show a problem in the log panel and the status bar (GUI thread)."""
        self.log_panel.add(message)
        self.statusBar().showMessage(message, 10_000)

    def current_settings(self) -> AppSettings:
        geometry = bytes(self.saveGeometry().toBase64().data()).decode("ascii")
        return AppSettings(
            device=self.device_value(), model=self.model_value(), profile=self.profile_value(),
            targets=self.targets.targets(), geometry=geometry,
        )  # fmt: skip

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop the stream (joins the engine within a second), save settings, close."""
        self.stop()
        self.log_panel.detach()
        problem = self.store.save(self.current_settings())
        if problem:
            logging.getLogger(__name__).warning(problem)
        event.accept()
