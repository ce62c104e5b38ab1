"""Port numbers as users write them, with one message for every bad one.

Every reader of a port (target specs, ``talkrig serve --port``, ``run --server``) goes through
:func:`port_number`, so a user sees one wording whatever they typed: ``port 99999 is not a
destination (use 1-65535)``, not urllib's "Port out of range 0-65535" in one place and "Port
could not be cast to integer value" in another.
"""

from __future__ import annotations

from urllib.parse import SplitResult

MAX_PORT = 65535


def port_number(text: str, label: str, *, listening: bool = False) -> int:
    """``text`` as a port, or the one port message every reader gives (targets, ``--port``,
    ``--server``): ``port 0 is not a destination (use 1-65535)``. ``label`` names the value as
    the user wrote it (``port 0``, ``reply_port=0``); a port to listen on may be 0 (any free one).
    """
    text = text.strip()
    lowest = 0 if listening else 1
    if text.isascii() and text.isdigit() and lowest <= int(text) <= MAX_PORT:
        return int(text)
    if listening:
        raise ValueError(f"{label} is not a port to listen on (use 1-{MAX_PORT}, 0 = any free one)")
    raise ValueError(f"{label} is not a destination (use 1-{MAX_PORT})")


def url_port(url: SplitResult) -> int | None:
    """The port written in ``url`` (None when there is none), checked by :func:`port_number`.

    ``SplitResult.port`` would answer "Port out of range 0-65535" or "Port could not be cast to
    integer value", and accept 0: the raw text goes through the one port message instead.
    """
    netloc = url.netloc.rpartition("@")[2]
    if netloc.startswith("["):  # [IPv6]:port
        text = netloc.partition("]")[2]
        text = text[1:] if text.startswith(":") else ""
    else:
        text = netloc.partition(":")[2]
    return port_number(text, f"port {text}") if text else None
