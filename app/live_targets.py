"""``LiveTargets``: the one sender the engine holds, fanning each frame out to the targets the
user has on now, so targets can be added, edited or removed while the stream runs.

Threads: the engine thread calls :meth:`send`; the GUI thread calls :meth:`update`. A lock is
held while a frame goes out and while the list is swapped, so a removed target is closed only
after its last send returned; other targets never notice an edit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from talkrig.bridge.frame import FaceFrame
from talkrig.bridge.senders.base import Sender
from talkrig.bridge.senders.targets import TargetError, make_target

LIVE_SPEC = "live targets"
RETRY_S = 2.0  # a target whose cause went away (a freed port) runs again within this


class LiveTargets(Sender):
    """Fan-out over ``senders`` (already open), replaceable while streaming; targets that
    could not open are tried again every ``retry_s`` seconds (:meth:`retry_failed`)."""

    def __init__(self, senders: Sequence[Sender] = (), retry_s: float = RETRY_S) -> None:
        super().__init__(LIVE_SPEC)
        self.retry_s = retry_s
        self._senders = list(senders)
        self._swap = threading.Lock()
        self.failed: dict[str, str] = {}  # spec → why it could not be opened (GUI thread)
        self._wanted: list[str] = []
        self._tried = time.monotonic()

    @property
    def senders(self) -> list[Sender]:
        """The targets in use now (a copy; any thread)."""
        with self._swap:
            return list(self._senders)

    def _send(self, frame: FaceFrame) -> None:
        with self._swap:
            for sender in self._senders:
                sender.send(frame)  # never raises: each target counts its own failures
                if sender.fatal is not None:  # a recorder's disk is full: the engine ends the
                    self._set_fatal(sender.fatal)  # run with this line, as the CLI's does

    def update(self, specs: Sequence[str]) -> list[str]:
        """Make the targets exactly ``specs``, in that order: unchanged specs keep their open
        sender, dropped ones are closed, then new ones are opened. Returns one message per spec
        that could not be opened (those are left out; the others run), also kept by spec in
        :attr:`failed` until the next update. GUI thread.

        Dropped targets close *before* new ones open: an edited iFacialMocap listener keeps its
        port, which the new sender can only bind once the old one let go of it.
        """
        wanted = list(dict.fromkeys(specs))
        self._wanted, self._tried = wanted, time.monotonic()
        with self._swap:
            kept = {s.spec: s for s in self._senders if s.spec in wanted}
            dropped = [s for s in self._senders if s.spec not in kept]
            self._senders = list(kept.values())  # the kept ones never miss a frame
        for sender in dropped:
            sender.close()
        failed: dict[str, str] = {}
        opened: dict[str, Sender] = {}
        for spec in wanted:
            if spec in kept:
                continue
            try:
                opened[spec] = make_target(spec)
            except TargetError as exc:
                failed[spec] = str(exc)
        live = {**kept, **opened}
        with self._swap:
            self._senders = [live[spec] for spec in wanted if spec in live]
        self.failed = failed
        return list(failed.values())

    def retry_failed(self) -> list[str]:
        """Open the targets that could not open (a port in use, say) again, at most every
        ``retry_s``; the others are untouched. Returns the specs that opened now. GUI thread
        (the display timer calls it every tick)."""
        if not self.failed or time.monotonic() - self._tried < self.retry_s:
            return []
        before = list(self.failed)
        self.update(self._wanted)
        return [spec for spec in before if spec not in self.failed]

    def close(self) -> None:
        """Close every target (idempotent)."""
        with self._swap:
            senders, self._senders = self._senders, []
        for sender in senders:
            sender.close()
