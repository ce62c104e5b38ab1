"""Avatar profiles: per-avatar gain, offset, clamp, naming and vowel mode, loaded from TOML/JSON.

A profile file (TOML shown; JSON has the same structure)::

    name = "My avatar"            # optional, default: the file name
    description = "..."           # optional
    names = "pascal"              # "camel" (jawOpen) | "pascal" (JawOpen); default "camel"
    mouth_only = false            # only mouth/jaw/tongue/cheekPuff shapes, the rest forced to 0
    vowels = "off"                # "off" | "vrm0" (A I U E O Blink_L Blink_R) | "vrm1"

    [gain]                        # value × gain; "*" = default for unlisted shapes (1.0)
    "*" = 1.0
    jawOpen = 1.3
    [offset]                      # + offset, after the gain; "*" default 0.0
    [clamp]                       # [lo, hi] after gain and offset; "*" default [0, 1]
    MouthSmileLeft = [0.0, 0.8]
    [rename]                      # ARKit name → the avatar's shape name (no "*")
    jawOpen = "MTH_Open"

Shape keys accept the ARKit names in camelCase or PascalCase. Everything is checked when the
profile is built: a wrong file gives one :class:`ProfileError` naming the file and the key.

``mouth_only`` decision: a VTuber who drives the mouth from voice usually keeps a webcam or other
tracker for eyes, brows and blinks, so every non-mouth shape (blinks included) is forced to 0 in
the 52 values and left out of ``avatar_values`` (in vowel mode, the blink presets too) so that
TalkRig never overrides the other tracker.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import tomli_w

from talkrig.models import arkit

from .vowels import vowel_weights

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PROFILES_DIR = Path(__file__).resolve().parent.parent / "profiles"
NAME_STYLES = ("camel", "pascal")
VOWEL_PRESETS: dict[str, tuple[str, ...]] = {
    "vrm0": ("A", "I", "U", "E", "O", "Blink_L", "Blink_R"),
    "vrm1": ("aa", "ih", "ou", "ee", "oh", "blinkLeft", "blinkRight"),
}
VOWEL_MODES = ("off", *VOWEL_PRESETS)
DEFAULT = "*"
_TABLES = ("gain", "offset", "clamp", "rename")
_KEYS = ("name", "description", "names", "mouth_only", "vowels", *_TABLES)
_BLINKS = (arkit.INDEX["eyeBlinkLeft"], arkit.INDEX["eyeBlinkRight"])
_MOUTH = tuple(sorted(arkit.MOUTH_RELATED))
_NOT_MOUTH = tuple(i for i in range(arkit.COUNT) if i not in arkit.MOUTH_RELATED)

AvatarValues = tuple[tuple[str, float], ...]


class ProfileError(ValueError):
    """An avatar profile file or value is wrong; the message names the file and the key."""


def _shape_index(key: str, where: str) -> int:
    """Canonical index of ``key`` given as camelCase or PascalCase."""
    camel = key[:1].lower() + key[1:]
    if camel not in arkit.INDEX:
        raise ProfileError(f"{where}: {key!r} is not one of the 52 ARKit blendshape names")
    return arkit.INDEX[camel]


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ProfileError(f"{where}: expected a finite number, got {value!r}")
    return float(value)


def _bounds(value: Any, where: str) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ProfileError(f"{where}: expected [lo, hi], got {value!r}")
    lo, hi = (_number(v, where) for v in value)
    if lo > hi:
        raise ProfileError(f"{where}: lo {lo} is above hi {hi}")
    return lo, hi


def _per_shape(
    table: Mapping[str, Any], default: Any, where: str, key: str
) -> list[tuple[str, Any]]:
    """(key, value) for each of the 52 shapes of table ``key``; ``*`` (else ``default``) fills gaps.

    ``where`` names the file (or profile) so messages say which file and which key.
    """
    out = [(DEFAULT, table.get(DEFAULT, default))] * arkit.COUNT
    for shape, value in table.items():
        if shape == DEFAULT:
            continue
        index = _shape_index(shape, f"{where}: {key}.{shape}")
        if out[index][0] != DEFAULT:
            raise ProfileError(f"{where}: {key}.{shape}: same shape as {key}.{out[index][0]}")
        out[index] = (shape, value)
    return out


@dataclass(frozen=True)
class AvatarProfile:
    """How one avatar wants the 52 values (immutable; the engine swaps whole profiles).

    :meth:`apply` is called on the engine thread; build profiles anywhere.
    """

    name: str
    gain: Mapping[str, float] = field(default_factory=dict)
    offset: Mapping[str, float] = field(default_factory=dict)
    clamp: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    rename: Mapping[str, str] = field(default_factory=dict)
    names: str = "camel"
    mouth_only: bool = False
    vowels: str = "off"
    description: str = ""
    source: str = ""  # the file it came from, for messages ("" when built in code)
    _gain: np.ndarray = field(init=False, repr=False, compare=False)
    _offset: np.ndarray = field(init=False, repr=False, compare=False)
    _lo: np.ndarray = field(init=False, repr=False, compare=False)
    _hi: np.ndarray = field(init=False, repr=False, compare=False)
    _indices: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _out_names: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        where = self.source or f"profile {self.name!r}"
        if not isinstance(self.name, str) or not self.name:
            raise ProfileError(f"{where}: name: expected a non-empty string, got {self.name!r}")
        for key, value, allowed in (
            ("names", self.names, NAME_STYLES),
            ("vowels", self.vowels, VOWEL_MODES),
        ):
            if value not in allowed:
                raise ProfileError(f"{where}: {key}: {value!r} is not one of {list(allowed)}")
        if not isinstance(self.mouth_only, bool):
            raise ProfileError(
                f"{where}: mouth_only: expected true or false, got {self.mouth_only!r}"
            )
        if not isinstance(self.description, str):
            raise ProfileError(f"{where}: description: expected a string, got {self.description!r}")
        for key in _TABLES:
            table = getattr(self, key)
            if not isinstance(table, Mapping):
                raise ProfileError(f"{where}: {key}: expected a table of shape name → value")
            # Read-only copies: the arrays below are computed once, so edits could not apply.
            object.__setattr__(self, key, MappingProxyType(dict(table)))
        gain = [_number(v, f"{where}: gain.{k}") for k, v in self._table("gain", 1.0, where)]
        offset = [_number(v, f"{where}: offset.{k}") for k, v in self._table("offset", 0.0, where)]
        bounds = [_bounds(v, f"{where}: clamp.{k}") for k, v in self._table("clamp", (0, 1), where)]
        object.__setattr__(self, "_gain", np.array(gain, np.float32))
        object.__setattr__(self, "_offset", np.array(offset, np.float32))
        object.__setattr__(self, "_lo", np.array([b[0] for b in bounds], np.float32))
        object.__setattr__(self, "_hi", np.array([b[1] for b in bounds], np.float32))
        indices = _MOUTH if self.mouth_only else tuple(range(arkit.COUNT))
        object.__setattr__(self, "_indices", indices)
        object.__setattr__(self, "_out_names", self._output_names(indices, where))

    def _table(self, key: str, default: Any, where: str) -> list[tuple[str, Any]]:
        return _per_shape(getattr(self, key), default, where, key)

    def _output_names(self, indices: tuple[int, ...], where: str) -> tuple[str, ...]:
        renamed: dict[int, str] = {}
        for key, target in self.rename.items():
            index = _shape_index(key, f"{where}: rename.{key}")
            if not isinstance(target, str) or not target:
                raise ProfileError(f"{where}: rename.{key}: expected a non-empty name")
            renamed[index] = target
        if self.vowels != "off":
            if renamed:
                raise ProfileError(f"{where}: rename: has no effect in vowel mode ({self.vowels})")
            names = VOWEL_PRESETS[self.vowels]
            return names[:5] if self.mouth_only else names
        spelled = arkit.NAMES if self.names == "camel" else arkit.PASCAL_NAMES
        out = tuple(renamed.get(i, spelled[i]) for i in indices)
        if len(set(out)) != len(out):
            twice = sorted({n for n in out if out.count(n) > 1})
            raise ProfileError(f"{where}: rename: several shapes are sent as {twice}")
        return out

    def shape_settings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per-shape (gain, offset, lo, hi), each ``(52,)`` float32 in canonical order (copies)."""
        return self._gain.copy(), self._offset.copy(), self._lo.copy(), self._hi.copy()

    @property
    def output_names(self) -> tuple[str, ...]:
        """The names :meth:`apply` puts in ``avatar_values``, in order."""
        return self._out_names

    def apply(self, blendshapes: np.ndarray) -> tuple[np.ndarray, AvatarValues]:
        """``(52,)`` values → (``(52,)`` float32 in [0, 1], ``avatar_values``).

        Per shape: ``clip(clip(value × gain + offset, lo, hi), 0, 1)``; in mouth-only mode the
        other shapes are 0. ``avatar_values`` holds the sent shapes under the avatar's names, or
        in vowel mode only the vowel and blink presets. A non-finite value counts as 0 (rest), so
        every value out is finite.
        """
        v = np.asarray(blendshapes, dtype=np.float32)
        if not np.isfinite(v).all():
            v = np.where(np.isfinite(v), v, np.float32(0.0))
        v = v * self._gain + self._offset
        v = np.clip(np.clip(v, self._lo, self._hi), 0.0, 1.0)
        if self.mouth_only:
            v[list(_NOT_MOUTH)] = 0.0
        if self.vowels != "off":
            sent = [float(w) for w in vowel_weights(v)]
            if not self.mouth_only:
                sent += [float(v[i]) for i in _BLINKS]
        else:
            sent = [float(v[i]) for i in self._indices]
        return v, tuple(zip(self._out_names, sent, strict=True))


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read the profile: {exc}") from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif suffix == ".json":
            data = json.loads(text)
        else:
            raise ProfileError(f"{path}: a profile is a .toml or .json file, not {suffix!r}")
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ProfileError(f"{path}: not valid {suffix[1:].upper()}: {exc}") from None
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: the top level must be a table/object")
    return data


