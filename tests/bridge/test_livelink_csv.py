"""The Live Link Face CSV take layout (not the UDP order)."""

from __future__ import annotations

import csv
import io

import numpy as np

from talkrig.bridge import livelink_csv
from talkrig.models import arkit


def test_header_swaps_left_right_for_jaw_and_mouth_only() -> None:
    h = livelink_csv.HEADER
    assert h[:2] == ("Timecode", "BlendShapeCount")
    assert len(h) == 2 + 52 + 9
    assert h.index("JawRight") < h.index("JawLeft")
    assert h.index("MouthRight") < h.index("MouthLeft")
    assert h.index("EyeBlinkLeft") < h.index("EyeBlinkRight")
    assert h[-1] == "RightEyeRoll" and h[2 + 51] == "TongueOut"


def test_rows_put_each_value_under_its_own_name() -> None:
    values = np.arange(52, dtype=np.float32) / 100.0
    buf = io.StringIO()
    assert livelink_csv.write(buf, [(1.0, values)]) == 1
    row = next(csv.DictReader(io.StringIO(buf.getvalue())))
    for i, name in enumerate(arkit.NAMES):
        assert float(row[arkit.pascal(name)]) == round(float(values[i]), 6)
    assert row["BlendShapeCount"] == "61"
    assert row["Timecode"] == "00:00:01:00.000"


def test_timecode_counts_frames_without_float_drift() -> None:
    assert livelink_csv.timecode(3725.52) == "01:02:05:13.000"
    assert livelink_csv.timecode(0.02) == "00:00:00:00.500"


def test_non_finite_values_are_written_as_zero() -> None:
    values = np.full(52, 0.5, np.float32)
    values[[0, 1, 2]] = (np.nan, np.inf, -np.inf)
    buf = io.StringIO()
    livelink_csv.write(buf, [(0.0, values)])
    text = buf.getvalue().lower()
    assert "nan" not in text and "inf" not in text
    row = next(csv.DictReader(io.StringIO(buf.getvalue())))
    assert row["EyeBlinkLeft"] == "0.000000"
