"""The summary helpers the benchmark scripts share (bridge/benchmark.py, bench/*.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from talkrig.bridge.benchmark import machine, percentiles, write_results


def test_percentiles_match_numpy() -> None:
    ms = np.arange(1.0, 101.0)  # 1 … 100 ms
    got = percentiles(ms)
    assert got == {
        "p50": pytest.approx(50.5),
        "p99": pytest.approx(99.01),
        "max": 100.0,
        "mean": pytest.approx(50.5),
    }


def test_percentiles_of_no_frames_are_nan_not_an_error() -> None:
    got = percentiles(np.empty(0))
    assert set(got) == {"p50", "p99", "max", "mean"}
    assert all(math.isnan(v) for v in got.values())


def test_write_results_prints_and_writes_both_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results: dict[str, Any] = {"machine": machine(), "runs": [{"streams": 2}]}

    def table(r: dict[str, Any]) -> str:
        return f"| streams | {r['runs'][0]['streams']} |\n"

    json_path, md_path = tmp_path / "r.json", tmp_path / "r.md"
    write_results(results, table, str(json_path), str(md_path))
    assert json.loads(capsys.readouterr().out) == results
    assert json.loads(json_path.read_text()) == results
    assert md_path.read_text() == "| streams | 2 |\n"
    assert results["machine"]["cpus"] >= 1


def test_write_results_without_paths_only_prints(capsys: pytest.CaptureFixture[str]) -> None:
    def table(r: dict[str, Any]) -> str:
        raise AssertionError("no --markdown: the table is not made")

    write_results({"a": 1}, table)
    assert json.loads(capsys.readouterr().out) == {"a": 1}


def test_the_engine_table_marks_a_growth_too_short_to_measure() -> None:
    """``talkrig bench --hour 5``: no RSS is taken after 60 s, so the table says "–"."""
    from talkrig.bridge.benchmark import markdown

    results = json.loads(
        (Path(__file__).resolve().parents[3] / "bench" / "results" / "engine.json").read_text()
    )
    name = next(iter(results["models"]))
    entry = results["models"][name]
    assert "accelerated" in entry
    short = {**entry, "accelerated": {**entry["accelerated"], "rss_growth_mb": None}}
    table = markdown({**results, "models": {name: short}})
    growth = next(line for line in table.splitlines() if "RSS growth" in line)
    assert growth.endswith("| – |")
    full = next(line for line in markdown(results).splitlines() if "RSS growth" in line)
    assert "–" not in full
