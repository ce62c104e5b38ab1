"""bench/same_weights.py: the check that a retrained model reproduces a shipped one."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from talkrig.models.registry import SHIPPED_DIR

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "same_weights.py"


def _run(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, files)], capture_output=True, text=True, timeout=60
    )


def test_a_copy_is_identical_and_another_model_is_not(tmp_path: Path) -> None:
    neutral = SHIPPED_DIR / "talkrig-neutral.onnx"
    copy = tmp_path / "rebuilt.onnx"
    shutil.copyfile(neutral, copy)
    same = json.loads(_run(copy, neutral).stdout)
    assert same["identical"] is True and same["max abs difference"] == 0.0
    # two means of two log-Mel networks share their weights' names (m0_…, m1_…) and not values
    emotional = SHIPPED_DIR / "talkrig-emotional.onnx"
    other = json.loads(_run(emotional, SHIPPED_DIR / "talkrig-lowlatency.onnx").stdout)
    assert other["identical"] is False and other["max abs difference"] > 0.0


@pytest.mark.parametrize("content", [b"", b"not a model", b"\x00" * 64])
def test_garbage_is_one_error_line(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(content)
    out = _run(bad, SHIPPED_DIR / "talkrig-neutral.onnx")
    assert out.returncode == 2
    assert out.stderr.startswith("same_weights: ") and len(out.stderr.splitlines()) == 1
