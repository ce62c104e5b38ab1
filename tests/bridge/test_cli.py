"""The command line: real runs on real files, and one clear error for each kind of bad input."""

from __future__ import annotations

import csv
import json
import socket
from pathlib import Path

import pytest

from talkrig.bridge.cli import main
from talkrig.bridge.livelink_csv import HEADER
from talkrig.models.builders import build_test_model, make_card
from talkrig.models.contract import Representation
from talkrig.models.registry import DEFAULT_MODEL


def one_error(capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    """The run printed exactly one error line, containing every needle."""
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "error" in line]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_run_streams_the_demo_to_a_recorder_and_writes_a_report(tmp_path: Path) -> None:
    rec, report = tmp_path / "face.jsonl", tmp_path / "report.json"
    code = main(["run", "--source", "demo", "--fast", "--target", f"jsonl:{rec}",
                 "--report", str(report), "--quiet", "--seed", "1"])  # fmt: skip
    assert code == 0
    rows = [json.loads(line) for line in rec.read_text().splitlines()]
    data = json.loads(report.read_text())
    assert data["model"] == DEFAULT_MODEL
    assert data["metrics"]["frames"] == len(rows) > 150
    assert data["metrics"]["skipped"] == 0
    assert data["targets"][0]["frames_sent"] == len(rows)
    assert [r["sequence"] for r in rows] == list(range(len(rows)))


def test_infer_writes_one_row_per_frame_in_the_live_link_layout(tmp_path: Path) -> None:
    from talkrig.bridge.audio.sources import demo_path

    out = tmp_path / "take.csv"
    assert main(["infer", str(demo_path()), "--out", str(out), "--format", "livelink",
                 "--quiet"]) == 0  # fmt: skip
    with out.open() as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == HEADER
    assert len(rows) - 1 > 150
    assert {len(r) for r in rows} == {len(HEADER)}


def test_infer_csv_for_a_landmark_model(tmp_path: Path) -> None:
    from talkrig.bridge.audio.sources import demo_path

    out = tmp_path / "marks.csv"
    code = main(["infer", str(demo_path()), "--out", str(out),
                 "--model", "baseline-energy-landmarks3d", "--quiet"])  # fmt: skip
    assert code == 0
    header = out.read_text().splitlines()[0].split(",")
    assert "z477" in header


@pytest.mark.parametrize(
    ("target", "needle"),
    [
        ("ftp://127.0.0.1:21", "ftp"),
        ("vmc://127.0.0.1:99999", "99999"),
        ("vmc://127.0.0.1:abc", "vmc://127.0.0.1:abc"),
        ("csv:/no/such/folder/x.csv", "/no/such/folder"),
    ],
)
def test_bad_target_is_one_clear_error(
    target: str, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--source", "demo", "--target", target]) == 2
    one_error(capsys, needle)


def test_listening_port_in_use_is_one_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("0.0.0.0", 0))
        port = taken.getsockname()[1]
        code = main(["run", "--source", "demo", "--target", f"ifacialmocap://?listen={port}"])
    assert code == 2
    one_error(capsys, str(port))


@pytest.mark.parametrize("content", [b"", b"\x00garbage\xff" * 200])
def test_corrupt_or_empty_audio_file_is_one_clear_error(
    content: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(content)
    assert main(["run", "--source", str(bad), "--target", "csv:" + str(tmp_path / "o.csv")]) == 2
    one_error(capsys, "bad.wav")


def test_non_onnx_and_card_less_models_are_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"this is not a model" * 50)
    assert main(["infer", "x.wav", "--out", str(tmp_path / "o.csv"), "--model", str(junk)]) == 2
    one_error(capsys, "junk.onnx")
    bare = tmp_path / "bare.onnx"
    card = make_card("bare", Representation.BLENDSHAPES, architecture="t", training_data="t")
    build_test_model(bare, card, with_card=False)
    code = main(["run", "--source", "demo", "--model", str(bare), "--target",
                 "csv:" + str(tmp_path / "o.csv")])  # fmt: skip
    assert code == 2
    one_error(capsys, "bare.onnx", "card")


def test_unknown_model_name_lists_the_available_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", "--source", "demo", "--model", "no-such-model",
                 "--target", "csv:" + str(tmp_path / "o.csv")])  # fmt: skip
    assert code == 2
    one_error(capsys, "no-such-model", DEFAULT_MODEL)


def test_wrong_device_name_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", "--source", "No Such Microphone 9000",
                 "--target", "csv:" + str(tmp_path / "o.csv")])  # fmt: skip
    assert code == 2
    one_error(capsys, "No Such Microphone 9000")


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--source", "demo"],  # no target
        ["run", "--source", "demo", "--target", "jsonl:never-written.jsonl", "--duration", "-1"],
        ["run", "--source", "demo", "--target", "jsonl:never-written.jsonl", "--threads", "0"],
        ["run", "--source", "demo", "--target", "jsonl:never-written.jsonl", "--duration", "abc"],
    ],
)
def test_nonsense_arguments_exit_2_with_usage_and_leave_no_file(
    args: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    assert "error:" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # the recorder target was never opened


def test_models_lists_every_shipped_model_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    names = {r["name"] for r in rows}
    assert DEFAULT_MODEL in names
    assert {"baseline-energy-landmarks2d", "baseline-energy-landmarks3d"} <= names


def test_serve_beyond_loopback_without_a_token_is_one_clear_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    one_error(capsys, "token")


def test_run_through_a_server_delivers_frames_to_local_targets(tmp_path: Path) -> None:
    from talkrig.bridge.server import ServerConfig, StreamServer
    from talkrig.models.loader import load_model

    rec = tmp_path / "remote.jsonl"
    with (
        load_model(DEFAULT_MODEL, providers="cpu") as model,
        StreamServer(model, ServerConfig(port=0)) as server,
    ):
        code = main(["run", "--source", "demo", "--server", f"ws://127.0.0.1:{server.port}",
                     "--duration", "1.5", "--target", f"jsonl:{rec}", "--quiet"])  # fmt: skip
    assert code == 0
    rows = [json.loads(line) for line in rec.read_text().splitlines()]
    assert len(rows) >= 25
    seq = [r["sequence"] for r in rows]
    assert seq == sorted(seq)


def test_bench_passes_its_options_through(capsys: pytest.CaptureFixture[str]) -> None:
    # argparse's REMAINDER would refuse `talkrig bench --models …` (a leading --option)
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--models", "x", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--realtime" in out and "--hour" in out  # the benchmark's own options


def test_an_unknown_option_of_any_other_command_is_still_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["models", "--bogus"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err
