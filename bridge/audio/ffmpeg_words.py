"""FFmpeg's failures (through PyAV) in words a user can act on.

PyAV's messages carry FFmpeg's internal error codes, which mean nothing to a person:
``[Errno 1094995529] Invalid data found when processing input: 'talk.wav'``. The file's name
is already in our own message, so only the cause is kept, said plainly.
"""

from __future__ import annotations

import re

import av

_ERRNO = re.compile(r"\[Errno -?\d+\]\s*")

# Most specific first: PyAV's classes also derive from the builtin OSError family.
_WORDS: tuple[tuple[type[BaseException], str], ...] = (
    (av.error.InvalidDataError, "it is not audio or video that FFmpeg can read (or it is damaged)"),
    (av.error.DecoderNotFoundError, "this FFmpeg build has no decoder for its audio"),
    (av.error.DemuxerNotFoundError, "FFmpeg does not know this file format"),
    (av.error.EOFError, "it ends too early (cut off while copying?)"),
    (IsADirectoryError, "it is a folder, not a file"),
    (PermissionError, "permission denied"),
    (FileNotFoundError, "it does not exist"),
)


def ffmpeg_words(exc: BaseException) -> str:
    """What went wrong, without errno numbers or the file name (the caller names the file)."""
    for kind, words in _WORDS:
        if isinstance(exc, kind):
            return words
    text = getattr(exc, "strerror", None) or str(exc)
    return _ERRNO.sub("", str(text)).strip()
