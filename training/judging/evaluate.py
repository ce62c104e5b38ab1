"""A trained network scored with the paper's metrics on labelled clips (mean over clips)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..learning.dataset import Clip
from ..learning.fit import predict
from ..learning.networks import FaceNet
from ..learning.pdm import Pdm
from .metrics import blendshape_mae, landmark_metrics


def evaluate(network: FaceNet, clips: Sequence[Clip], pdm: Pdm | None = None) -> dict[str, float]:
    """Blendshape MAE (%) keyed ``MAE all``, ``MAE mouth``, ... or the landmark metrics
    (``L-D``, ..., ``OMA-D``), each the mean over the clips that have a valid frame.

    Landmark predictions are decoded with ``pdm`` and compared with the clips' aligned true
    landmarks (``Clip.shapes``); clips without any valid frame are skipped.
    """
    rows: list[dict[str, float]] = []
    for clip in clips:
        if not clip.valid.any():
            continue
        out = predict(network, clip)  # (T, out_dim)
        if pdm is None:
            mae = blendshape_mae(out, clip.targets, clip.valid)
            rows.append({f"MAE {k}": v for k, v in mae.items()})
        elif clip.shapes is None:
            raise ValueError(f"clip {clip.id!r} has no landmarks to compare with")
        else:
            rows.append(landmark_metrics(pdm.decode(out), clip.shapes, clip.valid))
    if not rows:
        return {}
    return {key: float(np.mean([r[key] for r in rows])) for key in rows[0]}
