"""``talkrig run --server ws://HOST:PORT``: capture locally, infer on a stream server.

:class:`RemoteEngine` is a :class:`~talkrig.bridge.engine_base.BaseEngine`, like the local
:class:`~talkrig.bridge.engine.Engine`, so the CLI and the app drive either one. Threads:

- the audio source's thread only copies into a SampleRing (as in the local engine);
- the client thread (``talkrig-remote``) runs an asyncio loop: it drains the ring, resamples to
  16 kHz, sends s16le chunks of 1,024 bytes, and turns the server's frames into FaceFrames that
  it hands to the senders (which never block) and listeners;
- any other thread calls start/stop and reads ``metrics`` and :meth:`RemoteEngine.state`.

When the server goes away the client reconnects with exponential backoff; audio captured while
disconnected is dropped (a live face must not replay the past), and sequence numbers and stream
time keep increasing across reconnects, so receivers that drop stale frames keep working.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from talkrig.bridge.audio.gain import apply_gain, db_to_gain
from talkrig.bridge.audio.resample import StreamResampler
from talkrig.bridge.audio.sanitise import sanitise_into
from talkrig.bridge.audio.sources import AudioSource
from talkrig.bridge.engine_base import (
    BaseEngine,
    EngineKind,
    EngineOptions,
    FrameListener,
    RemoteState,
)
from talkrig.bridge.frame import FaceFrame, FrameTimes
from talkrig.bridge.pipeline import FrameTiming
from talkrig.bridge.senders.advice import explain_error, where
from talkrig.bridge.senders.base import Sender, TargetFailed
from talkrig.bridge.senders.ports import url_port
from talkrig.bridge.stream_protocol import (
    StreamProtocolError,
    WireFrame,
    decode_frame,
    encode_pcm,
    parse_hello,
)
from talkrig.models.contract import PAPER_CHUNK_BYTES, Representation
from talkrig.models.loader import Model

log = logging.getLogger(__name__)

POLL_S = 0.05  # the client wakes at least this often to notice stop()
OPEN_TIMEOUT_S = 5.0
BACKOFF_MIN_S = 0.25
BACKOFF_MAX_S = 8.0
DRAIN_TIMEOUT_S = 5.0  # at the end of a file, wait this long for each next frame
FATAL_CLOSE_CODES = frozenset({1003, 1008, 1009})  # the server says this client is at fault


class RemoteError(RuntimeError):
    """The server refused this client for good (bad token, protocol mismatch, policy)."""


def check_server_url(url: str) -> None:
    """Raise ValueError, in words, when ``url`` cannot be a ``talkrig serve`` address (checked
    before anything opens, so a typo is one error, not a client retrying forever)."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("ws", "wss") or not parts.hostname:
        raise ValueError(f"{url!r} is not a ws://HOST:PORT address")
    url_port(parts)  # the one port message


