"""The command line: real runs on real files, and one clear error for each kind of bad input."""

from __future__ import annotations

import csv
import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from talkrig.bridge.livelink_csv import HEADER
from talkrig.commands.cli import main
from talkrig.models.builders import build_test_model, make_card
from talkrig.models.contract import Representation
from talkrig.models.registry import DEFAULT_MODEL
from tests.helpers import write_wav


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


def test_no_prosody_keeps_the_emotional_networks_own_brows(tmp_path: Path) -> None:
    from talkrig.bridge.audio.sources import demo_path

    brows = {}
    for flag in ([], ["--no-prosody"]):
        out = tmp_path / f"take{len(flag)}.csv"
        code = main(["infer", str(demo_path()), "--out", str(out), "--model",
                     "talkrig-emotional", "--quiet", "--no-blink", *flag])  # fmt: skip
        assert code == 0
        with out.open() as f:
            brows[bool(flag)] = np.array([float(r["browInnerUp"]) for r in csv.DictReader(f)])
    # the voice's accents lift the brows and let them fall back to rest between; the network's
    # own brows hover around its average (0.13 at most here) while the demo voice speaks
    down = {flag: float(np.mean(values < 0.01)) for flag, values in brows.items()}
    assert brows[False].max() > 0.3 and down[False] > 0.3
    assert brows[True].max() < 0.2 and down[True] < down[False] - 0.2


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


# -- words, not exceptions (issue 15, point 2: the CLI half) --------------------------------------
def free_port(kind: socket.SocketKind) -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_the_status_line_says_why_a_target_fails_and_what_to_switch_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = free_port(socket.SOCK_DGRAM)
    code = main(["run", "--source", "demo", "--duration", "1.2", "--seed", "1",
                 "--target", f"vmc://127.0.0.1:{port}"])  # fmt: skip
    assert code == 0
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert (
        f"[vmc://127.0.0.1:{port}: nothing is listening on 127.0.0.1:{port} — "
        "is VSeeFace's VMC receiver on?]"
    ) in last
    assert "ERR" not in err and "Errno" not in err and "nan" not in err


