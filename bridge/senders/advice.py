"""Target states in plain words, with the likely fix (the CLI status line, the report, the GUI).

A sender records its last failure as ``"ExceptionName: message"`` (see ``Sender.state``); a user
should read what happened and what to switch on instead: "nothing is listening on
127.0.0.1:39539 — is VSeeFace's VMC receiver on?", never ``ConnectionRefusedError: [Errno 111]``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from talkrig.bridge.senders.base import SenderState

# What to switch on at the other end, per scheme: finishes "nothing is listening on HOST:PORT — …".
RECEIVER_HINTS = {
    "vmc": "is VSeeFace's VMC receiver on?",
    "unity": "is the Unity scene with the TalkRig Receiver playing?",
    "livelink": "is Unreal running with a Live Link Face source on this port?",
    "ifacialmocap": "is the receiving app's iFacialMocap input on?",
    "vtubestudio": "is VTube Studio running with its plugin API on?",
    "ws": "is `talkrig serve` running there?",
    "wss": "is `talkrig serve` running there?",
}
DEFAULT_PORTS = {
    "vmc": 39539, "unity": 39541, "livelink": 11111, "ifacialmocap": 49983,
    "vtubestudio": 8001, "ws": 80, "wss": 443,
}  # fmt: skip
_ERRNO = re.compile(r"\[Errno -?\d+\]\s*")
_REFUSED = ("ConnectionRefusedError", "Connection refused", "Connect call failed")
_UNREACHABLE = ("No route to host", "Network is unreachable", "Host is unreachable")


def where(spec: str) -> str:
    """``HOST:PORT`` a network spec points at (defaults filled in), or the spec itself."""
    url = urlsplit(spec.strip())
    scheme = url.scheme.lower()
    try:
        port = url.port
    except ValueError:  # a malformed port never got this far: make_target refused it
        port = None
    host = url.hostname or "127.0.0.1"
    port = port or DEFAULT_PORTS.get(scheme)
    return f"{host}:{port}" if port else spec


def explain_error(spec: str, error: str) -> str:
    """One sentence for ``error`` (``"ExceptionName: message"``) of the target ``spec``.

    Known network failures get their cause and fix; anything else keeps its message without
    the exception's class name or errno number.
    """
    scheme = urlsplit(spec.strip()).scheme.lower()
    if any(token in error for token in _REFUSED):
        hint = RECEIVER_HINTS.get(scheme, "is the receiving app running?")
        return f"nothing is listening on {where(spec)} — {hint}"
    if any(token in error for token in _UNREACHABLE):
        return f"{where(spec)} cannot be reached — is that machine on and on this network?"
    if error.startswith("gaierror") or "Name or service not known" in error:
        host = urlsplit(spec.strip()).hostname or spec
        return f"cannot find the host {host!r} — is the name right?"
    if error.startswith("BlockingIOError"):
        return "the network is not taking frames fast enough; some are dropped"
    if error.startswith(("TimeoutError", "socket.timeout")) and scheme in RECEIVER_HINTS:
        message = plain_message(error)
        detail = f" ({message})" if message else ""
        return f"no answer from {where(spec)}{detail} — {RECEIVER_HINTS[scheme]}"
    return plain_message(error)


def plain_message(error: str) -> str:
    """``error`` without a leading ``ExceptionName:`` and without ``[Errno N]`` numbers."""
    name, sep, message = error.partition(": ")
    if sep and name.replace(".", "").isidentifier() and name[:1].isupper():
        error = message
    return _ERRNO.sub("", error).strip()


def describe_state(state: SenderState) -> str:
    """A target's health in a few words: ``ok, 120 frames``, ``waiting, no frames yet``,
    ``connecting``, or the plain-words reason it fails (``stopped: …`` when it cannot go on)."""
    if state.fatal:
        return f"stopped: {plain_message(state.fatal)}"
    if not state.ok and state.last_error:
        return explain_error(state.spec, state.last_error)
    if not state.ok:  # a target that connects before it sends (VTube Studio) is not there yet
        if state.spec.lower().startswith("vtubestudio:"):
            return "connecting — click Allow in VTube Studio when it asks about TalkRig"
        return "connecting"
    if state.frames_sent == 0:
        return "waiting, no frames yet"
    return f"ok, {state.frames_sent} frames"
