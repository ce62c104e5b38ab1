"""Editing an iFacialMocap listener while streaming: the real engine on the demo voice, a real
client on loopback playing the receiving PC (VSeeFace), and a VMC target that must not notice."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from talkrig.app.live_targets import LiveTargets
from talkrig.app.settings import DEMO_DEVICE
from talkrig.app.stream import StreamSession
from talkrig.bridge.audio.sources import FileSource, demo_path
from talkrig.bridge.engine import Engine
from talkrig.bridge.senders import recorders
from talkrig.bridge.senders.ifacialmocap import TRIGGER, V2_SUFFIX
from talkrig.models.loader import load_model
from talkrig.models.registry import DEFAULT_MODEL, Registry
from tests.app.conftest import drain, free_udp_port, loopback_udp
from tests.bridge.write_faults import ENOSPC, FullDisk
from tests.helpers import wait_until


def got(sock: socket.socket, needle: bytes) -> Callable[[], bool]:
    return lambda: any(needle in d for d in drain(sock))


def test_an_edited_listener_rebinds_its_port_and_the_other_target_keeps_sending(
    receivers: list[socket.socket],
) -> None:
    vmc_rx, client, reply = receivers  # VMC receiver, iFacialMocap client, its reply port
    port = free_udp_port()
    vmc = f"vmc://127.0.0.1:{vmc_rx.getsockname()[1]}"
    old = f"ifacialmocap://?listen={port}"
    new = f"ifacialmocap://?listen={port}&reply_port={reply.getsockname()[1]}"
    session = StreamSession(Registry(), DEMO_DEVICE, DEFAULT_MODEL, None, [vmc, old])
    try:
        assert session.target_errors == []
        client.sendto(TRIGGER, ("127.0.0.1", port))
        wait_until(got(client, b"eyeBlink_L-"))  # v1 frames back to the trigger's port
        kept = session.targets.senders[0]
        sent = kept.state().frames_sent

        assert session.set_targets([vmc, new]) == []  # the port was freed before the rebind

        assert [s.spec for s in session.targets.senders] == [vmc, new]
        assert session.targets.senders[0] is kept and not session.engine.finished.is_set()
        client.sendto(TRIGGER + V2_SUFFIX, ("127.0.0.1", port))
        wait_until(got(reply, b"eyeBlink_L&"))  # the new listener answers, v2, to reply_port
        wait_until(lambda: kept.state().frames_sent > sent + 3)
        assert kept.state().errors == 0
        wait_until(got(vmc_rx, b"/VMC/Ext/Blend/Val"))
    finally:
        session.stop()
    assert session.targets.senders == []


def test_a_target_that_could_not_open_runs_once_its_port_is_free(
    udp_receiver: socket.socket,
) -> None:
    busy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    busy.bind(("0.0.0.0", 0))
    spec = f"ifacialmocap://?listen={busy.getsockname()[1]}"
    vmc = f"vmc://127.0.0.1:{udp_receiver.getsockname()[1]}"
    live, patient = LiveTargets(retry_s=0.0), LiveTargets(retry_s=3600.0)
    try:
        errors = live.update([vmc, spec])
        assert len(errors) == 1 and "in use" in errors[0] and live.failed == {spec: errors[0]}
        assert patient.update([spec]) == errors
        kept = live.senders[0]
        assert live.retry_failed() == [] and list(live.failed) == [spec]  # still taken
        busy.close()
        assert patient.retry_failed() == []  # not due yet: tries are paced
        assert live.retry_failed() == [spec]
        assert [s.spec for s in live.senders] == [vmc, spec] and live.senders[0] is kept
        assert live.failed == {} and live.retry_failed() == []
    finally:
        live.close()
        patient.close()
        busy.close()


def test_a_recorder_whose_disk_fills_ends_the_stream_like_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's engine holds one LiveTargets: a recorder's fatal state inside it must end the
    run with the recorder's one line, as the CLI's engine does for its own targets."""
    opened = recorders.open_new_file

    def filling(path: Path) -> tuple[Path, Any]:
        real, raw = opened(path)
        return real, FullDisk(raw, room=5_000)  # a few rows, then ENOSPC

    monkeypatch.setattr(recorders, "open_new_file", filling)
    take = tmp_path / "take.csv"
    rx = loopback_udp()
    vmc = f"vmc://127.0.0.1:{rx.getsockname()[1]}"
    targets = LiveTargets()
    assert targets.update([vmc, f"csv:{take}"]) == []
    with load_model("baseline-energy-blendshapes", providers="cpu") as model:
        engine = Engine(FileSource(demo_path(), realtime=False), model, [targets])
        engine.start()
        try:
            assert engine.wait(30.0)
        finally:
            engine.stop()
    assert engine.error == f"cannot write {take}: {ENOSPC}"
    assert targets.fatal == engine.error
    assert drain(rx)  # the other target had been sending until then
    rows = take.read_text().splitlines()
    assert 1 < len(rows) < 100 and all(r.count(",") == rows[0].count(",") for r in rows)
