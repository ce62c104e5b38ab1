"""The token: only as ``Authorization: Bearer`` or ``?token=``, every one presented must match."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from talkrig.bridge.server import StreamServer
from talkrig.bridge.server_auth import presented_tokens, token_accepted
from talkrig.bridge.stream_protocol import parse_hello

from .helpers import WAIT_S, url

TOKEN = "s3cret"


@pytest.mark.parametrize(
    ("authorization", "path", "want"),
    [
        (["Bearer s3cret"], "/", ["s3cret"]),
        (["bearer  s3cret "], "/", ["s3cret"]),  # the scheme in any case (RFC 6750)
        (["s3cret"], "/", []),  # a bare value is no token
        (["Basic czNjcmV0"], "/", []),
        (["Bearer "], "/", []),
        ([], "/?token=s3cret", ["s3cret"]),
        ([], "/?token=a%20b&x=1", ["a b"]),
        ([], "/?token=", [""]),
        (["Bearer a"], "/?token=b&token=c", ["a", "b", "c"]),
        ([], "/%zz?%%token=&&=", []),
    ],
)
def test_presented_tokens(authorization: list[str], path: str, want: list[str]) -> None:
    assert presented_tokens(authorization, path) == want


@pytest.mark.parametrize(
    ("authorization", "path", "ok"),
    [
        (["Bearer s3cret"], "/", True),
        ([], "/?token=s3cret", True),
        (["Bearer s3cret"], "/?token=s3cret", True),
        ([], "/", False),
        (["Bearer s3cre"], "/", False),
        (["Bearer s3cret"], "/?token=guess", False),  # one request, one guess
        (["Bearer guess", "Bearer s3cret"], "/", False),
        (["Bearer s3cr\udcffet"], "/", False),  # undecodable bytes are compared, not raised
        (["Bearer s3cret" + "x" * 10_000], "/", False),
    ],
)
def test_token_accepted(authorization: list[str], path: str, ok: bool) -> None:
    assert token_accepted(authorization, path, TOKEN) is ok


def status_of(port: int, **kwargs: object) -> int:
    async def attempt() -> int:
        try:
            async with connect(url(port, str(kwargs.pop("query", ""))), open_timeout=WAIT_S,
                               **kwargs) as ws:  # type: ignore[arg-type]  # fmt: skip
                parse_hello(await asyncio.wait_for(ws.recv(), WAIT_S))
                return 101
        except InvalidStatus as exc:
            return exc.response.status_code

    return asyncio.run(attempt())


def test_real_server_accepts_header_and_query(start_server: Callable[..., StreamServer]) -> None:
    port = start_server(token=TOKEN).port
    assert status_of(port, additional_headers={"Authorization": "Bearer s3cret"}) == 101
    assert status_of(port, additional_headers={"Authorization": "BEARER s3cret"}) == 101
    assert status_of(port, query="?token=s3cret") == 101


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"additional_headers": {"Authorization": "Bearer nope"}},
        {"additional_headers": {"Authorization": "s3cret"}},
        {"additional_headers": {"Authorization": "Basic s3cret"}},
        {"additional_headers": {"X-Token": "s3cret"}},
        {"query": "?token=nope"},
        {"query": "?tok=s3cret"},
        {"additional_headers": [("Authorization", "Bearer s3cret"), ("Authorization", "Bearer x")]},
    ],
    ids=["missing", "wrong", "bare", "basic", "other-header", "wrong-query", "other-query",
         "two-headers"],
)  # fmt: skip
def test_real_server_refuses(
    start_server: Callable[..., StreamServer], kwargs: dict[str, object]
) -> None:
    assert status_of(start_server(token=TOKEN).port, **kwargs) == 401


def test_garbage_handshake_headers_get_401_not_a_crash(
    start_server: Callable[..., StreamServer],
) -> None:
    server = start_server(token=TOKEN)
    request = (
        b"GET /?token=%ff%fe HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        b"Authorization: Bearer \xff\xfe\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), WAIT_S) as sock:
        sock.sendall(request)
        status = sock.recv(64).split(b"\r\n", 1)[0]
    assert status == b"HTTP/1.1 401 Unauthorized"
    assert status_of(server.port, query="?token=s3cret") == 101  # still serving
