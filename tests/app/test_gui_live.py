"""Live controls in the window: Unity-announced avatars, input gain, target edits, all while
the real engine streams the demo voice to real UDP receivers."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from talkrig.app.main_window import MainWindow
from talkrig.app.settings import DEMO_DEVICE, SettingsStore, TargetSetting
from talkrig.app.target_words import state_text
from talkrig.app.widgets.targets import PROBLEM_COLOUR, SendRates
from talkrig.app.window_layout import WINDOW_SIZE
from talkrig.bridge.announce import AnnounceListener
from talkrig.bridge.engine_base import EngineKind
from talkrig.bridge.senders.base import SenderState
from talkrig.bridge.senders.ifacialmocap import TRIGGER, V2_SUFFIX
from talkrig.bridge.server import ServerConfig, StreamServer
from talkrig.models.loader import load_model
from talkrig.models.registry import DEFAULT_MODEL, SHIPPED_DIR, Registry
from tests.app.conftest import drain, free_udp_port
from tests.app.test_gui_window import MIC, WAIT_MS, _log, _select
from tests.bridge.test_announce import announcement


@pytest.fixture
def announcer() -> Iterator[AnnounceListener]:
    with AnnounceListener(port=0) as listener:
        yield listener


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, announcer: AnnounceListener) -> Iterator[MainWindow]:
    win = MainWindow(
        SettingsStore(tmp_path / "config"), Registry([SHIPPED_DIR]), lambda r: [MIC], announcer
    )
    qtbot.addWidget(win)
    win.targets.set_targets(())
    _select(win, "device_box", DEMO_DEVICE)
    yield win
    win.close()
    assert win.session is None


def port_of(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


def received(sock: socket.socket, needle: bytes) -> Callable[[], bool]:
    return lambda: any(needle in d for d in drain(sock))


def test_announced_avatar_is_offered_and_drives_a_new_unity_target(
    window: MainWindow, announcer: AnnounceListener, receivers: list[socket.socket],
    qtbot: QtBot,
) -> None:  # fmt: skip
    unity = receivers[0]
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sender.sendto(b"garbage", announcer.address)
        sender.sendto(announcement(port_of(unity), "hero", "villain"), announcer.address)
        qtbot.waitUntil(lambda: announcer.received == 1, timeout=WAIT_MS)
    finally:
        sender.close()
    window.refresh_avatars()
    labels = [window.avatar_box.itemText(i) for i in range(window.avatar_box.count())]
    assert f"Unity: villain @ {port_of(unity)}" in labels
    assert announcer.garbage == 1
    assert window.start()
    _select(window, "avatar_box", f"{port_of(unity)}/villain")
    assert window.targets.enabled_specs() == [f"unity://127.0.0.1:{port_of(unity)}"]
    qtbot.waitUntil(received(unity, b"villain"), timeout=WAIT_MS)  # added while streaming
    window.targets.set_enabled(0, False)
    _select(window, "avatar_box", f"{port_of(unity)}/hero")  # re-enables, adds nothing
    assert window.targets.enabled_specs() == [f"unity://127.0.0.1:{port_of(unity)}"]
    qtbot.waitUntil(received(unity, b"hero"), timeout=WAIT_MS)
    assert window.current_settings().avatar == "hero"


def test_gain_moves_the_meter_and_the_engine(window: MainWindow, qtbot: QtBot) -> None:
    assert window.start()
    session = window.session
    assert session is not None
    qtbot.waitUntil(lambda: window.level.db > -40, timeout=WAIT_MS)
    window.gain_box.setValue(-20.0)
    assert session.engine.options.gain_db == -20.0
    loud = window.level.db
    qtbot.waitUntil(lambda: window.level.db < loud - 10, timeout=WAIT_MS)
    assert window.current_settings().gain_db == -20.0


def test_editing_a_target_while_streaming_swaps_only_that_one(
    window: MainWindow, receivers: list[socket.socket], qtbot: QtBot
) -> None:
    a, b, c = receivers
    for sock in (a, b):
        assert window.targets.add(f"vmc://127.0.0.1:{port_of(sock)}")
    assert window.start()
    session = window.session
    assert session is not None
    qtbot.waitUntil(lambda: len(drain(a)) > 0 and len(drain(b)) > 0, timeout=WAIT_MS)
    kept = session.targets.senders[0]
    assert window.targets.set_spec(1, f"vmc://127.0.0.1:{port_of(c)}")
    assert window.session is session and not session.engine.finished.is_set()
    assert [s.spec for s in session.targets.senders] == [
        f"vmc://127.0.0.1:{port_of(a)}",
        f"vmc://127.0.0.1:{port_of(c)}",
    ]
    assert session.targets.senders[0] is kept
    qtbot.waitUntil(lambda: len(drain(c)) > 0, timeout=WAIT_MS)
    drain(b)
    sent = kept.state().frames_sent
    qtbot.waitUntil(lambda: kept.state().frames_sent > sent + 3, timeout=WAIT_MS)
    assert drain(b) == []  # the edited-away target gets nothing more
    assert not window.targets.set_spec(1, "carrier-pigeon://roof")  # refused, text restored
    assert "carrier-pigeon" in _log(window)
    assert window.targets.targets()[1].spec == f"vmc://127.0.0.1:{port_of(c)}"
    window.targets.table.item(0, 0).setCheckState(Qt.CheckState.Unchecked)
    assert [s.spec for s in session.targets.senders] == [f"vmc://127.0.0.1:{port_of(c)}"]


def test_editing_an_ifacialmocap_listener_while_streaming_keeps_its_port(
    window: MainWindow, receivers: list[socket.socket], qtbot: QtBot
) -> None:
    vmc_rx, client, reply = receivers
    port = free_udp_port()
    assert window.targets.add(f"vmc://127.0.0.1:{port_of(vmc_rx)}")
    assert window.targets.add(f"ifacialmocap://?listen={port}")
    assert window.start()
    session = window.session
    assert session is not None
    client.sendto(TRIGGER, ("127.0.0.1", port))
    qtbot.waitUntil(received(client, b"eyeBlink_L-"), timeout=WAIT_MS)
    kept = session.targets.senders[0]
    sent = kept.state().frames_sent
    new = f"ifacialmocap://?listen={port}&reply_port={port_of(reply)}"
    assert window.targets.set_spec(1, new), _log(window)  # not refused as "port in use"
    assert [s.spec for s in session.targets.senders][1] == new
    client.sendto(TRIGGER + V2_SUFFIX, ("127.0.0.1", port))
    qtbot.waitUntil(received(reply, b"eyeBlink_L&"), timeout=WAIT_MS)
    assert session.targets.senders[0] is kept and window.session is session
    qtbot.waitUntil(lambda: kept.state().frames_sent > sent + 3, timeout=WAIT_MS)
    assert "in use" not in _log(window)


def test_a_target_nobody_listens_on_shows_its_error_first(window: MainWindow, qtbot: QtBot) -> None:
    spec = f"vmc://127.0.0.1:{free_udp_port()}"  # nothing there: every send is refused
    assert window.targets.add(spec)
    assert window.start()
    qtbot.waitUntil(lambda: window.targets.has_problem(0), timeout=WAIT_MS)
    text = window.targets.state_text(0)
    port = spec.rsplit(":", 1)[1]
    reason = f"nothing is listening on 127.0.0.1:{port} — is VSeeFace's VMC receiver on?"
    assert text.startswith(f"⚠ {reason} (") and text.endswith(" sent)")
    assert "Error" not in text and "Errno" not in text
    assert window.targets.table.item(0, 1).toolTip() == text  # the full text, however narrow
    assert window.targets.table.item(0, 1).foreground().color().name() == PROBLEM_COLOUR
    assert re.search(rf"\d\d:\d\d:\d\d  {re.escape(spec)}: {re.escape(reason)}", _log(window))
    assert _log(window).count(reason) == 1  # a lasting state is said once, not every tick
    window.stop()
    assert window.targets.state_text(0) == "not running"
    assert not window.targets.has_problem(0)


def test_a_target_whose_port_is_taken_shows_why_and_runs_once_it_is_free(
    window: MainWindow, qtbot: QtBot
) -> None:
    busy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    busy.bind(("0.0.0.0", 0))
    spec = f"ifacialmocap://?listen={port_of(busy)}"
    try:
        window.targets.set_targets([TargetSetting(spec)])  # as restored from settings
        assert window.start()
        taken = f"UDP port {port_of(busy)} here is taken by another program"
        assert window.targets.state_text(0).startswith(f"⚠ {taken}")
        assert f"{spec}: {taken}" in _log(window) and "Errno" not in _log(window)
    finally:
        busy.close()  # the other program lets go of the port
    qtbot.waitUntil(lambda: " sent" in window.targets.state_text(0), timeout=WAIT_MS)
    assert f"target {spec!r} runs now" in _log(window)
    assert window.session is not None
    assert [s.spec for s in window.session.targets.senders] == [spec]


def test_state_text_leads_with_an_error_only_while_it_lasts() -> None:
    def state(errors: int, ok: bool) -> SenderState:
        return SenderState("vmc://h:1", 7, errors, "OSError: boom" if errors else None, 1.0, ok)

    assert state_text(state(0, True)) == "7 frames sent"
    assert state_text(state(0, True), 24.6) == "25 frames/s, 7 sent"
    assert state_text(state(2, False), 0.0) == "⚠ boom (0 frames/s, 7 sent)"
    assert state_text(state(2, False)) == "⚠ boom (7 frames sent)"
    assert state_text(state(2, True)) == "7 frames sent (earlier: boom)"


def test_the_first_size_fits_a_small_or_scaled_screen(window: MainWindow) -> None:
    free = window.screen().availableGeometry()  # offscreen: 800 px wide, less than the default
    assert free.width() < WINDOW_SIZE[0]
    assert window.width() <= free.width() and window.height() <= free.height()


def test_send_rates_are_counted_over_whole_windows() -> None:
    def sent(frames: int, spec: str = "vmc://h:1") -> SenderState:
        return SenderState(spec, frames, 0, None, None, True)

    rates = SendRates()
    assert rates.rate(sent(0), 10.0) is None  # the first count only marks the start
    assert rates.rate(sent(10), 10.5) is None  # half a window: not yet
    assert rates.rate(sent(25), 11.0) == 25.0
    assert rates.rate(sent(30), 11.5) == 25.0  # held until the next whole window
    assert rates.rate(sent(3), 12.0) is None  # reopened: its count started again
    assert rates.rate(sent(0, "unity://h:2"), 12.0) is None
    rates.keep_only(["unity://h:2"])
    assert rates.rate(sent(28), 13.0) is None  # forgotten, so it starts over
    assert rates.rate(sent(50, "unity://h:2"), 14.0) == 25.0


def test_no_announcer_still_offers_default(qtbot: QtBot, tmp_path: Path) -> None:
    win = MainWindow(SettingsStore(tmp_path), Registry([SHIPPED_DIR]), lambda r: [MIC])
    qtbot.addWidget(win)
    assert win.avatar_box.count() == 1 and win.avatar_box.currentData() == "default"
    assert not win.announce_timer.isActive()
    win.close()


def test_remote_engine_choice_streams_and_shows_the_connection(
    window: MainWindow, receivers: list[socket.socket], qtbot: QtBot
) -> None:
    with load_model(DEFAULT_MODEL, providers="cpu") as model:
        server = StreamServer(model, ServerConfig(port=0))
        server.start()
        try:
            url = f"ws://127.0.0.1:{server.port}"
            window.engine_choice.set_values(EngineKind.REMOTE, url)
            assert window.engine_choice.url_edit.isEnabled()
            assert window.targets.add(f"vmc://127.0.0.1:{port_of(receivers[0])}")
            assert window.start(), _log(window)
            qtbot.waitUntil(lambda: len(drain(receivers[0])) > 0, timeout=WAIT_MS)
            qtbot.waitUntil(
                lambda: f"remote {url}: connected" in window.provider_label.text(),
                timeout=WAIT_MS,
            )
            server.stop()
            qtbot.waitUntil(lambda: "reconnects" in window.provider_label.text(), timeout=WAIT_MS)
            assert window.session is not None  # the app keeps trying, it does not give up
        finally:
            window.stop()
            server.stop()
    saved = window.current_settings()
    assert (saved.engine, saved.server) == (EngineKind.REMOTE, url)
    window.engine_choice.set_values("nonsense", url)
    assert window.engine_choice.remote() is None  # unknown mode → local
