"""Request weights and Binance's rate-limit answers: 429 over the limit, 418 when ignored.

Binance charges each request a weight and sums it per IP over the current minute
(``X-MBX-USED-WEIGHT-1M``). Above the family's limit it answers 429 with
``Retry-After``; a client that keeps sending while limited is banned with 418 for a
while. Faults can also force the next answers to be 429 or 418.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from workbench.core.errors import ValidationError
from workbench.testing.exchange.errors import rate_limited

#: Weights of the spot endpoints served (by path), as Binance documents them.
SPOT_WEIGHTS = {"/api/v3/exchangeInfo": 20, "/api/v3/time": 1, "/api/v3/ping": 1,
                "/api/v3/account": 20, "/api/v3/order": 1, "/api/v3/openOrders": 6,
                "/api/v3/myTrades": 20, "/api/v3/ticker/bookTicker": 2, "/api/v3/trades": 25,
                "/api/v3/order/amend/keepPriority": 4, "/api/v3/userDataStream": 2}
#: Weights of the USD-M endpoints served.
USDM_WEIGHTS = {"/fapi/v1/exchangeInfo": 1, "/fapi/v1/time": 1, "/fapi/v1/ping": 1,
                "/fapi/v3/account": 5, "/fapi/v2/account": 5, "/fapi/v1/order": 1,
                "/fapi/v1/openOrders": 1, "/fapi/v1/userTrades": 5, "/fapi/v3/positionRisk": 5,
                "/fapi/v2/positionRisk": 5, "/fapi/v1/listenKey": 1,
                "/fapi/v1/leverageBracket": 1, "/fapi/v1/ticker/bookTicker": 2,
                "/fapi/v1/trades": 5, "/fapi/v2/balance": 5, "/fapi/v3/balance": 5}

#: Weights of the COIN-M (market data) endpoints served.
COINM_WEIGHTS = {"/dapi/v1/exchangeInfo": 1, "/dapi/v1/time": 1, "/dapi/v1/ping": 1,
                 "/dapi/v1/ticker/bookTicker": 2, "/dapi/v1/trades": 5}
_WEIGHTS = {"spot": SPOT_WEIGHTS, "usdm": USDM_WEIGHTS, "coinm": COINM_WEIGHTS}


def depth_weight(api: str, limit: int) -> int:
    """Weight of a depth snapshot of ``limit`` levels."""
    if api == "spot":
        return 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250
    return 2 if limit <= 50 else 5 if limit <= 100 else 10 if limit <= 500 else 20


def request_weight(api: str, path: str) -> int:
    """Weight of a request other than depth (1 when not tabulated)."""
    return _WEIGHTS[api].get(path, 1)


@dataclass
class _Forced:
    status: int
    remaining: int
    retry_after_s: int
    path: str | None


@dataclass
class WeightLimiter:
    """Weight used per minute per API family, and the answers when it is exceeded.

    Parameters
    ----------
    limits : dict
        ``api -> weight allowed per minute``.
    ban_after : int
        Requests answered 429 in one minute after which the client is banned (418).
    ban_s : int
        Length of a ban, seconds.
    clock : callable
        Wall time in seconds (tests may pass their own).
    """

    limits: dict[str, int]
    ban_after: int = 10
    ban_s: int = 120
    clock: Callable[[], float] = time.time
    answered_429: int = 0
    answered_418: int = 0
    _minute: int = -1
    _used: dict[str, int] = field(default_factory=dict)
    _limited_in_minute: int = 0
    _banned_until: float = 0.0
    _forced: list[_Forced] = field(default_factory=list)

    def force(self, status: int = 429, count: int = 1, retry_after_s: int = 1,
              path: str | None = None) -> None:
        """Answer the next ``count`` requests (to ``path`` only, if given) with ``status``.

        Raises
        ------
        ValidationError
            If the status is not 429 or 418, or the count is not positive.
        """
        if status not in (429, 418) or count <= 0:
            raise ValidationError(f"forced answers are 429 or 418, count > 0; got {status}, "
                                  f"{count}")
        self._forced.append(_Forced(status, count, retry_after_s, path))

    def clear_forced(self) -> None:
        """Forget the forced answers not given yet."""
        self._forced.clear()

    def used(self, api: str) -> int:
        """Weight used by ``api`` in the current minute."""
        self._roll()
        return self._used.get(api, 0)

    def charge(self, api: str, path: str, weight: int) -> int:
        """Charge a request; returns the weight used this minute.

        Raises
        ------
        BinanceError
            429 over the limit or when forced, 418 while banned.
        """
        for forced in self._forced:
            if forced.path is None or forced.path == path:
                forced.remaining -= 1
                if forced.remaining <= 0:
                    self._forced.remove(forced)
                self._count(forced.status)
                raise rate_limited(forced.status, forced.retry_after_s)
        now = self.clock()
        if now < self._banned_until:
            self._count(418)
            raise rate_limited(418, math.ceil(self._banned_until - now))
        self._roll()
        used = self._used.get(api, 0) + weight
        if used > self.limits.get(api, math.inf):
            self._limited_in_minute += 1
            if self._limited_in_minute > self.ban_after:
                self._banned_until = now + self.ban_s
                self._count(418)
                raise rate_limited(418, self.ban_s)
            self._count(429)
            raise rate_limited(429, max(1, math.ceil(60 - now % 60)))
        self._used[api] = used
        return used

    def _count(self, status: int) -> None:
        if status == 418:
            self.answered_418 += 1
        else:
            self.answered_429 += 1

    def _roll(self) -> None:
        minute = int(self.clock() // 60)
        if minute != self._minute:
            self._minute = minute
            self._used.clear()
            self._limited_in_minute = 0

