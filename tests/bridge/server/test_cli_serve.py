"""``talkrig serve`` as a real child process and ``talkrig run --server`` at accelerated pace."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from websockets.asyncio.client import connect

from talkrig.bridge.audio.sources import decode_file
from talkrig.bridge.offline import infer_audio
from talkrig.bridge.post.chain import PostConfig
from talkrig.bridge.server import StreamServer
from talkrig.commands.cli import main
from talkrig.models import arkit
from talkrig.models.loader import Model

from .helpers import WAIT_S, closed_with, serve_process, url

SEED = 5


@pytest.fixture
def clip(write_wav: Callable[[np.ndarray, str], Path], speech: np.ndarray) -> Path:
    return write_wav(speech[: 3 * 16_000], "speech.wav")


def test_fast_file_through_serve_without_a_speed_limit(
    clip: Path, tmp_path: Path, model: Model
) -> None:
    rec, report = tmp_path / "face.jsonl", tmp_path / "report.json"
    with serve_process(
        "--max-speed", "0", "--seed", str(SEED), "--provider", "cpu",
        "--model", "baseline-energy-blendshapes",
    ) as port:  # fmt: skip
        code = main(["run", "--fast", "--source", str(clip), "--server",
                     f"ws://127.0.0.1:{port}", "--target", f"jsonl:{rec}",
                     "--report", str(report), "--quiet"])  # fmt: skip
    assert code == 0
    data = json.loads(report.read_text())
    assert data["error"] is None
    offline = list(infer_audio(decode_file(clip), model, PostConfig(seed=SEED)))
    rows = [json.loads(line) for line in rec.read_text().splitlines()]
    assert [r["sequence"] for r in rows] == [f.sequence for f in offline]
    assert data["metrics"]["frames"] == len(offline) and data["metrics"]["skipped"] == 0
    got = np.array([[r["blendshapes"][n] for n in arkit.NAMES] for r in rows])
    want = np.array([f.blendshapes for f in offline])
    np.testing.assert_allclose(got, want, atol=2e-6)  # the recorder keeps 6 decimals


def test_fast_file_over_the_default_speed_limit_is_one_clear_error(
    start_server: Callable[..., StreamServer],
    clip: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = start_server()  # the default limit: a few times real time
    code = main(["run", "--fast", "--loop", "--duration", "60", "--source", str(clip),
                 "--server", f"ws://127.0.0.1:{server.port}",
                 "--target", f"jsonl:{tmp_path / 'face.jsonl'}", "--quiet"])  # fmt: skip
    assert code == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert len(errors) == 1
    assert "rate limit" in errors[0] and "--max-speed" in errors[0]


def test_serve_help_names_the_new_limits(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    assert "--idle-timeout" in out and "--max-messages" in out


def test_serve_closes_an_idle_client_after_idle_timeout() -> None:
    async def silent(port: int) -> tuple[int | None, str]:
        async with connect(url(port), open_timeout=WAIT_S) as ws:
            await ws.recv()
            return await closed_with(ws)

    with serve_process(
        "--idle-timeout", "0.5", "--provider", "cpu", "--model", "baseline-energy-blendshapes"
    ) as port:
        code, reason = asyncio.run(silent(port))
    assert code == 1001 and "--idle-timeout" in reason
