"""The 52 ARKit blendshapes: one canonical table and the spellings derived from it.

Canonical order is Apple's documentation order, which is also Unreal's ``EARFaceBlendShape`` and
the Live Link Face packet (docs/wire-formats.md §0). Every array of 52 values in TalkRig is in
this order.
"""

from __future__ import annotations

NAMES: tuple[str, ...] = (
    "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft",
    "eyeSquintLeft", "eyeWideLeft",
    "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight", "eyeLookOutRight", "eyeLookUpRight",
    "eyeSquintRight", "eyeWideRight",
    "jawForward", "jawLeft", "jawRight", "jawOpen",
    "mouthClose", "mouthFunnel", "mouthPucker", "mouthLeft", "mouthRight",
    "mouthSmileLeft", "mouthSmileRight", "mouthFrownLeft", "mouthFrownRight",
    "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper",
    "mouthPressLeft", "mouthPressRight", "mouthLowerDownLeft", "mouthLowerDownRight",
    "mouthUpperUpLeft", "mouthUpperUpRight",
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight",
    "noseSneerLeft", "noseSneerRight", "tongueOut",
)  # fmt: skip
COUNT = len(NAMES)
assert COUNT == 52

INDEX: dict[str, int] = {name: i for i, name in enumerate(NAMES)}

# Names that keep their spelling in iFacialMocap although they end in Left/Right.
_IFM_KEEP = frozenset({"jawLeft", "jawRight", "mouthLeft", "mouthRight"})


def pascal(name: str) -> str:
    """``jawOpen`` → ``JawOpen`` (Live Link, Perfect Sync VRM clips, most VMC senders)."""
    return name[0].upper() + name[1:]


def ifacialmocap_key(name: str) -> str:
    """``eyeBlinkLeft`` → ``eyeBlink_L``; ``jawLeft`` and friends keep their names."""
    if name in _IFM_KEEP:
        return name
    if name.endswith("Left"):
        return name[: -len("Left")] + "_L"
    if name.endswith("Right"):
        return name[: -len("Right")] + "_R"
    return name


PASCAL_NAMES: tuple[str, ...] = tuple(pascal(n) for n in NAMES)
IFACIALMOCAP_KEYS: tuple[str, ...] = tuple(ifacialmocap_key(n) for n in NAMES)

# MediaPipe's 52 face-blendshape categories: ``_neutral`` then 51 ARKit names, alphabetical, no
# ``tongueOut``. Map by name, never by index.
MEDIAPIPE_NAMES: tuple[str, ...] = ("_neutral", *sorted(n for n in NAMES if n != "tongueOut"))


def mediapipe_to_canonical(category_names: list[str] | tuple[str, ...]) -> list[int]:
    """Canonical index for each MediaPipe category name (``-1`` for ``_neutral``)."""
    out = []
    for name in category_names:
        if name == "_neutral":
            out.append(-1)
        elif name in INDEX:
            out.append(INDEX[name])
        else:
            raise ValueError(f"unknown MediaPipe blendshape category {name!r}")
    return out


REGIONS: dict[str, tuple[int, ...]] = {
    region: tuple(i for i, n in enumerate(NAMES) if n.startswith(prefix))
    for region, prefix in (
        ("mouth", "mouth"),
        ("jaw", "jaw"),
        ("cheeks", "cheek"),
        ("eyes", "eye"),
        ("eyebrows", "brow"),
    )
}

MOUTH_RELATED: frozenset[int] = frozenset(
    i for i, n in enumerate(NAMES) if n.startswith(("mouth", "jaw", "tongue", "cheekPuff"))
)
