"""Clocks: the engine reads time only through one of these."""

from __future__ import annotations

import time
from typing import Protocol

from workbench.core.errors import ValidationError


class Clock(Protocol):
    """Source of the current time in integer nanoseconds since the Unix epoch."""

    def now_ns(self) -> int:
        """Current time, ns."""
        ...


class WallClock:
    """Real time (paper and live)."""

    def now_ns(self) -> int:
        """Current wall time, ns."""
        return time.time_ns()


class SimulatedClock:
    """Time that moves only when told to (backtests); never goes backwards.

    Parameters
    ----------
    start_ns : int
        Initial time.
    """

    __slots__ = ("_now_ns",)

    def __init__(self, start_ns: int = 0) -> None:
        self._now_ns = int(start_ns)

    def now_ns(self) -> int:
        """Current simulated time, ns."""
        return self._now_ns

    def advance_to(self, ts_ns: int) -> None:
        """Move time forward to ``ts_ns``.

        Raises
        ------
        ValidationError
            If ``ts_ns`` is earlier than the current time.
        """
        if ts_ns < self._now_ns:
            raise ValidationError(f"clock cannot go back from {self._now_ns} to {ts_ns}")
        self._now_ns = int(ts_ns)
