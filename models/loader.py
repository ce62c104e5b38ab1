"""``load_model``: a model by name or path, as a callable ONNX Runtime session with its card."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np

from .card import ModelCard
from .contract import INPUT_NAME
from .errors import ModelError
from .session import open_session, requested_providers, session_card

if TYPE_CHECKING:
    from .registry import Registry

__all__ = ["Model", "ModelError", "load_model"]

log = logging.getLogger(__name__)


class Model:
    """A loaded model: an ONNX Runtime session and the card it carries.

    Built by :func:`load_model` on any thread. ``__call__`` runs on the engine thread (ORT's
    ``run`` is itself thread-safe, so a benchmark thread may call it too). ``close`` is called by
    the owner once nothing runs it any more.

    Attributes:
        path: the ``.onnx`` file.
        card: its model card.
        provider: the ORT provider actually running it, e.g. ``"CPUExecutionProvider"``.
        fallback: why the requested provider is not the one running it, or ``None``.
        threads: ORT intra-op threads of the session.
    """

    def __init__(self, path: Path, session: Any, card: ModelCard, fallback: str | None) -> None:
        self.path = path
        self.card = card
        self.provider: str = session.get_providers()[0]
        self.fallback = fallback
        self.threads: int = session.get_session_options().intra_op_num_threads
        self._session: Any = session
        self._outputs = [card.representation.output_name]
        # Running it once here also proves that the graph really produces the card's shape.
        self._rest = self(np.zeros((1, card.window_samples), np.float32))[0]
        if not np.isfinite(self._rest).all():
            # A model that answers silence with NaN or ±inf would stream garbage to every
            # target (the post chain would hold the rest pose for ever): refuse it here.
            bad = int(np.size(self._rest) - np.count_nonzero(np.isfinite(self._rest)))
            raise ModelError(
                f"{path}: output on silence is not finite ({bad} of {np.size(self._rest)} "
                "values are NaN or infinite): the model is broken"
            )

    def __call__(self, windows: np.ndarray) -> np.ndarray:
        """``(B, window_samples)`` float32 audio → ``(B, *card.output_shape)`` float32 (engine
        thread)."""
        session = self._session
        if session is None:
            raise ModelError(f"{self.path}: model is closed")
        width = self.card.window_samples
        if windows.ndim != 2 or windows.shape[1] != width:
            raise ModelError(f"{self.path}: needs windows (batch, {width}), got {windows.shape}")
        audio = np.ascontiguousarray(windows, dtype=np.float32)
        try:
            out = session.run(self._outputs, {INPUT_NAME: audio})[0]
        except Exception as exc:  # ORT's pybind exceptions share no base class below Exception
            raise ModelError(f"{self.path}: inference failed: {exc}") from exc
        want = (len(audio), *self.card.output_shape)
        if out.shape != want or out.dtype != np.float32:
            raise ModelError(
                f"{self.path}: output {self._outputs[0]!r} is {out.dtype} {out.shape}, "
                f"the card says float32 {want}"
            )
        return out

    def rest_output(self) -> np.ndarray:
        """The output on a silent (all-zero) window: ``card.output_shape`` float32, a copy."""
        return self._rest.copy()

    def close(self) -> None:
        """Release the session; later calls raise :class:`ModelError`. Idempotent."""
        self._session = None

    def __enter__(self) -> Model:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Model({self.card.name!r}, {str(self.path)!r}, {self.provider})"


def load_model(
    name_or_path: str | Path,
    *,
    providers: str | Sequence[str] | None = None,
    threads: int = 1,
    registry: Registry | None = None,
) -> Model:
    """Open a model by registry name or by ``.onnx`` path.

    A :class:`~pathlib.Path`, or a string ending in ``.onnx`` or holding a path separator, is a
    path; anything else a name looked up in ``registry`` (default: shipped + user folder).

    Args:
        providers: ``None`` (CUDA, then CPU), ``"cuda"``, ``"cpu"``, or a list of those or of ORT
            provider names. An unavailable choice falls back to CPU: see ``Model.fallback``.
        threads: ORT intra-op threads (inter-op is 1, execution sequential).

    Raises:
        ModelError: naming the file or name and the problem.
    """
    path = _resolve(name_or_path, registry)
    wanted = requested_providers(providers)
    session = open_session(path, wanted, threads)
    card = session_card(session, path)
    model = Model(path, session, card, None)
    if providers is not None and model.provider != wanted[0]:
        model.fallback = f"{wanted[0]} is not available here; running on {model.provider}"
        log.warning("%s: %s", path, model.fallback)
    return model


def _resolve(name_or_path: str | Path, registry: Registry | None) -> Path:
    if isinstance(name_or_path, Path):
        return name_or_path
    text = str(name_or_path)
    if text.endswith(".onnx") or "/" in text or os.sep in text:
        return Path(text).expanduser()
    if registry is None:
        from .registry import Registry

        registry = Registry()
    return registry.find(text).path
