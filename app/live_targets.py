"""``LiveTargets``: the one sender the engine holds, fanning each frame out to the targets the
user has on now, so targets can be added, edited or removed while the stream runs.

Threads: the engine thread calls :meth:`send`; the GUI thread calls :meth:`update`. A lock is
held while a frame goes out and while the list is swapped, so a removed target is closed only
after its last send returned; other targets never notice an edit.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from talkrig.bridge.frame import FaceFrame
from talkrig.bridge.senders.base import Sender
from talkrig.bridge.senders.targets import TargetError, make_target

LIVE_SPEC = "live targets"


class LiveTargets(Sender):
    """Fan-out over ``senders`` (already open), replaceable while streaming."""

    def __init__(self, senders: Sequence[Sender] = ()) -> None:
        super().__init__(LIVE_SPEC)
        self._senders = list(senders)
        self._swap = threading.Lock()

    @property
    def senders(self) -> list[Sender]:
        """The targets in use now (a copy; any thread)."""
        with self._swap:
            return list(self._senders)

    def _send(self, frame: FaceFrame) -> None:
        with self._swap:
            for sender in self._senders:
                sender.send(frame)  # never raises: each target counts its own failures

    def update(self, specs: Sequence[str]) -> list[str]:
        """Make the targets exactly ``specs``: unchanged specs keep their open sender, new ones
        are opened, dropped ones closed. Returns one message per spec that could not be opened
        (those are left out; the others run). GUI thread."""
        current = {s.spec: s for s in self.senders}
        errors: list[str] = []
        wanted: list[Sender] = []
        for spec in dict.fromkeys(specs):
            if spec in current:
                wanted.append(current[spec])
                continue
            try:
                sender = make_target(spec)
            except TargetError as exc:
                errors.append(str(exc))
                continue
            wanted.append(sender)
        with self._swap:
            dropped = [s for s in self._senders if s not in wanted]
            self._senders = wanted
        for sender in dropped:
            sender.close()
        return errors

    def close(self) -> None:
        """Close every target (idempotent)."""
        with self._swap:
            senders, self._senders = self._senders, []
        for sender in senders:
            sender.close()
