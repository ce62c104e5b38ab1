"""What the avatar editor edits: per-shape rows grouped by face region, and the profile they
make. No Qt here (the dialog in ``widgets/avatar_editor.py`` only shows these values).

Called on the GUI thread. A row's numbers are floats; :func:`build_profile` writes only the
values that differ from the ``"*"`` defaults, so a saved file stays short and readable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from talkrig.bridge.post.profile import DEFAULT, AvatarProfile, ProfileError
from talkrig.models import arkit

OTHER_REGION = "other"  # noseSneer*, tongueOut: in none of the paper's five regions
DEFAULT_GAIN, DEFAULT_OFFSET, DEFAULT_CLAMP = 1.0, 0.0, (0.0, 1.0)
BLANK_NAME = "custom"


@dataclass(frozen=True)
class ShapeRow:
    """One shape's settings: ``index`` into the canonical 52, ``name`` its camelCase name."""

    index: int
    name: str
    gain: float = DEFAULT_GAIN
    offset: float = DEFAULT_OFFSET
    lo: float = DEFAULT_CLAMP[0]
    hi: float = DEFAULT_CLAMP[1]


def regions() -> list[tuple[str, tuple[int, ...]]]:
    """(region, canonical indices) covering all 52 shapes once: the paper's five, then other."""
    out = list(arkit.REGIONS.items())
    seen = {i for _, indices in out for i in indices}
    out.append((OTHER_REGION, tuple(i for i in range(arkit.COUNT) if i not in seen)))
    return out


def rows_of(profile: AvatarProfile | None) -> list[ShapeRow]:
    """The 52 rows in canonical order, with the profile's effective values (defaults for None)."""
    if profile is None:
        return [ShapeRow(i, name) for i, name in enumerate(arkit.NAMES)]
    gain, offset, lo, hi = profile.shape_settings()
    return [
        ShapeRow(i, name, float(gain[i]), float(offset[i]), float(lo[i]), float(hi[i]))
        for i, name in enumerate(arkit.NAMES)
    ]


def build_profile(
    base: AvatarProfile | None, rows: list[ShapeRow], mouth_only: bool, name: str | None = None
) -> AvatarProfile:
    """A new profile: ``base``'s naming, vowel mode, renames and description, with ``rows``'
    gain/offset/clamp and ``mouth_only``. Raises ProfileError (e.g. a clamp with lo > hi)."""
    if sorted(r.index for r in rows) != list(range(arkit.COUNT)):
        raise ProfileError("avatar editor: expected one row for each of the 52 shapes")
    gain: dict[str, float] = {DEFAULT: DEFAULT_GAIN}
    offset: dict[str, float] = {DEFAULT: DEFAULT_OFFSET}
    clamp: dict[str, list[float]] = {DEFAULT: list(DEFAULT_CLAMP)}
    # float32 round trip: the profile keeps float32 arrays, so 1.3 reads back as 1.2999999523
    for row in rows:
        if not np.isclose(row.gain, DEFAULT_GAIN, rtol=0, atol=1e-6):
            gain[row.name] = round(row.gain, 6)
        if not np.isclose(row.offset, DEFAULT_OFFSET, rtol=0, atol=1e-6):
            offset[row.name] = round(row.offset, 6)
        if not np.allclose((row.lo, row.hi), DEFAULT_CLAMP, rtol=0, atol=1e-6):
            clamp[row.name] = [round(row.lo, 6), round(row.hi, 6)]
    return AvatarProfile(
        name=name or (base.name if base is not None else BLANK_NAME),
        gain=gain,
        offset=offset,
        clamp=clamp,
        rename=dict(base.rename) if base is not None else {},
        names=base.names if base is not None else "camel",
        mouth_only=mouth_only,
        vowels=base.vowels if base is not None else "off",
        description=base.description if base is not None else "",
    )


def user_profile_path(folder: Path, name: str) -> Path:
    """Where a user profile called ``name`` is saved: ``folder/<slug>.toml``.
    Raises ProfileError when the name has no letter or digit to build a file name from."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", name.strip()).strip("_")[:64]
    if not slug:
        raise ProfileError(f"profile name {name!r}: give at least one letter or digit")
    return folder / f"{slug}.toml"
