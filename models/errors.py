"""The one error a model file, a model name or a provider choice answers with."""

from __future__ import annotations


class ModelError(ValueError):
    """A model cannot be found, read or run; the message names the file (or name) and the problem.

    A ``ValueError``, so callers that treat bad user input alike (the CLI) catch it with the rest.
    """
