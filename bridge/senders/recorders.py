"""Recorders: every frame to a CSV or JSON-lines file (``csv:PATH``, ``jsonl:PATH``).

- Every row goes to the OS as soon as it is made (an unbuffered file): a killed process loses at
  most the row being written (the last line may then be partial).
- A write error (disk full, file system gone) is fatal (:attr:`Sender.fatal`): the file is cut
  back to its last complete row and closed, and the engine ends the run with one line,
  ``cannot write PATH: No space left on device``. Going on would only lose the rest of the take.
- No value is ever written as ``nan`` or ``inf``: non-finite values go out as 0 (what every
  network target sends, :func:`~talkrig.bridge.senders.finite.wire_floats`), and JSON is
  written with ``allow_nan=False``, so every line stays valid JSON.
- A recorder never overwrites or appends: when ``PATH`` exists it writes ``stem-1.ext``
  (``stem-2.ext``, ...) next to it, created exclusively, and ``path`` says which. The folder must
  exist (``FileNotFoundError`` otherwise).
- CSV columns: ``sequence, capture_time, stream_time, voiced`` (0/1), then the 52 ARKit names
  (canonical order, camelCase) or ``x0, y0[, z0], x1, ...`` for landmarks. The header is written
  with the first frame; a later frame of another kind or shape is refused (an error in
  :meth:`state`), so every row matches the header.
- JSONL: one object per frame: ``sequence, capture_time, stream_time, voiced, avatar,
  representation``, then ``blendshapes`` (name → value) or ``landmarks`` (``[[x, y(, z)], ...]``),
  ``avatar_values`` (name → value) when the profile produced them, and ``times`` (the four stage
  timestamps in ``perf_counter`` seconds plus ``inference_ms`` and ``processing_ms``).
Values: 6 significant digits in CSV, 6 decimals in JSONL; CSV times in microseconds (6 decimals).
"""

from __future__ import annotations

import contextlib
import errno
import json
import threading
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from talkrig.bridge.frame import FaceFrame
from talkrig.bridge.senders.base import Sender, TargetFailed
from talkrig.bridge.senders.finite import wire_float, wire_floats
from talkrig.models import arkit

_DECIMALS = 6
_MAX_SIBLINGS = 10_000


def open_new_file(path: Path) -> tuple[Path, BinaryIO]:
    """Create ``path`` (or the first free ``stem-N.ext`` beside it) exclusively for writing,
    unbuffered: each ``write`` goes straight to the OS."""
    path = path.expanduser()
    if not path.parent.is_dir():
        raise FileNotFoundError(f"folder {path.parent} does not exist")
    for n in range(_MAX_SIBLINGS):
        candidate = path if n == 0 else path.with_name(f"{path.stem}-{n}{path.suffix}")
        try:
            return candidate, open(candidate, "xb", buffering=0)
        except FileExistsError:
            continue
    raise FileExistsError(f"{path} and {_MAX_SIBLINGS - 1} numbered siblings already exist")


def _values(frame: FaceFrame) -> np.ndarray:
    """The frame's ``(52,)`` blendshapes or ``(points, dims)`` landmarks, finite."""
    return wire_floats(frame.values)


def _columns(values: np.ndarray) -> tuple[str, ...]:
    if values.ndim == 1:
        return arkit.NAMES
    points, dims = values.shape
    return tuple(f"{axis}{i}" for i in range(points) for axis in "xyz"[:dims])


class RowFile:
    """A file written one whole row at a time, straight to the OS (engine thread or CLI).

    On a write error (disk full, file system gone) the file is cut back to its last complete
    row and closed, and :class:`TargetFailed` says ``cannot write PATH: reason`` in one line.
    ``write`` takes text, so a CSV writer that writes one row per call can use it as its file.
    """

    def __init__(self, path: Path, raw: BinaryIO) -> None:
        self.path = path
        self._raw = raw
        self._complete = 0  # bytes of complete rows in the file
        self.failure: str | None = None

    def write(self, row: str) -> int:
        """Write one row (or several whole rows); raises :class:`TargetFailed`."""
        if self.failure is not None:
            raise TargetFailed(self.failure)
        data = row.encode("utf-8")
        view = memoryview(data)
        try:
            while view:  # a raw write may take only part of the row
                written = self._raw.write(view)
                if not written:
                    raise OSError(errno.EIO, "the file took no bytes")
                view = view[written:]
        except OSError as exc:
            self._fail(exc)
            raise TargetFailed(self.failure) from exc
        self._complete += len(data)
        return len(row)

    def _fail(self, exc: OSError) -> None:
        self.failure = f"cannot write {self.path}: {exc.strerror or exc}"
        try:
            self._raw.truncate(self._complete)
        except OSError:  # the torn row stays; the message already says why
            pass
        finally:
            self.close()

    def close(self) -> None:
        """Close the file (idempotent; nothing is buffered, so nothing is lost)."""
        with contextlib.suppress(OSError):
            self._raw.close()


