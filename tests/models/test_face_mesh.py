"""Face topologies: MediaPipe's mesh as stored (contours, 852 triangles) and dlib's 68 points."""

from __future__ import annotations

import numpy as np
import pytest

from talkrig.models import face_mesh_data as mp
from talkrig.models.face_mesh import (
    closed_loops,
    dlib68,
    edge_triangles,
    mediapipe478,
    pairs,
    topology_for,
)


def test_mediapipe_mesh_has_its_contours_loops_and_triangles() -> None:
    mesh = mediapipe478()
    assert mesh.points == 478
    assert set(mesh.lines) == {"oval", "brows", "eyes", "nose", "lips", "irises"}
    assert mesh.triangles.shape == (852, 3)  # MediaPipe's canonical face mesh
    assert set(np.unique(mesh.triangles)) == set(range(468))  # every mesh vertex, no iris
    assert len(mesh.outline) == 36 and mesh.outline[0] == 10  # forehead top, round the face
    # the lips: an outer ring through the corners 61/291 and an inner one through 78/308
    assert {61, 291, 0, 17} <= set(mesh.outer_lips.tolist()) and len(mesh.outer_lips) == 20
    assert {78, 308, 13, 14} <= set(mesh.inner_lips.tolist()) and len(mesh.inner_lips) == 20
    assert not set(mesh.outer_lips.tolist()) & set(mesh.inner_lips.tolist())
    assert 33 in mesh.eyes[0] and 263 in mesh.eyes[1]  # the subject's right eye, then left
    for edges in mesh.lines.values():
        assert edges.min() >= 0 and edges.max() < 478


def test_dlib_topology_covers_the_68_points_and_lifts_only_the_brows() -> None:
    face = dlib68()
    drawn = set(np.unique(np.vstack(list(face.lines.values()))).tolist())
    assert drawn == set(range(68))
    assert face.triangles.shape == (0, 3)
    assert face.forehead.tolist() == list(range(17, 27))
    assert set(face.outline.tolist()) == set(range(27))


def test_unknown_layouts_have_no_topology() -> None:
    assert topology_for(478) is mediapipe478()
    assert topology_for(68) is dlib68()
    assert topology_for(468) is None and topology_for(5) is None


def test_loops_follow_the_edges_and_refuse_a_non_loop() -> None:
    loops = closed_loops(pairs([1, 2, 2, 3, 3, 1, 7, 8, 8, 9, 9, 10, 10, 7]))
    assert [loop.tolist() for loop in loops] == [[1, 2, 3], [7, 8, 9, 10]]
    with pytest.raises(ValueError, match="closed loops"):
        closed_loops(pairs([1, 2, 2, 3]))  # an open chain
    with pytest.raises(ValueError, match="closed loops"):
        closed_loops(pairs([1, 2, 1, 3, 1, 4, 2, 3]))  # a branch


def test_triangles_come_from_edge_triples_and_garbage_is_refused() -> None:
    assert edge_triangles(pairs([4, 5, 5, 6, 6, 4])).tolist() == [[4, 5, 6]]
    with pytest.raises(ValueError, match="whole triangles"):
        edge_triangles(pairs([4, 5, 5, 6]))
    with pytest.raises(ValueError, match="closed triangles"):
        edge_triangles(pairs([4, 5, 5, 6, 7, 4]))
    # the stored tessellation is whole, closed triples
    assert len(mp.TESSELATION) == 2 * 2556
