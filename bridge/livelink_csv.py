"""The Live Link Face app's CSV take layout, for ``talkrig infer --format livelink``.

Unreal's LiveLinkFaceImporter and many DCC importers read this layout. Its column order is NOT the
UDP packet order: ``JawRight`` comes before ``JawLeft`` and ``MouthRight`` before ``MouthLeft``
(docs/wire-formats.md §3 warns never to reuse it for UDP).
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import numpy as np

from talkrig.bridge.senders.finite import wire_floats
from talkrig.models import arkit

_HEAD_EYES = (
    "HeadYaw", "HeadPitch", "HeadRoll", "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll",
    "RightEyeYaw", "RightEyePitch", "RightEyeRoll",
)  # fmt: skip
_SWAPPED = {"jawLeft": "jawRight", "jawRight": "jawLeft", "mouthLeft": "mouthRight",
            "mouthRight": "mouthLeft"}  # fmt: skip
# Canonical index for each CSV blendshape column.
CSV_ORDER: tuple[int, ...] = tuple(arkit.INDEX[_SWAPPED.get(n, n)] for n in arkit.NAMES)
HEADER: tuple[str, ...] = (
    "Timecode",
    "BlendShapeCount",
    *(arkit.pascal(arkit.NAMES[i]) for i in CSV_ORDER),
    *_HEAD_EYES,
)


def timecode(seconds: float, fps: int = 25) -> str:
    """``HH:MM:SS:FF.mmm`` with FF counted at ``fps`` (the app's own timecode style)."""
    # Count in thousandths of a frame so 3725.52 s at 25 fps is frame 13, not 12.999.
    milli_frames = round(seconds * fps * 1000)
    whole_frames, sub = divmod(milli_frames, 1000)
    whole, frame = divmod(whole_frames, fps)
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}:{frame:02d}.{sub:03d}"


def write(out: io.TextIOBase, rows: Iterable[tuple[float, np.ndarray]], fps: int = 25) -> int:
    """Write ``(stream seconds, (52,) values)`` rows; returns the number written."""
    out.write(",".join(HEADER) + "\n")
    count = 0
    zeros = ",".join(["0"] * len(_HEAD_EYES))
    for seconds, values in rows:
        finite = wire_floats(values)  # never "nan" in a take an importer must read
        cells = ",".join(f"{float(finite[i]):.6f}" for i in CSV_ORDER)
        out.write(f"{timecode(seconds, fps)},{len(CSV_ORDER) + len(_HEAD_EYES)},{cells},{zeros}\n")
        count += 1
    return count
