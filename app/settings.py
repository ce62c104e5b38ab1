"""What the app remembers between runs, as values (never widget indices), in one JSON file.

The file lives in ``platformdirs.user_config_dir("talkrig")/settings.json`` unless a folder is
injected (tests, ``--config-dir``). Reading never raises: a missing file gives the defaults, a
damaged one the defaults plus a notice the window shows. No Qt here: the window geometry is kept
as the base64 text of ``QWidget.saveGeometry()``. Called on the GUI thread only.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from talkrig.models.registry import DEFAULT_MODEL

SETTINGS_VERSION = 1
SETTINGS_FILE = "settings.json"
DEMO_DEVICE = "demo"  # the device value that means "the bundled demo voice, looped"
ENGINE_LOCAL, ENGINE_REMOTE = "local", "remote"  # where the model runs
DEFAULT_SERVER = "ws://127.0.0.1:8765"
DEFAULT_AVATAR = "default"  # the avatar id frames carry unless the user picks an announced one
NO_PROFILE = ""  # the profile value that means "no avatar profile: the 52 ARKit values as is"


def default_config_dir() -> Path:
    """``platformdirs.user_config_dir("talkrig")``: settings and the user's avatar profiles."""
    return Path(platformdirs.user_config_dir("talkrig"))


@dataclass(frozen=True)
class TargetSetting:
    """One row of the targets list: a spec as ``make_target`` reads it, and whether it is on."""

    spec: str
    enabled: bool = True


@dataclass(frozen=True)
class AppSettings:
    """Everything restored at start; defaults are what a first run shows."""

    device: str = DEMO_DEVICE  # a device name as PortAudio lists it, or DEMO_DEVICE
    model: str = DEFAULT_MODEL
    profile: str = NO_PROFILE  # a shipped preset name or a profile file path
    avatar: str = DEFAULT_AVATAR  # the avatar id sent to Unity targets
    gain_db: float = 0.0  # input gain before the model
    engine: str = ENGINE_LOCAL  # ENGINE_LOCAL or ENGINE_REMOTE (a `talkrig serve` server)
    server: str = DEFAULT_SERVER  # the server's ws:// address (the token is never saved)
    targets: tuple[TargetSetting, ...] = (TargetSetting("vmc://127.0.0.1:39539", enabled=False),)
    geometry: str = ""  # base64 of QWidget.saveGeometry(); "" = let Qt choose
    notices: tuple[str, ...] = field(default=(), compare=False)  # problems met while reading

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["notices"]
        data["targets"] = [asdict(t) for t in self.targets]
        return {"version": SETTINGS_VERSION, **data}


class SettingsStore:
    """Reads and writes ``settings.json`` in ``folder`` (GUI thread)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_config_dir()
        self.path = self.folder / SETTINGS_FILE

    @property
    def profiles_dir(self) -> Path:
        """Where the user's own avatar profiles (``*.toml`` / ``*.json``) are looked for."""
        return self.folder / "profiles"

    def load(self) -> AppSettings:
        """The saved settings; defaults (with ``notices`` saying why) when absent or damaged."""
        if not self.path.exists():
            return AppSettings()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            return AppSettings(
                notices=(f"{self.path}: unreadable settings, using defaults: {exc}",)
            )
        return _parse(data, self.path)

    def save(self, settings: AppSettings) -> str | None:
        """Write atomically (a crash never leaves half a file); returns an error text or None."""
        text = json.dumps(settings.to_json(), indent=2) + "\n"
        tmp = self.path.with_name(SETTINGS_FILE + ".tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            return f"{self.path}: cannot save settings: {exc}"
        return None


def _parse(data: Any, path: Path) -> AppSettings:
    """Keep every well-typed value, replace each bad one by its default with a notice."""
    defaults = AppSettings()
    if not isinstance(data, dict):
        return AppSettings(notices=(f"{path}: settings must be a JSON object, using defaults",))
    notices: list[str] = []
    values: dict[str, Any] = {}
    for key in ("device", "model", "profile", "avatar", "engine", "server", "geometry"):
        if key not in data:
            continue
        if isinstance(data[key], str):
            values[key] = data[key]
        else:
            notices.append(f"{path}: {key}: expected text, got {data[key]!r}; using the default")
    if "gain_db" in data:
        gain = data["gain_db"]
        if isinstance(gain, (int, float)) and not isinstance(gain, bool) and -100 < gain < 100:
            values["gain_db"] = float(gain)
        else:
            notices.append(f"{path}: gain_db: expected a number of dB, got {gain!r}; using 0")
    if "targets" in data:
        targets = _targets(data["targets"])
        if targets is None:
            notices.append(f"{path}: targets: expected a list of {{spec, enabled}}; using none")
            values["targets"] = ()
        else:
            values["targets"] = targets
    values.setdefault("targets", defaults.targets)
    return AppSettings(**values, notices=tuple(notices))


def _targets(raw: Any) -> tuple[TargetSetting, ...] | None:
    if not isinstance(raw, list):
        return None
    out = []
    for item in raw:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("spec"), str)
            and isinstance(item.get("enabled", True), bool)
        ):
            return None
        out.append(TargetSetting(item["spec"], item.get("enabled", True)))
    return tuple(out)
