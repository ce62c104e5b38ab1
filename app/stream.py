"""One live stream as the app runs it: the user's choices → an :class:`Engine`, and back.

No Qt here. The GUI thread calls everything in :class:`StreamSession`; the engine thread only
calls the :class:`~talkrig.bridge.latest_frame.LatestFrame` listener and the source's
:class:`~talkrig.bridge.audio.level_tap.LevelTap`, which keep the newest frame and the input
peak for the display timer to pick up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from talkrig.app.live_targets import LiveTargets
from talkrig.app.settings import DEFAULT_AVATAR, DEMO_DEVICE
from talkrig.bridge.audio.base import AudioError
from talkrig.bridge.audio.level_tap import TappedSource
from talkrig.bridge.audio.mic_source import MicSource
from talkrig.bridge.audio.retry import DeviceOpener, RetryingInput, open_device
from talkrig.bridge.audio.sources import open_source
from talkrig.bridge.engine import Engine
from talkrig.bridge.engine_base import BaseEngine, EngineOptions, RemoteState
from talkrig.bridge.latest_frame import LatestFrame
from talkrig.bridge.post.profile import AvatarProfile
from talkrig.bridge.remote import RemoteEngine, check_server_url
from talkrig.bridge.senders.advice import explain_error
from talkrig.models.errors import ModelError
from talkrig.models.loader import Model, load_model
from talkrig.models.registry import Registry

STOP_TIMEOUT_S = 1.0  # closing the window must not wait longer for the engine thread


class StartError(RuntimeError):
    """The stream could not start: the message names the source or model and the problem."""


@dataclass(frozen=True)
class RemoteChoice:
    """Infer on a ``talkrig serve`` server at ``url`` (``ws://HOST:PORT``) instead of locally."""

    url: str
    token: str | None = None

    def check(self) -> None:
        """Raise StartError when ``url`` cannot be a server address (the CLI's words)."""
        try:
            check_server_url(self.url)
        except ValueError as exc:
            raise StartError(f"remote engine: {exc}") from exc


class StreamSession:
    """One run: source → model (local, or on a server) → targets, with live swaps (GUI thread).

    An input device that goes away is reopened by name (:meth:`poll_input`) while the engine
    and the targets stay up; ``opener`` opens a device by name (tests pass their own).

    Attributes:
        engine: the running engine: an :class:`Engine`, or a :class:`RemoteEngine` when
            ``remote`` is given (then the server's model runs and ``model`` is None).
        source: the tapped source (``take_peak`` for the level meter).
        latest: the listener holding the newest frame.
        targets: the live target list (``targets.senders``; :meth:`set_targets`).
        target_errors: one message per target that could not be opened (the others run).
    """

    def __init__(
        self,
        registry: Registry,
        device: str,
        model_name: str,
        profile: AvatarProfile | None,
        target_specs: Sequence[str],
        *,
        avatar: str = DEFAULT_AVATAR,
        gain_db: float = 0.0,
        remote: RemoteChoice | None = None,
        opener: DeviceOpener = open_device,
    ) -> None:
        model = None
        if remote is not None:
            remote.check()
        else:
            try:
                model = load_model(model_name, registry=registry, threads=1)
            except ModelError as exc:
                raise StartError(f"model {model_name!r} cannot be loaded: {exc}") from exc
        try:
            looped = device == DEMO_DEVICE  # the demo voice plays until the stream stops
            self.source = TappedSource(open_source(device, loop=looped, opener=opener))
        except AudioError as exc:
            if model is not None:
                model.close()
            raise StartError(f"audio input: {exc}") from exc
        self.targets = LiveTargets()
        self.target_errors = self.targets.update(target_specs)
        self.registry = registry
        self.latest = LatestFrame()
        # every model opened; closed once the engine no longer runs it
        self._models = [model] if model is not None else []
        options = EngineOptions(profile=profile, avatar=avatar, gain_db=gain_db)
        self.engine: BaseEngine
        if model is None and remote is not None:
            self.engine = RemoteEngine(
                self.source, remote.url, [self.targets], options, [self.latest], remote.token
            )
        elif model is not None:
            self.engine = Engine(
                self.source, model, [self.targets], options, listeners=[self.latest]
            )
        self.engine.start()

    @property
    def model(self) -> Model | None:
        """The model the local engine runs now (a swap takes effect on the next engine loop);
        None for a remote engine."""
        return self.engine.model

    def remote_state(self) -> RemoteState | None:
        """Connection state of a remote engine (any thread); None for a local one."""
        return self.engine.link()

    def status_text(self) -> str | None:
        """What runs, for the status bar: the model and its provider, or the remote server's
        connection; None while a local engine has no model to report (GUI thread)."""
        remote = self.remote_state()
        if remote is not None:
            text = f"remote {remote.url}: {remote.status}"
            text += f", model {remote.model}" if remote.model else ""
            if remote.reconnects and remote.last_error:
                why = explain_error(remote.url, remote.last_error)
                text += f" ({remote.reconnects} reconnects; last: {why})"
            return text
        model = self.model
        if model is None:
            return None
        text = f"{model.card.name} on {model.provider.replace('ExecutionProvider', '')}"
        return text + (f" ({model.fallback})" if model.fallback else "")

    def poll_input(self) -> str | None:
        """Notice a lost input device and reopen it when due (see :class:`RetryingInput`); a
        message when the input's state changed, else None (GUI thread, display timer)."""
        return self.source.poll()

    @property
    def input_lost(self) -> str | None:
        """Why the input device is away while it is, else None (GUI thread)."""
        inner = self.source.inner
        return inner.lost if isinstance(inner, RetryingInput) else None

    @property
    def portaudio_restartable(self) -> bool:
        """False once the input was a JACK stream whose server died: PortAudio must then never
        be restarted in this process (see ``MicSource.stop``)."""
        inner = self.source.inner
        device = inner.inner if isinstance(inner, RetryingInput) else inner
        return not isinstance(device, MicSource) or device.portaudio_restartable

    def swap_model(self, model_name: str) -> Model:
        """Load ``model_name`` and hand it to the running engine; StartError when it fails."""
        if self.engine.model is None:
            raise StartError(f"model {model_name!r}: a remote engine runs the server's model")
        try:
            model = load_model(model_name, registry=self.registry, threads=1)
        except ModelError as exc:
            raise StartError(f"model {model_name!r} cannot be loaded: {exc}") from exc
        self._models.append(model)
        self.engine.swap_model(model)
        return model

    def set_targets(self, specs: Sequence[str]) -> list[str]:
        """Replace the targets without stopping the stream; one message per spec that failed."""
        return self.targets.update(specs)

    def set_profile(self, profile: AvatarProfile | None) -> None:
        """Use ``profile`` from the next frame on (a remote engine reads it once per frame)."""
        self.engine.set_profile(profile)

    def set_gain_db(self, db: float) -> None:
        """Input gain from the next block on (local or remote engine)."""
        self.engine.set_gain_db(db)

    def set_avatar(self, avatar: str) -> None:
        """The avatar id of the next frames (a str store the engine reads once per frame)."""
        self.engine.options.avatar = avatar

    def close_retired_models(self) -> None:
        """Close models the engine has swapped away from (GUI timer; the engine swaps only at
        the top of its loop, so a model it no longer reports is never mid-inference)."""
        current = self.model
        if current is None:  # a remote engine opens no models
            return
        pending = self._models[-1]
        for model in [m for m in self._models if m is not current and m is not pending]:
            model.close()
            self._models.remove(model)

    def stop(self) -> None:
        """Stop the source and engine (bounded join), close targets and models; idempotent."""
        self.engine.stop(STOP_TIMEOUT_S)
        for model in self._models:
            model.close()
