"""What the app remembers between runs, as values (never widget indices), in one JSON file.

The file lives in ``platformdirs.user_config_dir("talkrig")/settings.json`` unless a folder is
injected (tests, ``--config-dir``). Reading never raises: a missing file gives the defaults; a
damaged one (too big, nested too deep, not JSON, not an object) is first moved aside to
``settings.json.bad-<timestamp>``, so the next save cannot destroy what the user had, and the
notice says where it went. A file from a newer TalkRig is read for what this version knows, and
a copy is kept the same way. No Qt here: the window geometry is kept as the base64 text of
``QWidget.saveGeometry()``. Called on the GUI thread only.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs

from talkrig.bridge.engine_base import EngineKind
from talkrig.models.registry import DEFAULT_MODEL

SETTINGS_VERSION = 1
SETTINGS_FILE = "settings.json"
# A settings file is a few kB; these bound what a damaged or hostile file can cost before
# json.loads sees it (its recursion would raise RecursionError past ~1,000 levels).
MAX_SETTINGS_BYTES = 1 << 20
MAX_SETTINGS_DEPTH = 32
DEMO_DEVICE = "demo"  # the device value that means "the bundled demo voice, looped"
DEFAULT_SERVER = "ws://127.0.0.1:8765"
DEFAULT_AVATAR = "default"  # the avatar id frames carry unless the user picks an announced one
DEFAULT_TARGET = "vmc://127.0.0.1:39539"  # VSeeFace / VNyan / Warudo's VMC receiver
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
    engine: str = EngineKind.LOCAL.value  # an EngineKind value: where the model runs
    server: str = DEFAULT_SERVER  # the server's ws:// address (the token is never saved)
    # On by default: a first Start must move a face in VSeeFace & co. without any setup.
    targets: tuple[TargetSetting, ...] = (TargetSetting(DEFAULT_TARGET),)
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
        """The saved settings; defaults (with ``notices`` saying why) when absent or damaged.

        Never raises. A damaged file is moved aside (see the module docstring) before the
        defaults are returned, and the notice names where it went.
        """
        try:
            with self.path.open("rb") as file:
                raw: bytes | None = file.read(MAX_SETTINGS_BYTES + 1)
        except FileNotFoundError:
            return AppSettings()
        except OSError as exc:  # unreadable where it is: nothing to move aside either
            reason = exc.strerror or str(exc)
            return AppSettings(
                notices=(f"{self.path}: cannot read settings ({reason}); using defaults",)
            )
        if raw is not None and len(raw) > MAX_SETTINGS_BYTES:
            raw = None
        try:
            data = _decode(raw)
        except ValueError as exc:
            return AppSettings(notices=(self._set_aside(f"{exc}"),))
        settings = _parse(data, self.path)
        version = data.get("version", SETTINGS_VERSION)
        if type(version) is int and version == SETTINGS_VERSION:  # True == 1 is no version
            return settings
        return replace(settings, notices=(*settings.notices, self._version_notice(version)))

    def _set_aside(self, reason: str) -> str:
        """Move the damaged file to ``settings.json.bad-<timestamp>``; the notice to show."""
        kept = self._keep_copy("bad", move=True)
        where = f"kept as {kept}" if kept else "it could not be moved aside"
        return f"{self.path}: {reason}; {where}; using defaults"

    def _version_notice(self, version: object) -> str:
        if (
            isinstance(version, int)
            and not isinstance(version, bool)
            and version > SETTINGS_VERSION
        ):
            kept = self._keep_copy(f"v{version}", move=False)
            copy = f"; a copy is kept as {kept}" if kept else ""
            return (
                f"{self.path} was written by a newer TalkRig (settings version {version}, this one "
                f"reads {SETTINGS_VERSION}): only the settings this version knows are used{copy}"
            )
        return (
            f"{self.path}: unknown settings version {repr(version)[:40]} (this TalkRig writes "
            f"{SETTINGS_VERSION}); the settings it recognises are used"
        )

    def _keep_copy(self, tag: str, move: bool) -> Path | None:
        """``settings.json.<tag>-<UTC timestamp>`` (never overwriting one), or None on failure."""
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        target = self.path.with_name(f"{SETTINGS_FILE}.{tag}-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{SETTINGS_FILE}.{tag}-{stamp}-{n}")
        try:
            if move:
                os.replace(self.path, target)
            else:
                shutil.copyfile(self.path, target)
        except OSError:
            return None
        return target

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


def _decode(raw: bytes | None) -> dict[str, Any]:
    """The settings object in ``raw`` (None: the file was over the size limit); ValueError
    with a plain reason when it is not one. Depth is checked before ``json.loads`` runs."""
    if raw is None:
        return _fail(f"the file is larger than {MAX_SETTINGS_BYTES // 1024} kB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _fail("the file is not UTF-8 text")
    if json_depth(text, stop_above=MAX_SETTINGS_DEPTH) > MAX_SETTINGS_DEPTH:
        return _fail(f"the file nests deeper than {MAX_SETTINGS_DEPTH} levels")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return _fail(f"the file is not valid JSON ({exc.msg} at line {exc.lineno})")
    if not isinstance(data, dict):
        return _fail("settings must be a JSON object")
    return data


def _fail(reason: str) -> dict[str, Any]:
    raise ValueError(reason)


def json_depth(text: str, stop_above: int | None = None) -> int:
    """The deepest nesting of ``[`` / ``{`` in ``text``, brackets inside strings ignored
    (an upper bound for malformed text, which json.loads then refuses anyway). With
    ``stop_above``, the scan ends as soon as the depth exceeds it (a hostile file costs
    nothing more)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if stop_above is not None and deepest > stop_above:
                break
        elif char in "]}":
            depth -= 1
    return deepest


def _parse(data: dict[str, Any], path: Path) -> AppSettings:
    """Keep every well-typed value, replace each bad one by its default with a notice."""
    defaults = AppSettings()
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
