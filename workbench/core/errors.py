"""Exception hierarchy of the workbench.

Two families, as in ccxt: :class:`WorkbenchError` for errors that will not go away
by retrying (bad data, bad parameters, rejected orders), and :class:`TransientError`
for failures that a driver may retry with backoff (timeouts, rate limits, disconnects).
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base of every error raised on purpose by the workbench."""


class ValidationError(WorkbenchError, ValueError):
    """A parameter or value is out of its domain (NaN, negative, off-tick, ...)."""


class DataError(WorkbenchError):
    """Malformed input data; names the file and line where it was found.

    Parameters
    ----------
    message : str
        What is wrong.
    path : str, optional
        The file being read.
    line : int, optional
        One-based line number in that file (after decompression).
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        self.reason = message
        self.path = path
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)


class SequenceGapError(WorkbenchError):
    """A book diff does not follow the previous one (an update was lost)."""


class TransientError(WorkbenchError):
    """A failure that may succeed when retried (timeout, rate limit, disconnect)."""