def profile_from_file(path: str | Path) -> AvatarProfile:
    """Read and check one ``.toml`` / ``.json`` profile; raises :class:`ProfileError`."""
    path = Path(path)
    data = _read(path)
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise ProfileError(f"{path}: unknown key {unknown[0]!r} (known: {', '.join(_KEYS)})")
    return AvatarProfile(**{"name": path.stem, **data, "source": str(path)})


def to_toml(profile: AvatarProfile) -> str:
    """The profile as TOML text that :func:`profile_from_file` reads back to an equal profile
    (``source`` aside). Clamp pairs are written as ``[lo, hi]`` arrays."""
    data: dict[str, Any] = {
        "name": profile.name,
        "description": profile.description,
        "names": profile.names,
        "mouth_only": profile.mouth_only,
        "vowels": profile.vowels,
        "gain": dict(profile.gain),
        "offset": dict(profile.offset),
        "clamp": {k: [float(v[0]), float(v[1])] for k, v in profile.clamp.items()},
        "rename": dict(profile.rename),
    }
    return tomli_w.dumps(data)


def save_profile(profile: AvatarProfile, path: str | Path) -> Path:
    """Write ``profile`` as TOML to ``path`` atomically (a crash never leaves half a file);
    creates the folder. Raises :class:`ProfileError` naming the file when it cannot."""
    path = Path(path)
    if path.suffix.lower() != ".toml":
        raise ProfileError(f"{path}: a saved profile is a .toml file")
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(to_toml(profile), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise ProfileError(f"{path}: cannot save the profile: {exc}") from None
    return path


def shipped_profiles() -> dict[str, Path]:
    """The presets shipped in ``bridge/profiles/``: name (file stem) → path."""
    return {p.stem: p for p in sorted(PROFILES_DIR.glob("*.toml"))}


def load_profile(name_or_path: str | Path) -> AvatarProfile:
    """A shipped preset by name (``perfect_sync``) or a profile file by path."""
    shipped = shipped_profiles()
    if isinstance(name_or_path, str) and name_or_path in shipped:
        return profile_from_file(shipped[name_or_path])
    path = Path(name_or_path)
    if not path.is_file():
        raise ProfileError(
            f"{name_or_path}: no such profile file and no shipped profile of that name "
            f"(shipped: {', '.join(shipped)})"
        )
    return profile_from_file(path)
