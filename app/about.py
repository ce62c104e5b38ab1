"""What Help → About says: the version, the current model's card, third-party licences.

No Qt here (plain text, tested apart from the dialog). Licences are read from the installed
packages' own metadata, so the list says what is really installed, not what we remember.
"""

from __future__ import annotations

import importlib.metadata as metadata

from talkrig.models.card import ModelCard
from talkrig.models.errors import ModelError
from talkrig.models.registry import Registry

# What the app runs on, by distribution name, with what each is for (the user's view).
THIRD_PARTY = (
    ("PySide6-Essentials", "Qt for Python: the window"),
    ("shiboken6", "Qt for Python bindings"),
    ("pyqtgraph", "plots and bars"),
    ("numpy", "signal maths"),
    ("scipy", "smoothing"),
    ("onnxruntime", "runs the models (CPU)"),
    ("onnxruntime-gpu", "runs the models (GPU)"),
    ("sounddevice", "audio input (bundles PortAudio, MIT)"),
    ("av", "audio decoding (PyAV; bundles FFmpeg, LGPL-2.1-or-later)"),
    ("soxr", "resampling"),
    ("python-osc", "OSC for VMC and Unity"),
    ("websockets", "VTube Studio and the stream server"),
    ("platformdirs", "where settings live"),
    ("psutil", "memory figures"),
    ("tqdm", "progress bars"),
)
# Data that others made, shipped inside TalkRig (the face preview's mesh and blendshape map).
BUNDLED_DATA = (
    "MediaPipe Face Mesh topology (Google) — Apache-2.0 (the face preview's 478-point mesh)",
    "blendshapes → face map fitted on GRID corpus clips (Cooke et al. 2006) — CC BY 4.0 "
    "(the face preview of blendshape models)",
)
MAX_LICENCE_CHARS = 60  # some packages put the whole licence text in the License field
APP_LICENCE = "MIT"


def app_version() -> str:
    """The installed ``talkrig`` version, or a word saying it is not installed."""
    try:
        return metadata.version("talkrig")
    except metadata.PackageNotFoundError:
        return "unknown (running from a source tree that is not installed)"


def licence_of(meta: metadata.PackageMetadata) -> str:
    """A package's licence in a few words: its SPDX expression, a short License field, or its
    trove classifier; "see the package" when none of them is short and clear."""
    expression = _field(meta, "License-Expression")
    if expression:
        return expression
    field = _field(meta, "License").strip()
    if field and "\n" not in field and len(field) <= MAX_LICENCE_CHARS:
        return field
    classifiers = [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    if classifiers:
        return classifiers[0].rsplit(" :: ", 1)[-1]
    return "see the package's licence file"


def _field(meta: metadata.PackageMetadata, key: str) -> str:
    """A metadata field, "" when absent (``meta[key]`` may raise for a missing key)."""
    return str(meta[key]) if key in meta else ""


def third_party_lines() -> list[str]:
    """``name version — licence (what for)`` for each installed third-party package."""
    lines = []
    for name, role in THIRD_PARTY:
        try:
            meta = metadata.metadata(name)
        except metadata.PackageNotFoundError:
            continue
        lines.append(f"{name} {_field(meta, 'Version')} — {licence_of(meta)} ({role})")
    return lines


def card_lines(card: ModelCard) -> list[str]:
    """The model card as a user reads it: what it is, what it learnt from, its licence and
    the figures it was judged by."""
    lines = [
        f"{card.name}: {card.representation.value}, {card.family.value}, "
        f"{card.lookahead_ms:.0f} ms look-ahead, {card.architecture}",
        f"Training data: {card.training_data}",
        f"Licence of the weights: {card.license}",
    ]
    if card.description:
        lines.append(f"About: {card.description}")
    if card.metrics:
        lines.append("Figures:")
        lines += [f"  {key}: {_figure(value)}" for key, value in card.metrics.items()]
    return lines


def _figure(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def about_text(registry: Registry, model: str) -> str:
    """The whole About text for ``model`` (a registry name), never raising for a bad model."""
    lines = [f"TalkRig {app_version()} — real-time speech to face ({APP_LICENCE} licence)", ""]
    lines.append("Current model")
    try:
        card = registry.find(model).card
    except ModelError as exc:
        card, problem = None, str(exc)
    else:
        problem = f"{model}: the file has no readable model card"
    lines += card_lines(card) if card is not None else [problem]
    lines += ["", "Third-party software", *third_party_lines()]
    lines += ["", "Third-party data", *BUNDLED_DATA]
    return "\n".join(lines)
