"""``LatestFrame``: an engine listener that keeps only the newest frame for a display timer."""

from __future__ import annotations

import threading

from talkrig.bridge.frame import FaceFrame


class LatestFrame:
    """Engine listener keeping only the newest frame (engine thread writes, GUI thread takes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: FaceFrame | None = None
        self._fresh = False

    def __call__(self, frame: FaceFrame) -> None:
        with self._lock:
            self._frame = frame
            self._fresh = True

    def take(self) -> FaceFrame | None:
        """The newest frame if it arrived since the last call, else None (GUI thread)."""
        with self._lock:
            if not self._fresh:
                return None
            self._fresh = False
            return self._frame
