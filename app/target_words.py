"""A target's state in the words a user reads in the targets table and the log: what is
happening and the likely fix, never an exception class name or an errno number. No Qt here.

The cause-and-fix sentences come from :mod:`talkrig.bridge.senders.advice` (the CLI says the
same); this module only shapes them for a table cell and a log line.
"""

from __future__ import annotations

import re

from talkrig.app.target_check import listen_port
from talkrig.bridge.senders.advice import describe_state, explain_error, plain_message
from talkrig.bridge.senders.base import SenderState

PROBLEM = "⚠ "  # leads a cell that needs the user's attention (also coloured by the table)
SENDING = "sending"
WAITING = "waiting for the first frame"
# An exception class name inside a longer message ("…: ModelError: …"); plain_message only
# removes one at the start.
_CLASS_NAME = re.compile(r"\b[A-Z][A-Za-z0-9_]*(?:Error|Exception|Warning): ")
_PORTAUDIO_CODE = re.compile(r"\s*\[PaErrorCode -?\d+\]")  # PortAudio's own error numbers
_ORT_CODE = re.compile(r"\[ONNXRuntimeError\] : \d+ : [A-Z_]+ : ")  # ONNX Runtime's status prefix


def scrub(message: str) -> str:
    """``message`` without exception class names or error numbers (``[Errno N]``,
    ``[PaErrorCode N]``, ONNX Runtime's status codes), anywhere in it."""
    text = _CLASS_NAME.sub("", plain_message(message))
    return _ORT_CODE.sub("", _PORTAUDIO_CODE.sub("", text))


def condition(state: SenderState) -> str:
    """What a target is doing, in a few words that change only when its condition does (the
    log says each change once): ``sending``, ``waiting for the first frame``, ``connecting``
    or why it fails, as the CLI says it (:func:`describe_state`)."""
    if state.fatal or not state.ok:
        return scrub(describe_state(state))
    return SENDING if state.frames_sent else WAITING


def state_text(state: SenderState, rate: float | None = None) -> str:
    """The table cell: frames/s once known; a failing target leads with the reason, so it
    shows even where the cell is too narrow for the rest."""
    sent = f"{state.frames_sent} frames sent" if rate is None else (
        f"{rate:.0f} frames/s, {state.frames_sent} sent"
    )  # fmt: skip
    if state.fatal or (not state.ok and state.last_error):
        return f"{PROBLEM}{condition(state)} ({sent})"
    if not state.ok:  # connecting: not a problem yet
        return f"{condition(state)} ({sent})"
    if state.last_error:
        return f"{sent} (earlier: {explain_error(state.spec, state.last_error)})"
    return sent


def open_failure(spec: str, message: str) -> str:
    """Why ``spec`` could not be opened (a ``TargetError`` text), with the likely fix."""
    reason = message.removeprefix(f"target {spec!r}: ")
    port = listen_port(spec)
    if "already in use" in reason and port is not None:
        return (
            f"UDP port {port} here is taken by another program (another TalkRig, or the app "
            f"this should feed?) — close it or choose another listen= port; retrying"
        )
    return scrub(reason)
