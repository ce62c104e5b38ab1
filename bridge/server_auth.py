"""The stream server's token check: where a client may put the token, and how it is compared.

A client presents the token as ``Authorization: Bearer TOKEN`` (the scheme in any case, RFC 6750)
or as ``?token=TOKEN`` in the URL (browsers cannot set headers on a WebSocket). Nothing else
counts: a bare ``Authorization: TOKEN`` or another scheme is not a token. Every token presented
must match, so one request cannot try several guesses. The comparison hashes both sides first,
so it takes the same time whatever the length or the first wrong byte.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from urllib.parse import parse_qs, urlsplit

BEARER = "bearer"
TOKEN_ENV = "TALKRIG_TOKEN"  # a token in the environment stays out of `ps` listings


def token_or_env(token: str | None) -> str | None:
    """``token`` when one is given, else the ``TALKRIG_TOKEN`` environment variable (or None):
    how ``talkrig serve``, ``talkrig run --server`` and the app's remote engine find theirs."""
    return token or os.environ.get(TOKEN_ENV)


def presented_tokens(authorization: list[str], path: str) -> list[str]:
    """Every token a request carries: Bearer credentials of its Authorization headers, then the
    values of ``token`` in its query (percent-decoded). Never raises."""
    tokens = []
    for value in authorization:
        scheme, _, credentials = value.strip().partition(" ")
        if scheme.lower() == BEARER and credentials.strip():
            tokens.append(credentials.strip())
    query = urlsplit(path).query
    tokens += parse_qs(query, keep_blank_values=True).get("token", [])
    return tokens


def token_accepted(authorization: list[str], path: str, token: str) -> bool:
    """True when the request presents at least one token and every one equals ``token``."""
    presented = presented_tokens(authorization, path)
    want = _digest(token)
    # no short cut on the first mismatch: the time does not tell which one was wrong
    matches = [hmac.compare_digest(_digest(given), want) for given in presented]
    return bool(matches) and all(matches)


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
