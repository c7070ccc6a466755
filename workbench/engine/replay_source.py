"""Recorded events as an async source, paced on the wall clock at a speed set while running.

A :class:`~workbench.engine.session.Session` reads a :class:`ReplaySource` the way it
reads live feeds: the events come at their recorded pace times ``speed`` (1 is real time,
10 ten times faster, ``math.inf`` as fast as the engine takes them). Changing the speed
re-anchors the pacing at the current event, so the replay neither jumps nor stalls. At
full speed the source still yields to the loop every ``yield_every`` events, so that the
panels and controls of a notebook stay responsive.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Iterable

from workbench.core.errors import ValidationError
from workbench.core.events import MarketEvent

#: The longest single wait, seconds: a speed change is taken up at least this often.
_MAX_WAIT_S = 0.05


def check_speed(speed: float) -> float:
    """``speed`` as a float if it is a valid replay speed (> 0, ``inf`` for full speed).

    Raises
    ------
    ValidationError
        If the speed is not a number, not positive, or NaN.
    """
    if isinstance(speed, bool) or not isinstance(speed, (int, float)):
        raise ValidationError(f"replay speed must be a number, got {speed!r}")
    if math.isnan(speed) or speed <= 0:
        raise ValidationError(f"replay speed must be > 0 (inf for full speed), got {speed!r}")
    return float(speed)


class ReplaySource:
    """Async iterator over ``events`` (in ``local_ts_ns`` order) paced at ``speed``.

    Parameters
    ----------
    events : iterable of MarketEvent
        Recorded events, read lazily.
    speed : float
        Event time per wall time; ``math.inf`` replays as fast as it is read.
    yield_every : int
        At full speed, events handed over between two yields to the loop.

    Attributes
    ----------
    delivered : int
        Events handed over so far.
    """

    def __init__(self, events: Iterable[MarketEvent], speed: float = 1.0,
                 yield_every: int = 64) -> None:
        self._events = iter(events)
        self._speed = check_speed(speed)
        self._yield_every = max(1, yield_every)
        self._anchor: tuple[int, float] | None = None  # (event ns, wall s) of the pacing
        self._last_ts_ns = 0
        self.delivered = 0

    @property
    def speed(self) -> float:
        """The current speed (event seconds per wall second)."""
        return self._speed

    def set_speed(self, speed: float) -> None:
        """Change the speed from the next event on.

        Raises
        ------
        ValidationError
            If ``speed`` is not > 0.
        """
        self._speed = check_speed(speed)
        self._anchor = None  # re-anchor at the next event

    def __aiter__(self) -> AsyncIterator[MarketEvent]:
        return self._run()

    async def _run(self) -> AsyncIterator[MarketEvent]:
        since_yield = 0
        for event in self._events:
            ts = event.local_ts_ns
            if math.isinf(self._speed):
                since_yield += 1
                if since_yield >= self._yield_every:
                    since_yield = 0
                    await asyncio.sleep(0)
            else:
                await self._pace(ts)
            self._last_ts_ns = ts
            self.delivered += 1
            yield event

    async def _pace(self, ts_ns: int) -> None:
        while not math.isinf(self._speed):
            if self._anchor is None:
                self._anchor = (self._last_ts_ns or ts_ns, time.monotonic())
            t0, w0 = self._anchor
            wait_s = w0 + (ts_ns - t0) / 1e9 / self._speed - time.monotonic()
            if wait_s <= 0:
                return
            await asyncio.sleep(min(wait_s, _MAX_WAIT_S))
