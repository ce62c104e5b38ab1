"""Point Distribution Model: PCA over Procrustes-aligned landmark shapes (the paper: 20
components keeping at least 0.99 of the variance).

Shapes are aligned to their mean by a similarity transform (generalised Procrustes: rotation,
uniform scale, translation), so the components model mouth and jaw motion instead of head pose.
Coefficients are whitened (unit variance on the training data) so every output of a network has
the same scale under one loss; ``decode`` is ``coeffs @ basis + mean`` with the whitening folded
into ``basis``, which is exactly what the exported ONNX graph computes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


class PdmError(ValueError):
    """Landmarks unusable for a PDM, or a PDM file that cannot be read."""


def _normalise(shape: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    centre = shape.mean(axis=0)
    moved = shape - centre
    scale = float(np.linalg.norm(moved))
    return moved / scale, centre, scale


def align_to(shapes: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Similarity-align each of ``shapes`` ``(N, P, D)`` onto ``reference`` ``(P, D)``; the
    result lies in the reference's position and size. Reflections are not allowed."""
    ref, ref_centre, ref_scale = _normalise(reference.astype(np.float64))
    out = np.empty(shapes.shape, dtype=np.float64)
    for i, shape in enumerate(shapes.astype(np.float64)):
        unit, _, _ = _normalise(shape)
        u, _, vt = np.linalg.svd(unit.T @ ref)
        if np.linalg.det(u @ vt) < 0:  # a mirror image is not a pose: flip the weakest axis
            u[:, -1] *= -1
        rotation = u @ vt
        out[i] = unit @ rotation * ref_scale + ref_centre
    return out


def generalised_procrustes(shapes: np.ndarray, iterations: int = 3) -> np.ndarray:
    """Align ``(N, P, D)`` shapes to their common mean (which keeps the first shape's position
    and size); returns the aligned ``(N, P, D)`` float64 shapes."""
    reference = shapes[0].astype(np.float64)
    aligned = align_to(shapes, reference)
    for _ in range(iterations):
        mean = align_to(aligned.mean(axis=0, keepdims=True), reference)[0]
        aligned = align_to(shapes, mean)
    return aligned


@dataclass(frozen=True)
class Pdm:
    """A fitted PDM. ``mean`` ``(P, D)``; ``basis`` ``(K, P*D)`` (whitened: row k is component
    k times its standard deviation); ``variance_kept`` the fraction of variance the K components
    explain on the fitting data."""

    mean: np.ndarray
    basis: np.ndarray
    variance_kept: float

    @property
    def components(self) -> int:
        return int(self.basis.shape[0])

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.mean.shape[0]), int(self.mean.shape[1]))

    def encode(self, shapes: np.ndarray, aligned: bool = False) -> np.ndarray:
        """``(N, P, D)`` landmarks → ``(N, K)`` float32 coefficients (aligned to the mean first
        unless ``aligned``)."""
        if shapes.shape[1:] != self.mean.shape:
            raise PdmError(f"landmarks {shapes.shape[1:]} do not match the PDM's {self.mean.shape}")
        if not aligned:
            shapes = align_to(shapes, self.mean)
        flat = (shapes - self.mean).reshape(len(shapes), -1)
        # basis rows are orthogonal with squared norm sigma_k**2: project, then divide
        norms = np.sum(self.basis**2, axis=1)
        return ((flat @ self.basis.T) / norms).astype(np.float32)

    def decode(self, coeffs: np.ndarray) -> np.ndarray:
        """``(N, K)`` coefficients → ``(N, P, D)`` float32 landmarks: ``coeffs @ basis + mean``."""
        flat = coeffs @ self.basis + self.mean.reshape(1, -1)
        return flat.reshape(len(coeffs), *self.mean.shape).astype(np.float32)

    def save(self, path: Path) -> None:
        np.savez(path, mean=self.mean, basis=self.basis, variance_kept=self.variance_kept)

    @classmethod
    def load(cls, path: Path) -> Pdm:
        """Read what :meth:`save` wrote; PdmError naming the file when it is not a PDM."""
        try:
            with np.load(path) as data:
                return cls(data["mean"], data["basis"], float(data["variance_kept"]))
        except (OSError, KeyError, ValueError) as exc:
            raise PdmError(f"PDM file {str(path)!r} is unreadable: {exc}") from None


def fit_pdm(shapes: np.ndarray, components: int = 20) -> Pdm:
    """PCA of ``(N, P, D)`` landmarks (only valid frames: no zeros) after Procrustes alignment.

    Raises:
        PdmError: fewer than 2 shapes, non-finite values, or more components than the data has.
    """
    if shapes.ndim != 3 or len(shapes) < 2:
        raise PdmError(f"need (N >= 2, points, dims) landmarks, got {shapes.shape}")
    if not np.isfinite(shapes).all():
        raise PdmError("landmarks contain NaN or infinity")
    if components > min(len(shapes), shapes.shape[1] * shapes.shape[2]):
        raise PdmError(f"{components} components from only {len(shapes)} shapes")
    aligned = generalised_procrustes(shapes)
    mean = aligned.mean(axis=0)
    flat = (aligned - mean).reshape(len(aligned), -1)
    _, singular, vt = np.linalg.svd(flat, full_matrices=False)
    variances = singular**2 / max(len(flat) - 1, 1)
    total = float(variances.sum())
    kept = float(variances[:components].sum() / total) if total > 0 else 1.0
    sigma = np.sqrt(np.maximum(variances[:components], 1e-20))
    basis = (vt[:components] * sigma[:, None]).astype(np.float32)
    return Pdm(mean.astype(np.float32), basis, kept)
