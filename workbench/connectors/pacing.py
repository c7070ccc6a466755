"""Pacing a connection: backoff between retries, and a venue's request-weight budget."""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque

from workbench.core.errors import ValidationError


class Backoff:
    """Exponential backoff with jitter: ``base_s * factor**n``, capped at ``max_s``.

    A retry loop sleeps :meth:`next` seconds after each failure and calls :meth:`reset`
    after a success, so a re-raised error never spins.

    Parameters
    ----------
    base_s, factor, max_s : float
        First delay, growth per failure, cap.
    jitter : float
        Each delay is scaled by a uniform factor in ``[1 - jitter, 1 + jitter]``.
    seed : int, optional
        Seeds the jitter.
    """

    def __init__(self, base_s: float = 0.05, factor: float = 2.0, max_s: float = 5.0,
                 jitter: float = 0.1, seed: int | None = None) -> None:
        if not (base_s > 0 and factor >= 1 and max_s >= base_s and 0 <= jitter < 1):
            raise ValidationError("backoff needs base_s > 0, factor >= 1, max_s >= base_s, "
                                  "0 <= jitter < 1")
        self.base_s, self.factor, self.max_s, self.jitter = base_s, factor, max_s, jitter
        self._rng = random.Random(seed)
        self.failures = 0

    def next(self) -> float:
        """The delay before the next retry, seconds."""
        delay = min(self.max_s, self.base_s * self.factor ** self.failures)
        self.failures += 1
        return delay * (1 + self.jitter * (2 * self._rng.random() - 1))

    def reset(self) -> None:
        """A success: the next failure waits ``base_s`` again."""
        self.failures = 0


class WeightLimiter:
    """A venue's request-weight limit over a sliding window, never exceeded.

    Binance counts the weight of every REST request per IP and minute and answers 429
    (then 418, a ban) beyond its limit. Requests take their weight here first and wait
    when the window is full; a 429 or 418 closes the budget for its ``Retry-After``.
    The sliding window is stricter than the venue's calendar minute, so staying inside
    it stays inside the venue's.

    Parameters
    ----------
    limit : int
        Weight allowed per window (Binance spot 6000, futures 2400 a minute).
    window_s : float
        The window, seconds.
    clock : callable, optional
        ``clock() -> seconds`` (monotonic by default).
    """

    def __init__(self, limit: int, window_s: float = 60.0, clock=time.monotonic) -> None:
        if limit < 1 or not window_s > 0:
            raise ValidationError("weight limit needs limit >= 1 and window_s > 0")
        self.limit, self.window_s = limit, window_s
        self._clock = clock
        self._spent: deque[tuple[float, int]] = deque()
        self._used = 0
        self._blocked_until = 0.0
        self.waited_s = 0.0
        self.history: list[tuple[float, int]] = []

    def used(self) -> int:
        """Weight spent within the window now."""
        self._expire(self._clock())
        return self._used

    def _expire(self, now: float) -> None:
        spent = self._spent
        while spent and spent[0][0] <= now - self.window_s:
            self._used -= spent.popleft()[1]

    def delay_s(self, weight: int) -> float:
        """Seconds until ``weight`` fits (0 when it fits now).

        Raises
        ------
        ValidationError
            If one request weighs more than the whole limit.
        """
        if weight > self.limit:
            raise ValidationError(f"a request of weight {weight} exceeds the limit {self.limit}")
        now = self._clock()
        self._expire(now)
        wait = max(0.0, self._blocked_until - now)
        excess = self._used + weight - self.limit
        if excess > 0:
            freed = 0
            for ts, w in self._spent:
                freed += w
                if freed >= excess:
                    wait = max(wait, ts + self.window_s - now)
                    break
        return wait

    async def acquire(self, weight: int) -> None:
        """Wait until ``weight`` fits, then spend it."""
        while (wait := self.delay_s(weight)) > 0:
            self.waited_s += wait
            await asyncio.sleep(wait)
        now = self._clock()
        self._spent.append((now, weight))
        self._used += weight
        self.history.append((now, weight))

    def block(self, seconds: float) -> None:
        """The venue said stop (429/418 ``Retry-After``): no request for ``seconds``."""
        self._blocked_until = max(self._blocked_until, self._clock() + seconds)

    def observe_used(self, venue_used: int) -> None:
        """The venue's own count (``X-MBX-USED-WEIGHT-1M``): if it says more is spent than
        we know of (another client on the same address), count the difference as spent."""
        now = self._clock()
        self._expire(now)
        if venue_used > self._used:
            extra = venue_used - self._used
            self._spent.append((now, extra))
            self._used += extra