class _Recorder(Sender):
    """A file opened at construction; ``_write_line`` from the engine thread, ``close`` any."""

    def __init__(self, spec: str, path: str | Path) -> None:
        super().__init__(spec)
        self.path, raw = open_new_file(Path(path))
        self._rows = RowFile(self.path, raw)
        self._file_lock = threading.Lock()
        self._closed = False

    def _write_line(self, line: str) -> None:
        with self._file_lock:
            if self._closed:
                raise RuntimeError(f"{self.spec}: recorder is closed")
            try:
                self._rows.write(line)
            except TargetFailed as exc:
                self._set_fatal(str(exc))
                self._closed = True
                raise

    def close(self) -> None:
        with self._file_lock:
            if not self._closed:
                self._closed = True
                self._rows.close()


class CsvRecorder(_Recorder):
    """``csv:PATH``: one row per frame (columns in the module docstring)."""

    def __init__(self, spec: str, path: str | Path) -> None:
        super().__init__(spec, path)
        self.columns: tuple[str, ...] | None = None
        self._shape: tuple[int, ...] = ()
        self._row_format = ""

    def _send(self, frame: FaceFrame) -> None:
        values = _values(frame)
        if self.columns is None:
            self.columns = _columns(values)
            self._shape = values.shape
            # Column names are identifiers (no comma or quote), so no CSV quoting is needed.
            names = ("sequence", "capture_time", "stream_time", "voiced", *self.columns)
            self._write_line(",".join(names) + "\n")
            # One %-format per row: twice as fast as csv.writer for 1,434 landmark floats.
            self._row_format = "%d,%.6f,%.6f,%d," + ",".join(["%.6g"] * values.size) + "\n"
        elif values.shape != self._shape:
            raise ValueError(f"{self.path}: frame of shape {values.shape}, file has {self._shape}")
        head = (frame.sequence, frame.capture_time, frame.stream_time, int(frame.voiced))
        self._write_line(self._row_format % (*head, *values.reshape(-1).tolist()))


class JsonlRecorder(_Recorder):
    """``jsonl:PATH``: one JSON object per line (fields in the module docstring)."""

    def _send(self, frame: FaceFrame) -> None:
        record: dict[str, Any] = {
            "sequence": int(frame.sequence),
            "capture_time": float(frame.capture_time),
            "stream_time": float(frame.stream_time),
            "voiced": bool(frame.voiced),
            "avatar": frame.avatar,
            "representation": frame.representation.value,
        }
        values = _values(frame)
        rounded = np.round(values.astype(np.float64), _DECIMALS).tolist()  # finite: _values
        if values.ndim == 1:
            record["blendshapes"] = dict(zip(arkit.NAMES, rounded, strict=True))
        else:
            record["landmarks"] = rounded
        if frame.avatar_values:
            record["avatar_values"] = {
                n: round(wire_float(v), _DECIMALS) for n, v in frame.avatar_values
            }
        t = frame.times
        record["times"] = {
            "audio_available": float(t.audio_available),
            "inference_start": float(t.inference_start),
            "inference_end": float(t.inference_end),
            "post_end": float(t.post_end),
            "inference_ms": round(float(t.inference_ms), 3),
            "processing_ms": round(float(t.processing_ms), 3),
        }
        # allow_nan=False: a stray NaN (a time, say) is an error counted here, never a bare
        # ``NaN`` token that makes the line invalid JSON
        self._write_line(json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n")