def test_run_with_its_server_down_says_why_retries_and_still_ends_at_duration(
    tmp_path: Path,
) -> None:
    port = free_port(socket.SOCK_STREAM)
    rec = tmp_path / "face.jsonl"
    # A child process: the old client never ended, and the timeout turns that into a failure.
    done = subprocess.run(
        [sys.executable, "-m", "talkrig.commands", "run", "--source", "demo",
         "--server", f"ws://127.0.0.1:{port}", "--duration", "1.5", "--target", f"jsonl:{rec}"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[-1] == (
        "talkrig: error: gave up at the end of the audio: nothing is listening on "
        f"127.0.0.1:{port} — is `talkrig serve` running there?"
    )
    retries = [int(n) for n in re.findall(r"reconnects=(\d+)", done.stderr)]
    assert max(retries) >= 2  # it kept trying
    assert f"[jsonl:{rec}: waiting, no frames yet]" in lines[-2]  # not "ok"
    assert "nan" not in done.stderr and "Traceback" not in done.stderr
    assert rec.read_text() == ""


ONE_PORT_MESSAGE = "is not a destination (use 1-65535)"
LISTEN_MESSAGE = "is not a port to listen on (use 1-65535, 0 = any free one)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--target", "vmc://127.0.0.1:99999"], f"port 99999 {ONE_PORT_MESSAGE}"),
        (["run", "--target", "vmc://127.0.0.1:-5"], f"port -5 {ONE_PORT_MESSAGE}"),
        (["run", "--target", "unity://127.0.0.1:abc"], f"port abc {ONE_PORT_MESSAGE}"),
        (["run", "--target", "ifacialmocap://?reply_port=0"], f"reply_port=0 {ONE_PORT_MESSAGE}"),
        (["run", "--target", "ifacialmocap://?listen=-5"], f"listen=-5 {LISTEN_MESSAGE}"),
        (["run", "--server", "ws://127.0.0.1:99999", "--target", "jsonl:x.jsonl"],
         f"port 99999 {ONE_PORT_MESSAGE}"),
        (["serve", "--port", "99999"], f"port 99999 {LISTEN_MESSAGE}"),
        (["serve", "--port", "-5"], f"port -5 {LISTEN_MESSAGE}"),
    ],
)  # fmt: skip
def test_every_bad_port_gets_the_one_port_message(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    argv = [*args, "--source", "demo"] if args[0] == "run" else args
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "out of range" not in err and "cast" not in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765", "ws://:8765", "127.0.0.1:8765"])
def test_a_server_address_that_is_not_ws_is_refused_before_anything_opens(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--source", "demo", "--server", url, "--target", "jsonl:x.jsonl"])
    assert exit_info.value.code == 2
    assert f"--server: {url!r} is not a ws://HOST:PORT address" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_file_ffmpeg_cannot_read_is_told_in_words_without_errno(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    noise = tmp_path / "take.wav"
    noise.write_bytes(b"\x00garbage\xff" * 200)
    assert main(["infer", str(noise), "--out", str(tmp_path / "o.csv")]) == 2
    line = one_error(capsys, "take.wav", "not audio or video that FFmpeg can read")
    assert "Errno" not in line and "1094995529" not in line


# -- help a person reads (issue 15, point 4) ------------------------------------------------------
COMMANDS = ["run", "serve", "infer", "render", "devices", "models", "bench", "train"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_description_and_an_example_in_its_help(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    description = out.split("\n\n")[1]  # the paragraph after the usage
    assert description[:1].isupper() and description.rstrip().endswith(".")
    assert re.search(rf"^examples?:\n  talkrig {command}\b", out, re.MULTILINE), out
    assert "``" not in out  # no reStructuredText markup


@pytest.mark.parametrize("command", ["devices", "models"])
def test_the_json_option_says_what_it_does(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert re.search(r"--json\s+print .*JSON", capsys.readouterr().out)


def test_the_top_level_help_gives_each_command_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert re.search(rf"^    {command} +\S", out, re.MULTILINE), command
    assert "examples:\n  talkrig " in out


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--source", "demo"],  # a UsageError raised by the command
        ["models", "--bogus"],  # an unknown option
        ["serve", "--port", "x"],  # argparse's own type check
        ["infer", "a.wav"],  # neither --out nor --out-dir
    ],
)
def test_a_command_s_mistake_shows_that_command_s_usage(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: talkrig {args[0]} ")
    assert f"talkrig {args[0]}: error: " in err


def test_models_names_the_folder_for_your_own_models(capsys: pytest.CaptureFixture[str]) -> None:
    from talkrig.models.registry import user_model_dir

    assert main(["models"]) == 0
    assert f"drop .onnx files into {user_model_dir()}" in capsys.readouterr().out


def test_infer_takes_several_files_into_an_out_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(0)
    one = write_wav(tmp_path / "one.wav", 0.1 * rng.standard_normal(16_000))
    two = write_wav(tmp_path / "two.wav", 0.1 * rng.standard_normal(32_000))
    (out := tmp_path / "takes").mkdir()
    assert main(["infer", str(one), str(two), "--out-dir", str(out), "--quiet"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["one.csv", "two.csv"]
    rows = {p.stem: len(p.read_text().splitlines()) - 1 for p in out.iterdir()}
    assert rows["two"] > rows["one"] > 10  # each file its own take
    err = capsys.readouterr().err
    assert f"to {out / 'one.csv'}" in err and f"to {out / 'two.csv'}" in err


def test_infer_goes_on_past_a_bad_file_and_says_which_one_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_wav(tmp_path / "good.wav", 0.1 * np.ones(16_000))
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"\x00garbage\xff" * 200)
    (out := tmp_path / "takes").mkdir()
    assert main(["infer", str(bad), str(good), "--out-dir", str(out), "--quiet"]) == 2
    one_error(capsys, "bad.wav")
    assert [p.name for p in out.iterdir()] == ["good.csv"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["a.wav", "b.wav", "--out", "x.csv"], "need --out-dir"),
        (["a.wav", "--out", "x.csv", "--out-dir", "."], "give --out FILE"),
        (["a.wav", "--out-dir", "no-such-folder"], "no-such-folder does not exist"),
        (["a.wav", "sub/a.mp3", "--out-dir", "."], "would both be written to a.csv"),
    ],
)
def test_infer_refuses_outputs_it_cannot_honour(
    args: list[str], needle: str, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(["infer", *args])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: talkrig infer ") and needle in err
    assert list(tmp_path.iterdir()) == []
