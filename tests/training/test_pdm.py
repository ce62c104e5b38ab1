"""PDM: Procrustes alignment, PCA round trip, variance kept, file round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from talkrig.models import faces
from talkrig.models.contract import Representation
from talkrig.training.learning.pdm import Pdm, PdmError, align_to, fit_pdm


def _shapes(rank: int, count: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Shapes of the 478-point face varying in ``rank`` modes, then randomly posed:
    (unposed, posed), both (count, 478, 3)."""
    rng = np.random.default_rng(seed)
    base = faces.neutral(Representation.LANDMARKS_3D).astype(np.float64)
    modes = rng.normal(size=(rank, *base.shape)) * 0.01
    shapes = base + np.einsum("nk,kpd->npd", rng.normal(size=(count, rank)), modes)
    rotation = Rotation.from_rotvec(rng.normal(size=(count, 3)) * 0.2).as_matrix()
    scale = rng.uniform(0.7, 1.3, (count, 1, 1))
    posed = np.einsum("npd,ned->npe", shapes, rotation) * scale + rng.normal(size=(count, 1, 3))
    return shapes, posed


def test_round_trip_on_rank_20_data_is_nearly_exact() -> None:
    _, posed = _shapes(rank=12)
    pdm = fit_pdm(posed, components=20)
    assert pdm.components == 20 and pdm.shape == (478, 3)
    assert pdm.variance_kept > 0.9999
    aligned = align_to(posed, pdm.mean)
    decoded = pdm.decode(pdm.encode(posed))
    face = np.ptp(pdm.mean[:, 0])
    # not exact: fitting each shape's pose is itself slightly non-linear in the shape
    error = np.abs(decoded - aligned)
    assert error.max() < 5e-3 * face and error.mean() < 5e-4 * face
    assert error.mean() < 0.02 * np.abs(aligned - pdm.mean).mean()


def test_pose_is_removed_before_pca() -> None:
    shapes, posed = _shapes(rank=3)
    # same shapes in other poses give the same coefficients
    np.testing.assert_allclose(
        fit_pdm(posed, 3).encode(posed), fit_pdm(posed, 3).encode(shapes), atol=1e-3
    )


def test_variance_kept_is_reported_when_components_are_too_few() -> None:
    _, posed = _shapes(rank=30)
    pdm = fit_pdm(posed, components=20)
    assert 0.5 < pdm.variance_kept < 0.99
    # whitened coefficients: unit variance on the fitting data
    np.testing.assert_allclose(pdm.encode(posed).std(axis=0, ddof=1), 1.0, rtol=0.05)


def test_save_and_load(tmp_path: Path) -> None:
    _, posed = _shapes(rank=5, count=30)
    pdm = fit_pdm(posed, components=5)
    pdm.save(tmp_path / "pdm.npz")
    again = Pdm.load(tmp_path / "pdm.npz")
    np.testing.assert_array_equal(again.basis, pdm.basis)
    assert again.variance_kept == pdm.variance_kept


def test_garbage_is_refused(tmp_path: Path) -> None:
    _, posed = _shapes(rank=5, count=30)
    with pytest.raises(PdmError, match="N >= 2"):
        fit_pdm(posed[:1])
    with pytest.raises(PdmError, match="only 30 shapes"):
        fit_pdm(posed, components=40)
    broken = posed.copy()
    broken[3, 7, 1] = np.nan
    with pytest.raises(PdmError, match="NaN"):
        fit_pdm(broken)
    with pytest.raises(PdmError, match="do not match"):
        fit_pdm(posed, 5).encode(posed[:, :68])
    bad = tmp_path / "pdm.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(PdmError, match=r"pdm\.npz"):
        Pdm.load(bad)
