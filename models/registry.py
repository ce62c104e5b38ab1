"""The model registry: every ``.onnx`` file in the shipped folder and the user's model folder.

The app's model dropdown and ``talkrig models`` are this list. A user drops a retrained file into
:func:`user_model_dir` and it appears on the next :meth:`Registry.entries` (nothing is cached).
Any thread may call it; it only reads files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from .card import ModelCard
from .errors import ModelError
from .session import read_card

SHIPPED_DIR = Path(__file__).resolve().parent
DEFAULT_MODEL = "talkrig-neutral"


def user_model_dir() -> Path:
    """Where a user's own models live: ``platformdirs.user_data_dir("talkrig") / "models"``."""
    return Path(platformdirs.user_data_dir("talkrig")) / "models"


@dataclass(frozen=True)
class ModelEntry:
    """One file in a model folder.

    ``name`` is the card's name, or the file stem when the file is broken; then ``card`` is
    ``None`` and ``error`` says what is wrong.
    """

    name: str
    path: Path
    card: ModelCard | None
    error: str | None
    shipped: bool


class Registry:
    """Model files found in ``folders`` (default: the shipped folder, then the user folder).

    When two files carry the same model name, the first folder's file wins and the other is
    listed as broken, so a dropped-in file never silently replaces a shipped model.
    """

    def __init__(self, folders: Sequence[Path] | None = None) -> None:
        self.folders: tuple[Path, ...] = (
            tuple(Path(f) for f in folders)
            if folders is not None
            else (SHIPPED_DIR, user_model_dir())
        )

    def entries(self) -> list[ModelEntry]:
        """Every ``*.onnx`` file, sorted by name; broken files carry an error, never raise."""
        taken: dict[str, Path] = {}
        out = []
        for folder in self.folders:
            if not folder.is_dir():
                continue
            shipped = folder.resolve() == SHIPPED_DIR
            for path in sorted(folder.glob("*.onnx")):
                entry = _entry(path, shipped)
                if entry.card is not None and entry.name in taken:
                    entry = ModelEntry(
                        path.stem,
                        path,
                        None,
                        f"model name {entry.name!r} is already used by {taken[entry.name]}",
                        shipped,
                    )
                elif entry.card is not None:
                    taken[entry.name] = path
                out.append(entry)
        return sorted(out, key=lambda e: (e.name, str(e.path)))

    def find(self, name: str) -> ModelEntry:
        """The working entry called ``name``; :class:`ModelError` if unknown or broken."""
        entries = self.entries()
        for entry in entries:
            if entry.name == name and entry.card is not None:
                return entry
        for entry in entries:
            if entry.name == name:
                raise ModelError(f"model {name!r} ({entry.path}) is broken: {entry.error}")
        names = ", ".join(e.name for e in entries if e.card is not None) or "none"
        folders = ", ".join(str(f) for f in self.folders)
        raise ModelError(f"unknown model {name!r}; available: {names} (searched {folders})")


def _entry(path: Path, shipped: bool) -> ModelEntry:
    try:
        card = read_card(path)
    except ModelError as exc:
        return ModelEntry(path.stem, path, None, str(exc), shipped)
    return ModelEntry(card.name, path, card, None, shipped)
