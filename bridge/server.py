"""``talkrig serve``: the paper's WebSocket stream, one shared model for many performers.

Threads: :meth:`StreamServer.start` / :meth:`StreamServer.stop` are called by the owner (CLI,
tests); the server runs an asyncio loop on its own thread (``talkrig-server``), where every
connection has its own framer and post chain; model calls run on one inference thread
(``talkrig-infer``). Windows that fall due while a model call is running are batched into the
next call, across connections (:mod:`talkrig.bridge.server_batcher`), so N streams cost far less
than N model calls per hop.

A connection handler reads one message, waits for its frames and sends them before it reads the
next: a client that sends faster than the server infers is slowed by TCP back-pressure instead
of growing a queue. Wire format: :mod:`talkrig.bridge.stream_protocol`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus

import numpy as np
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Data

from talkrig.bridge.pipeline import FramePipeline
from talkrig.bridge.post.chain import PostConfig
from talkrig.bridge.rate_limit import ConnectionLimits, LoopLag, StallMeter
from talkrig.bridge.server_auth import token_accepted
from talkrig.bridge.server_batcher import Batcher
from talkrig.bridge.stream_protocol import StreamProtocolError, decode_pcm, encode_frame, hello
from talkrig.models.loader import Model, ModelError

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
CLOSE_IDLE = 1001  # "going away": the client may reconnect when it has audio again
CLOSE_UNSUPPORTED = 1003  # not s16le PCM (text, odd length)
CLOSE_POLICY = 1008  # rate limit, too many connections
CLOSE_INTERNAL = 1011  # the model failed
CLOSE_TRY_LATER = 1013
START_TIMEOUT_S = 10.0
CLOSE_TIMEOUT_S = 2.0  # a refused client that keeps sending never answers our close frame
# A client closed for breaking a limit gives its slot back at once, but its socket stays open
# for up to CLOSE_TIMEOUT_S; an address with this many such sockets is refused (HTTP 429) until
# they end, so one client reconnecting as fast as it can neither fills the server's slots nor
# piles up sockets.
MAX_CLOSING_PER_ADDRESS = 8
# The loop parses all that one socket read returns before anything else runs: asyncio reads up
# to 256 KiB, ~40,000 tiny messages, a quarter second and more. With 4 KiB asked (the kernel
# doubles it) a read was at most 6 KB here (~900 messages); real-time audio (32 kB/s) still
# fits that window over a 100 ms round trip.
RECEIVE_BUFFER_BYTES = 4_096


class ServerError(RuntimeError):
    """The server cannot start as asked (unsafe bind, port in use); the text says why."""


@dataclass
class ServerConfig:
    """Limits and defaults of ``talkrig serve``.

    ``max_speed`` is audio seconds accepted per wall second per connection (a token bucket of
    ``burst_s`` seconds); 0 disables it, e.g. to replay a recording at accelerated pace.
    ``max_messages`` is messages per wall second per connection (``burst_s`` seconds of them
    saved up): empty messages carry no audio but still cost the server. ``idle_timeout_s``
    closes a connection that sent nothing for that long (0 = never).
    """

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token: str | None = None
    max_connections: int = 64
    max_message_bytes: int = 32_000  # 1 s of audio
    max_speed: float = 4.0
    max_messages: float = 200.0  # the paper's client sends 31.25 (32 ms chunks)
    burst_s: float = 2.0
    idle_timeout_s: float = 30.0
    max_batch: int = 64
    post: PostConfig = field(default_factory=PostConfig)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServerState:
    """What the server holds right now (see :meth:`StreamServer.state`): all zero when idle."""

    handlers: int  # connection handlers running (each owns a framer and a post chain)
    connections: int  # open WebSocket connections
    pending_windows: int  # windows waiting for the next model call
    inferring_windows: int  # windows in the model call now running


class StreamServer:
    """Serves one loaded model to many WebSocket clients.

    Args:
        model: shared by all connections; the owner closes it after :meth:`stop`.
        config: address, token, limits, post chain.

    Raises:
        ServerError: bound beyond loopback without a token.
    """

    def __init__(self, model: Model, config: ServerConfig | None = None) -> None:
        self.model = model
        self.config = config or ServerConfig()
        if not is_loopback(self.config.host) and not self.config.token:
            raise ServerError(
                f"refusing to listen on {self.config.host} without a token: anyone on the "
                "network could use this machine (give --token, or bind 127.0.0.1)"
            )
        self._active = 0
        self._closing: dict[str, int] = {}  # address -> sockets closing for a broken limit
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._batcher: Batcher | None = None
        self._lag = LoopLag()
        self._server: Server | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: str | None = None
        self.port = self.config.port

    def limits(self) -> dict[str, float | int]:
        c = self.config
        return {
            "max_message_bytes": c.max_message_bytes,
            "max_connections": c.max_connections,
            "max_speed": c.max_speed,
            "max_messages": c.max_messages,
            "burst_s": c.burst_s,
            "idle_timeout_s": c.idle_timeout_s,
        }

    @property
    def active_connections(self) -> int:
        """Connections being served now (any thread; a snapshot)."""
        return self._active

    def state(self, timeout: float = 2.0) -> ServerState:
        """A consistent snapshot, taken on the server thread (any other thread calls this).

        Raises ServerError when the server is not running or does not answer in ``timeout``.
        """
        loop, batcher, server = self._loop, self._batcher, self._server
        if loop is None or batcher is None or server is None or loop.is_closed():
            raise ServerError("the server is not running")

        async def take() -> ServerState:
            return ServerState(
                self._active, len(server.connections), batcher.pending, batcher.inferring
            )

        try:
            return asyncio.run_coroutine_threadsafe(take(), loop).result(timeout)
        except (RuntimeError, TimeoutError) as exc:
            raise ServerError(f"the server did not report its state: {exc!r}") from exc

    # -- control (owner thread) -----------------------------------------------------------------
    def start(self) -> None:
        """Bind and serve on a new thread; returns once listening (``port`` is then the real
        port, also when 0 was asked). Raises ServerError."""
        self._thread = threading.Thread(target=self._thread_main, name="talkrig-server")
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S) or self._error:
            self.stop()
            raise ServerError(self._error or "server did not start in time")

    def stop(self, timeout: float = 5.0) -> None:
        """Close every connection and the listening socket; join the thread (idempotent)."""
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(stopping.set)
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> StreamServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the loop (server thread) ---------------------------------------------------------------
    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main())
        except OSError as exc:
            self._error = f"cannot listen on {self.config.host}:{self.config.port}: {exc}"
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        batcher = self._batcher = Batcher(self.model, self.config.max_batch)
        batching = asyncio.create_task(batcher.run())
        lagging = asyncio.create_task(self._lag.run())
        try:
            async with serve(
                self._handle, self.config.host, self.config.port,
                max_size=self.config.max_message_bytes, process_request=self._admit,
                compression=None, close_timeout=CLOSE_TIMEOUT_S,
            ) as server:  # fmt: skip
                self._server = server
                for sock in server.sockets:  # accepted sockets inherit it (and a small window)
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
                self.port = _bound_port(server, self.config.port)
                self._ready.set()
                await self._stopping.wait()
        finally:
            batching.cancel()
            lagging.cancel()
            batcher.close()

    def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        """Before the handshake: token, connection count, an address that keeps breaking the
        limits (HTTP 401 / 503 / 429)."""
        token = self.config.token
        authorization = request.headers.get_all("Authorization")
        if token and not token_accepted(authorization, request.path, token):
            return connection.respond(HTTPStatus.UNAUTHORIZED, "missing or wrong token\n")
        if self._active >= self.config.max_connections:
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "too many connections\n")
        if self._closing.get(_address(connection), 0) >= MAX_CLOSING_PER_ADDRESS:
            refused = connection.respond(
                HTTPStatus.TOO_MANY_REQUESTS,
                f"this address's last connections broke the server's limits; "
                f"wait {CLOSE_TIMEOUT_S:g} s\n",
            )
            refused.headers["Retry-After"] = f"{CLOSE_TIMEOUT_S:g}"
            return refused
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        self._active += 1
        holds_slot = True
        try:
            broken = await self._stream(ws)
            if broken is not None:
                ws.transport.pause_reading()  # a flood already in the socket costs nothing more
                self._active -= 1  # no longer served: the slot is free while the close waits
                holds_slot = False
                await self._close_broken(ws, broken)
        except ConnectionClosed:
            pass  # the client left; its framer and post chain go with this frame
        finally:
            if holds_slot:
                self._active -= 1

    async def _close_broken(self, ws: ServerConnection, reason: str) -> None:
        address = _address(ws)
        self._closing[address] = self._closing.get(address, 0) + 1
        try:
            await ws.close(CLOSE_POLICY, reason)
        finally:
            left = self._closing.pop(address) - 1
            if left:
                self._closing[address] = left

    async def _stream(self, ws: ServerConnection) -> str | None:
        """Serve one connection until it ends; the limit it broke, if that ended it."""
        card = self.model.card
        if self._active > self.config.max_connections:
            await ws.close(CLOSE_TRY_LATER, "too many connections")
            return None
        pipeline = FramePipeline(self.model, self.config.post)
        c = self.config
        limits = ConnectionLimits(c.max_speed, c.max_messages, c.burst_s)
        stalls = StallMeter(self._lag)
        batcher = self._batcher
        assert batcher is not None  # set before the server accepts anyone
        await ws.send(hello(card, self.limits(), pipeline.timing.delay))
        while (message := await self._receive(ws, stalls)) is not None:
            received = time.time()
            try:
                audio = decode_pcm(message, self.config.max_message_bytes)
            except StreamProtocolError as exc:
                await ws.close(CLOSE_UNSUPPORTED, _reason(str(exc)))
                return None
            broken = limits.check(len(audio) / card.sample_rate, stalls.stalled())
            if broken is not None:
                return broken
            pipeline.push(audio)
            windows = pipeline.take_all()
            if not windows:
                continue
            started = time.perf_counter()
            try:
                outputs = await asyncio.gather(*(batcher.submit(w.samples, ws) for w in windows))
            except ModelError as exc:
                await ws.close(CLOSE_INTERNAL, _reason(f"inference failed: {exc}"))
                return None
            inferred = time.perf_counter()
            for window, raw in zip(windows, outputs, strict=True):
                frame = pipeline.emit(window, raw, started, started, inferred, received)
                if frame is None:
                    continue  # before stream time 0
                replaced = not np.isfinite(raw).all()  # the post chain showed the last good face
                await ws.send(
                    encode_frame(
                        frame.sequence, card.representation, frame.voiced, frame.stream_time,
                        received, time.time(), frame.values, replaced,
                    )
                )  # fmt: skip
        return None

    async def _receive(self, ws: ServerConnection, stalls: StallMeter) -> Data | None:
        """The next message, after letting every other connection take its turn; None when the
        client sent nothing for ``idle_timeout_s`` (the connection is closed then)."""
        await asyncio.sleep(0)  # recv returns queued messages without yielding to the loop
        stalls.reading()
        idle = self.config.idle_timeout_s
        try:
            async with asyncio.timeout(idle if idle > 0 else None):
                return await ws.recv()
        except TimeoutError:
            await ws.close(
                CLOSE_IDLE, f"idle: nothing received for {idle:g} s (server's --idle-timeout)"
            )
            return None


def _address(connection: ServerConnection) -> str:
    peer = connection.remote_address
    return str(peer[0]) if isinstance(peer, tuple) and peer else "?"


def _bound_port(server: Server, asked: int) -> int:
    for sock in server.sockets:
        return int(sock.getsockname()[1])
    return asked


def _reason(text: str) -> str:
    """A close reason fits 123 UTF-8 bytes."""
    raw = text.encode()
    return text if len(raw) <= 123 else raw[:120].decode(errors="ignore") + "..."
