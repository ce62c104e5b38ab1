"""The shipped blendshapes → mesh map: the same map as ``talkrig-landmarks3d``; garbage refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from talkrig.models import arkit
from talkrig.models.errors import ModelError
from talkrig.models.face_map import FACE_MAP_FILE, read_face_map, shipped_face_map
from talkrig.models.loader import load_model
from talkrig.models.registry import SHIPPED_DIR


def test_the_preview_map_moves_the_mouth_as_the_landmark_model_does(speech: np.ndarray) -> None:
    # the preview draws talkrig-neutral through the map fitted on s1's training faces;
    # talkrig-landmarks3d learned s1's meshes directly (PDM): both open the same mouth
    face_map = shipped_face_map()
    with load_model("talkrig-neutral") as blend, load_model("talkrig-landmarks3d") as mesh:
        width = blend.card.window_samples
        starts = np.arange(0, len(speech) - width, 2 * blend.card.hop_samples)
        windows = np.stack([speech[s : s + width] for s in starts])
        values, points = blend(windows), mesh(windows)
    mapped = np.stack([face_map.landmarks(v) for v in values])
    assert mapped.shape == points.shape == (len(starts), 478, 3)
    gap = lambda p: p[:, 14, 1] - p[:, 13, 1]  # noqa: E731 (inner lower minus upper lip)
    assert np.ptp(gap(mapped)) > 0.01 and np.ptp(gap(points)) > 0.01  # both mouths move
    assert np.corrcoef(gap(mapped), gap(points))[0, 1] > 0.7


def test_jaw_open_drops_the_lower_lip_and_values_are_clipped() -> None:
    face_map = shipped_face_map()
    rest = face_map.landmarks(np.zeros(arkit.COUNT))
    jaw = np.zeros(arkit.COUNT)
    jaw[arkit.INDEX["jawOpen"]] = 0.2
    gap = lambda p: p[14, 1] - p[13, 1]  # noqa: E731 (inner lower minus upper lip, y down)
    assert gap(face_map.landmarks(jaw)) - gap(rest) > 0.02  # 2 % of the frame at a fifth open
    np.testing.assert_array_equal(face_map.landmarks(np.full(arkit.COUNT, -3.0)), rest)
    assert not face_map.basis.flags.writeable


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda p: None, "does not exist"),
        (lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), "unreadable"),
        (lambda p: p.write_text("neutral,basis\n1,2\n"), "unreadable"),
        (lambda p: np.savez(p, neutral=np.zeros((478, 3))), "unreadable"),
        (lambda p: np.savez(p, neutral=np.zeros(5), basis=np.zeros(5)), "neutral must be"),
        (lambda p: np.savez(p, neutral=np.zeros((68, 2)), basis=np.zeros((52, 68, 3))),
         "basis must be"),
        (lambda p: np.savez(p, neutral=np.full((68, 2), np.nan), basis=np.zeros((52, 68, 2))),
         "NaN"),
        (lambda p: np.savez(p, neutral=np.array([object()] * 3), basis=np.zeros(3)),
         "unreadable"),
    ],
    ids=["missing", "bad zip", "text", "no basis", "flat", "basis shape", "nan", "pickled"],
)  # fmt: skip
def test_garbage_maps_are_one_clear_error(tmp_path: Path, write: object, message: str) -> None:
    path = tmp_path / "map.npz"
    write(path)  # type: ignore[operator]
    with pytest.raises(ModelError, match=message) as caught:
        read_face_map(path)
    assert "map.npz" in str(caught.value)


def test_the_shipped_file_is_a_478_point_3d_map() -> None:
    face_map = read_face_map(FACE_MAP_FILE)
    assert face_map.neutral.shape == (478, 3) and face_map.basis.shape == (52, 478, 3)


def test_building_the_preview_map_from_garbage_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from talkrig.models.build_face_map import main

    out = tmp_path / "map.npz"
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "bad.onnx").write_bytes(b"\x08\x07 not a model")
    for argv in (["--map", str(tmp_path / "bad.npz")], ["--model", str(tmp_path / "bad.onnx")]):
        assert main([*argv, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("build_face_map: error:") and "bad." in err
        assert len(err.strip().splitlines()) == 1
    assert not out.exists()  # nothing half-written
    # a model without a map (the PDM landmark model) says what to use instead
    assert main(["--model", str(SHIPPED_DIR / "talkrig-landmarks3d.onnx"), "--out", str(out)]) == 2
    assert "use --map" in capsys.readouterr().err
    assert main(["--map", str(FACE_MAP_FILE), "--out", str(out)]) == 0
    np.testing.assert_array_equal(read_face_map(out).basis, read_face_map(FACE_MAP_FILE).basis)