class RemoteEngine(BaseEngine):
    """One audio source streamed to a TalkRig server; the frames go to local senders.

    Args:
        source: not started yet; the engine starts and stops it.
        url: ``ws://host:port`` (or ``wss://``) of ``talkrig serve``.
        senders: closed on :meth:`stop`.
        options: ``profile``, ``avatar`` and ``duration_s`` apply here; the post chain runs on
            the server.
        token: sent as ``Authorization: Bearer``.
    """

    kind = EngineKind.REMOTE
    thread_name = "talkrig-remote"
    what = "remote client"
    stop_timeout_s = 2.0
    fatal_errors = (RemoteError, TargetFailed)

    def __init__(
        self,
        source: AudioSource,
        url: str,
        senders: Sequence[Sender],
        options: EngineOptions | None = None,
        listeners: Sequence[FrameListener] = (),
        token: str | None = None,
    ) -> None:
        super().__init__(source, senders, options, listeners)
        self.url = url
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.hello: dict[str, Any] | None = None
        self._lock = threading.Lock()
        self._status = "stopped"
        self._reconnects = 0
        self._last_error: str | None = None
        # Audio dropped while disconnected still counts towards ``duration_s``: a run with its
        # server down ends on time, like one that streams.
        self._dropped_s = 0.0
        # Across reconnects: frames and stream seconds of earlier sessions.
        self._sequence_base = 0
        self._stream_base = 0.0

    @property
    def model(self) -> None:
        """None: the server runs the model (:meth:`state` names it)."""
        return None

    def describe(self) -> str:
        return self.url

    def model_info(self) -> dict[str, Any]:
        hello = self.hello or {"model": {"name": None, "representation": None}}
        return {
            "model": hello["model"]["name"],
            "representation": hello["model"]["representation"],
            "provider": f"remote {self.url}",
            "remote": vars(self.state()),
        }

    def swap_model(self, model: Model) -> None:
        raise ValueError(f"{self.url}: a remote engine runs the server's model")

    def link(self) -> RemoteState:
        return self.state()

    def state(self) -> RemoteState:
        """What the client is doing now (any thread)."""
        with self._lock:
            model = self.hello["model"]["name"] if self.hello else None
            return RemoteState(self.url, self._status, self._reconnects, self._last_error, model)

    # -- the client loop (client thread) --------------------------------------------------------
    def _set(self, status: str, error: str | None = None) -> None:
        with self._lock:
            self._status = status
            if error is not None:
                self._last_error = error
            if status == "reconnecting":
                self._reconnects += 1

    def _loop(self) -> None:
        asyncio.run(self._main())

    def _ended(self) -> None:
        self._set("stopped")

    async def _main(self) -> None:
        backoff = BACKOFF_MIN_S
        while not self._stop.is_set():
            self._set("connecting")
            try:
                async with connect(
                    self.url, open_timeout=OPEN_TIMEOUT_S, additional_headers=self._headers,
                    max_size=2**20, compression=None,
                ) as ws:  # fmt: skip
                    raw = await asyncio.wait_for(ws.recv(), OPEN_TIMEOUT_S)
                    hello = parse_hello(raw)
                    with self._lock:
                        self.hello = hello
                    self._set("connected")
                    backoff = BACKOFF_MIN_S
                    if await self._session(ws, hello):
                        return
            except InvalidStatus as exc:
                code = exc.response.status_code
                if code in (401, 403):
                    raise RemoteError(f"{self.url}: the server refused the token ({code})") from exc
                if code in (429, 503):  # the server's reason: full, or this address refused
                    said = _printable(bytes(exc.response.body)) or "no reason given"
                    self._set("reconnecting", f"{where(self.url)} is busy: {said} (HTTP {code})")
                else:
                    self._set("reconnecting", f"{where(self.url)} answered HTTP {code} — is it "
                              "`talkrig serve`?")  # fmt: skip
            except InvalidURI as exc:
                raise RemoteError(f"{self.url}: not a ws:// address ({exc})") from exc
            except StreamProtocolError as exc:
                raise RemoteError(f"{self.url}: {exc}") from exc
            except ConnectionClosed as exc:
                if exc.rcvd is not None and exc.rcvd.code in FATAL_CLOSE_CODES:
                    raise RemoteError(
                        f"{self.url}: server closed the stream: {exc.rcvd.reason}"
                    ) from exc
                self._set("reconnecting", f"{self.url}: connection lost ({exc})")
            except (OSError, TimeoutError, InvalidHandshake) as exc:
                self._set("reconnecting", explain_error(self.url, f"{type(exc).__name__}: {exc}"))
            if self.source.error:
                raise RemoteError(self.source.error)
            await self._pause(backoff)
            backoff = min(2 * backoff, BACKOFF_MAX_S)
            if self._ended_offline():
                raise RemoteError(f"gave up at the end of the audio: {self.state().last_error}")

    def _ended_offline(self) -> bool:
        """While disconnected: the run's end came anyway (its duration, or the end of a file)."""
        duration = self.options.duration_s
        if duration is not None and self._stream_base + self._dropped_s >= duration:
            return True
        return self.source.finished and self._ring.unread == 0

    async def _pause(self, seconds: float) -> None:
        """Back off, dropping audio captured meanwhile; stop() cuts it short."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._stop.is_set():
            if self._ended_offline():
                return
            await asyncio.sleep(POLL_S)
            self._dropped_s += len(self._ring.read()) / self.source.rate

    async def _session(self, ws: ClientConnection, hello: dict[str, Any]) -> bool:
        """Stream until stop, the end of the source, or the duration; True when finished.

        Raises what ended the connection otherwise (the caller reconnects).
        """
        session = _Session(self, hello)
        receiver = asyncio.create_task(session.receive(ws))
        sender = asyncio.create_task(session.send(ws))
        done, _ = await asyncio.wait({receiver, sender}, return_when=asyncio.FIRST_COMPLETED)
        ended = sender in done and sender.exception() is None
        if ended and sender.result() and not receiver.done():
            await session.drain(self.url)
        for task in (receiver, sender):
            task.cancel()
        await asyncio.gather(receiver, sender, return_exceptions=True)
        self._sequence_base = session.next_sequence
        self._stream_base += session.samples_sent / session.rate
        for task in (sender, receiver):
            error = None if task.cancelled() else task.exception()
            if error is not None:
                raise error
        return ended


class _Session:
    """One connection's bookkeeping (client thread)."""

    def __init__(self, owner: RemoteEngine, hello: dict[str, Any]) -> None:
        model = hello["model"]
        self.owner = owner
        self.rate = int(model["sample_rate"])
        self.hop = int(model["hop_samples"])
        # Where the server's frames lie in the audio sent (an older server: look-ahead only).
        delay = int(hello.get("delay_samples", model["lookahead_samples"]))
        self.timing = FrameTiming(self.rate, self.hop, delay)
        self.last_sequence: int | None = None  # a file's last frame, once its end is sent
        self.shape = tuple(int(n) for n in model["output_shape"])
        self.representation = Representation(model["representation"])
        self.blend = self.representation is Representation.BLENDSHAPES
        self.resampler = StreamResampler(owner.source.rate, owner.source.channels, self.rate)
        self.samples_sent = 0
        self.next_sequence = owner._sequence_base
        self.frames = 0
        self.all_received = asyncio.Event()
        # (end sample, perf_counter, wall time) of each block read: the capture time of a window
        self._arrivals: deque[tuple[int, float, float]] = deque()

    async def send(self, ws: ClientConnection) -> bool:
        """Send audio until stop (False) or the end of the source or duration (True)."""
        owner = self.owner
        pending = b""
        while not owner._stop.is_set():
            got = await asyncio.to_thread(owner._ring.wait, POLL_S)
            ending = not got and owner.source.finished
            if owner.source.error:
                raise RemoteError(owner.source.error)
            # made finite first: a NaN sample would reach the wire as a -32768 click
            audio = self.resampler(sanitise_into(owner._ring.read(), owner.metrics))
            if ending:
                audio = np.concatenate([audio, self.resampler.flush()])
            # read per block: the app changes it live
            audio = apply_gain(audio, db_to_gain(owner.options.gain_db))
            if ending:  # silence after a file, so its frames cover it to the end (as `infer`)
                source = self.samples_sent + len(audio)
                self.last_sequence = self.timing.file_frames(source) - 1
                padding = np.zeros(self.timing.end_padding(source), np.float32)
                audio = np.concatenate([audio, padding])
            if len(audio):
                self.samples_sent += len(audio)
                self._arrivals.append((self.samples_sent, time.perf_counter(), time.time()))
                pending += encode_pcm(audio)
            finishing = ending or self._duration_reached()
            # Whole 1,024-byte chunks as the paper sends them; the rest at the very end.
            whole = len(pending) if finishing else len(pending) - len(pending) % PAPER_CHUNK_BYTES
            for start in range(0, whole, PAPER_CHUNK_BYTES):
                await ws.send(pending[start : start + PAPER_CHUNK_BYTES])
            pending = pending[whole:]
            if finishing:
                if self.frames >= self._expected():
                    self.all_received.set()
                return True
        return False

    async def drain(self, url: str) -> None:
        """Wait for the frames of the audio already sent; a loaded server may still be working
        through a queue of seconds, so give up only after DRAIN_TIMEOUT_S without a frame."""
        seen = -1
        while self.frames != seen:
            seen = self.frames
            try:
                await asyncio.wait_for(self.all_received.wait(), DRAIN_TIMEOUT_S)
                return
            except TimeoutError:
                continue
        log.warning("%s: the last %d frames did not come back", url, self._expected() - seen)

    def _expected(self) -> int:
        if self.last_sequence is not None:
            return self.last_sequence + 1
        return self.timing.frames_for(self.samples_sent)

    def _duration_reached(self) -> bool:
        duration = self.owner.options.duration_s
        owner = self.owner
        heard = owner._stream_base + owner._dropped_s + self.samples_sent / self.rate
        return duration is not None and heard >= duration

    async def receive(self, ws: ClientConnection) -> None:
        async for message in ws:
            wire = decode_frame(message, self.shape)
            if self.last_sequence is not None and wire.sequence > self.last_sequence:
                continue  # past the end of the file: the padding's own frames
            self.deliver(wire)
            self.frames += 1
            if self.frames >= self._expected() and (
                self.owner.source.finished or self._duration_reached()
            ):
                self.all_received.set()

    def deliver(self, wire: WireFrame) -> None:
        owner = self.owner
        now = time.perf_counter()
        if wire.replaced:  # the server showed the last good face, as the local engine would
            owner.metrics.count_faults(replaced=1)
        end_sample = round(wire.stream_time * self.rate) + self.timing.delay
        available, wall = now, time.time()
        while self._arrivals and self._arrivals[0][0] < end_sample:
            self._arrivals.popleft()
        if self._arrivals:
            _, available, wall = self._arrivals[0]
        values, avatar_values = wire.values, ()
        profile = owner.options.profile
        if self.blend and profile is not None:
            values, avatar_values = profile.apply(values)
        sequence = owner._sequence_base + wire.sequence
        skipped = max(0, sequence - self.next_sequence)
        self.next_sequence = sequence + 1
        stream_time = owner._stream_base + wire.stream_time
        frame = FaceFrame(
            sequence=sequence,
            capture_time=wall,
            stream_time=stream_time,
            representation=self.representation,
            times=FrameTimes(available, now, now, now),
            values=values,
            avatar_values=avatar_values,
            avatar=owner.options.avatar,
            voiced=wire.voiced,
        )
        owner._send(frame)
        sent = time.perf_counter()
        server_ms = 1000.0 * (wire.sent - wire.received)
        audio_time = owner._stream_base + end_sample / self.rate
        owner.metrics.record(
            server_ms, 1000.0 * (sent - available), sent, skipped, stream_time, audio_time
        )
        owner._notify(frame)


def _printable(body: bytes, limit: int = 200) -> str:
    """A server's refusal text fit for one log line: decoded leniently, control characters and
    line breaks as spaces, at most ``limit`` characters."""
    text = body[: 4 * limit].decode("utf-8", "replace")
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())[:limit]
