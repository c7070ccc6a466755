"""Checks of incoming commands; a failed check is a :class:`CommandRefused`."""

from __future__ import annotations

import numpy as np

from workbench.core.commands import CommandKind, RejectCode
from workbench.core.errors import WorkbenchError


class CommandRefused(WorkbenchError):
    """The simulated exchange refuses a command; becomes a :class:`Rejected` report.

    Parameters
    ----------
    command : CommandKind
        The kind of command refused.
    reason : str
        Why, in words.
    transient : bool
        True when the same command may succeed later (no synchronised book yet).
    code : RejectCode
        The reason as a code, where it has one.
    """

    def __init__(self, command: CommandKind, reason: str, transient: bool = False,
                 code: RejectCode = RejectCode.NONE) -> None:
        super().__init__(reason)
        self.command = command
        self.reason = reason
        self.transient = transient
        self.code = code


def positive_int(value: object, what: str, command: CommandKind) -> int:
    """``value`` as a Python int when it is a positive integer (numpy ints accepted).

    Raises
    ------
    CommandRefused
        If ``value`` is not an integer (bools and floats are not) or is not positive.
    """
    if type(value) is not int:
        if not isinstance(value, np.integer):
            raise CommandRefused(command, f"{what} must be an int, got {value!r}")
        value = int(value)
    if value <= 0:
        raise CommandRefused(command, f"{what} must be positive, got {value}")
    return value
