"""Checking a target spec before it joins the targets list (GUI thread, no Qt).

``check_target`` answers "can this spec work?" by opening the target and closing it again, so
the user hears about a bad host or a port in use when typing, not at the next start. A spec
that replaces a row's spec may listen on the port that row's running sender still holds (an
iFacialMocap listener edited in place): that port is freed before the new sender opens (see
``LiveTargets.update``), so such a spec is checked on an ephemeral port instead.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from talkrig.bridge.senders import ifacialmocap
from talkrig.bridge.senders.targets import TargetError, make_target

RECORDER_SCHEMES = ("csv:", "jsonl:")
_LISTENER_SCHEME = "ifacialmocap"


def listen_port(spec: str) -> int | None:
    """The fixed local UDP port ``spec`` binds (an iFacialMocap listener), else None.

    None also for anything malformed or ephemeral (``listen=0``): ``make_target`` is the one
    that explains a bad spec.
    """
    url = urlsplit(spec.strip())
    if url.scheme.lower() != _LISTENER_SCHEME or url.netloc:
        return None
    text = dict(parse_qsl(url.query)).get("listen", str(ifacialmocap.DEFAULT_PORT))
    return int(text) if text.isdigit() and 0 < int(text) <= 65535 else None


def _on_ephemeral_port(spec: str) -> str:
    """``spec`` with ``listen=0``, every other option as written."""
    url = urlsplit(spec)
    pairs = [(k, v) for k, v in parse_qsl(url.query, keep_blank_values=True) if k != "listen"]
    head = spec.partition("#")[0].partition("?")[0]  # urlunsplit would drop an empty "//"
    tail = f"#{url.fragment}" if url.fragment else ""
    return f"{head}?{urlencode([('listen', '0'), *pairs])}{tail}"


def check_target(spec: str, replacing: str | None = None) -> None:
    """Raise TargetError when ``spec`` cannot work. Network specs are opened and closed again;
    a recorder is only checked for its folder, since opening one creates its file.

    ``replacing``: the spec ``spec`` is about to replace in the same row; when both listen on
    the same port, that port is taken to be this row's own (see the module docstring).
    """
    text = spec.strip()
    if text.lower().startswith(RECORDER_SCHEMES):
        folder = Path(text.partition(":")[2]).expanduser().parent
        if not folder.is_dir():
            raise TargetError(f"target {spec!r}: folder {str(folder)!r} does not exist")
        return
    port = listen_port(text)
    if port is None or replacing is None or listen_port(replacing) != port:
        make_target(text).close()
        return
    try:
        make_target(_on_ephemeral_port(text)).close()
    except TargetError as exc:  # name the spec the user typed, not the probe
        raise TargetError(f"target {spec!r}: {exc.__cause__ or exc}") from exc
