"""How to draw a face from its points: lines, closed outlines and triangles.

Two topologies, chosen by the number of points a model gives: MediaPipe's 478-point face mesh
(contours and the 2,556-edge tessellation from :mod:`talkrig.models.face_mesh_data`, Apache-2.0)
and dlib's 68 points (iBUG 300-W order; the index ranges are the layout's well-known facts, no
data of theirs). Pure numpy: the app's face preview and ``talkrig render`` both draw with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from . import face_mesh_data as mp

LINE_GROUPS = ("oval", "brows", "eyes", "nose", "lips", "irises")


@dataclass(frozen=True)
class FaceTopology:
    """Which of ``points`` landmarks join into which lines and regions.

    Attributes:
        points: landmark count the topology is for (478 or 68).
        lines: ``{group: (k, 2) int}`` point pairs to draw as lines, groups of
            :data:`LINE_GROUPS` (a group may be absent).
        outline: closed loop of point indices around the whole face (filled as skin).
        eyes: closed loops, one per eye.
        outer_lips: closed loop around both lips.
        inner_lips: closed loop between the lips: the mouth opening.
        triangles: ``(m, 3)`` int mesh triangles; ``(0, 3)`` when the layout has none.
        forehead: points of ``outline`` that are brows, not the face's edge (dlib has no
            forehead points: a drawing lifts these to close the face above the brows).
    """

    points: int
    lines: dict[str, np.ndarray]
    outline: np.ndarray
    eyes: tuple[np.ndarray, ...]
    outer_lips: np.ndarray
    inner_lips: np.ndarray
    triangles: np.ndarray
    forehead: np.ndarray


def pairs(flat: Sequence[int]) -> np.ndarray:
    """``(start0, end0, start1, end1, ...)`` → ``(k, 2)`` int array."""
    return np.asarray(flat, dtype=np.int64).reshape(-1, 2)


def closed_loops(edges: np.ndarray) -> list[np.ndarray]:
    """Each connected cycle of ``edges`` (``(k, 2)``, every point on exactly two edges) as a
    loop of point indices, in the order of the first edge that touches it.

    Raises:
        ValueError: a point has more or fewer than two neighbours (not a set of cycles).
    """
    neighbours: dict[int, list[int]] = {}
    for a, b in edges.tolist():
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    if any(len(n) != 2 for n in neighbours.values()):
        raise ValueError("edges do not form closed loops")
    loops, seen = [], set()
    for start in dict.fromkeys(int(a) for a in edges[:, 0]):
        if start in seen:
            continue
        loop, previous, point = [start], -1, start
        while True:
            a, b = neighbours[point]
            previous, point = point, (b if a == previous else a)
            if point == start:
                break
            loop.append(point)
        seen.update(loop)
        loops.append(np.array(loop, dtype=np.int64))
    return loops


def edge_triangles(edges: np.ndarray) -> np.ndarray:
    """``(m, 3)`` triangles from ``edges`` listed three per triangle, ``(a, b), (b, c), (c, a)``,
    the way MediaPipe lists its tessellation (852 triangles, 2,556 edges).

    Raises:
        ValueError: the edges do not come in closed triples.
    """
    if len(edges) % 3:
        raise ValueError(f"{len(edges)} edges are not whole triangles")
    triples = edges.reshape(-1, 3, 2)
    closes = (triples[:, :, 1] == np.roll(triples[:, :, 0], -1, axis=1)).all()
    if not closes:
        raise ValueError("tessellation edges do not come as closed triangles")
    return triples[:, :, 0].copy()


def _loop_with(loops: list[np.ndarray], point: int) -> np.ndarray:
    return next(loop for loop in loops if point in loop)


@cache
def mediapipe478() -> FaceTopology:
    """MediaPipe's face mesh (478 points: 468 mesh vertices and 10 iris points)."""
    lips = closed_loops(pairs(mp.LIPS))
    lines = {
        "oval": pairs(mp.FACE_OVAL),
        "brows": np.vstack([pairs(mp.LEFT_EYEBROW), pairs(mp.RIGHT_EYEBROW)]),
        "eyes": np.vstack([pairs(mp.LEFT_EYE), pairs(mp.RIGHT_EYE)]),
        "nose": pairs(mp.NOSE),
        "lips": pairs(mp.LIPS),
        "irises": np.vstack([pairs(mp.LEFT_IRIS), pairs(mp.RIGHT_IRIS)]),
    }
    return FaceTopology(
        points=478,
        lines=lines,
        outline=closed_loops(lines["oval"])[0],
        eyes=(closed_loops(pairs(mp.RIGHT_EYE))[0], closed_loops(pairs(mp.LEFT_EYE))[0]),
        outer_lips=_loop_with(lips, 61),  # 61 / 78: the right mouth corner, outer / inner
        inner_lips=_loop_with(lips, 78),
        triangles=edge_triangles(pairs(mp.TESSELATION)),
        forehead=np.zeros(0, dtype=np.int64),
    )


def _chain(first: int, last: int, closed: bool = False) -> np.ndarray:
    """Pairs joining points ``first..last`` in order (and ``last`` back to ``first``)."""
    idx = np.arange(first, last + 1)
    ends = np.r_[idx[1:], idx[:1]] if closed else idx[1:]
    return np.column_stack([idx[: len(ends)], ends])


@cache
def dlib68() -> FaceTopology:
    """dlib's 68 points: jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, lips 48-67."""
    lines = {
        "oval": _chain(0, 16),
        "brows": np.vstack([_chain(17, 21), _chain(22, 26)]),
        "eyes": np.vstack([_chain(36, 41, closed=True), _chain(42, 47, closed=True)]),
        "nose": np.vstack([_chain(27, 30), _chain(31, 35), [[30, 33]]]),
        "lips": np.vstack([_chain(48, 59, closed=True), _chain(60, 67, closed=True)]),
    }
    outline = np.r_[np.arange(0, 17), np.arange(26, 16, -1)]  # jaw, then back over the brows
    return FaceTopology(
        points=68,
        lines=lines,
        outline=outline,
        eyes=(np.arange(36, 42), np.arange(42, 48)),
        outer_lips=np.arange(48, 60),
        inner_lips=np.arange(60, 68),
        triangles=np.zeros((0, 3), dtype=np.int64),
        forehead=np.arange(17, 27),
    )


def topology_for(points: int) -> FaceTopology | None:
    """The topology of a face with ``points`` landmarks; ``None`` for an unknown layout."""
    if points == 478:
        return mediapipe478()
    if points == 68:
        return dlib68()
    return None
