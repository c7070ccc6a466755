"""Fault injection: what a test (or the HTTP control endpoint) can do to the exchange.

Market data: drop sockets (close frame or torn TCP), stall streams, lose, repeat or
reorder messages on the wire (a lost diff is a sequence gap to the client), delay them.
REST: forced 429 / 418 answers (the weight limiter answers them on its own as well).
Clock: skew the exchange's clock against the client's (``-1021`` on signed requests
outside ``recvWindow``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.core.errors import ValidationError
from workbench.testing.exchange.recorded import Channel
from workbench.testing.exchange.wire_faults import WireAction

if TYPE_CHECKING:
    from workbench.testing.exchange.server import LocalExchange


class Faults:
    """The fault switches of one :class:`~workbench.testing.exchange.LocalExchange`.

    ``api`` arguments are ``"spot"``, ``"usdm"`` or None (both); ``symbol`` is a Binance
    symbol (``"BTCUSDT"``) or None (all); ``channel`` is ``"depth"``, ``"trade"``,
    ``"bookTicker"`` or None (all).
    """

    #: Methods the HTTP control endpoint may call.
    CONTROL = ("drop_market_sockets", "stall_market", "resume_market", "lose", "duplicate",
               "swap", "delay_market", "rate_limit", "set_clock_skew", "clear")

    def __init__(self, exchange: LocalExchange) -> None:
        self._ex = exchange
        #: Added to the exchange's clock, ms (positive: the exchange is ahead of the client).
        self.clock_skew_ms = 0

    # -- market data -------------------------------------------------------------------
    async def drop_market_sockets(self, api: str | None = None, symbol: str | None = None,
                                  abrupt: bool = False) -> int:
        """Close market-data sockets (close code 1001, or ``abrupt``: no close frame).

        Returns the number closed. ccxt fails every pending ``watch_*`` on them with
        ``NetworkError``.
        """
        return await self._ex.streams.drop(api, symbol, abrupt)

    def stall_market(self, api: str | None = None, symbol: str | None = None) -> int:
        """Keep the open market-data sockets open but send nothing more on them.

        Messages meanwhile are lost (a gap once sending resumes). New connections are
        not stalled. Returns the number of sockets stalled.
        """
        return self._ex.streams.stall(True, api, symbol)

    def resume_market(self, api: str | None = None, symbol: str | None = None) -> int:
        """Send again on stalled sockets; returns how many."""
        return self._ex.streams.stall(False, api, symbol)

    def lose(self, count: int = 1, api: str | None = None, symbol: str | None = None,
             channel: str | None = "depth") -> None:
        """Lose the next ``count`` published messages on the wire (every subscriber)."""
        self._wire(WireAction.DROP, count, api, symbol, channel)

    def duplicate(self, count: int = 1, api: str | None = None, symbol: str | None = None,
                  channel: str | None = "depth") -> None:
        """Send each of the next ``count`` published messages twice."""
        self._wire(WireAction.DUPLICATE, count, api, symbol, channel)

    def swap(self, count: int = 1, api: str | None = None, symbol: str | None = None,
             channel: str | None = "depth") -> None:
        """Send the next ``count`` pairs of published messages in reverse order."""
        self._wire(WireAction.SWAP, count, api, symbol, channel)

    def delay_market(self, seconds: float, api: str | None = None) -> None:
        """Hold every published message ``seconds`` before sending it (0 to stop)."""
        if not seconds >= 0:
            raise ValidationError(f"delay must be >= 0 s, got {seconds}")
        self._ex.streams.faults.delay_s[api] = float(seconds)

    # -- REST and clock ----------------------------------------------------------------
    def rate_limit(self, status: int = 429, count: int = 1, retry_after_s: int = 1,
                   path: str | None = None) -> None:
        """Answer the next ``count`` REST requests (to ``path`` only, if given) with 429
        (``-1003``, ``Retry-After``) or 418 (banned)."""
        self._ex.limiter.force(status, count, retry_after_s, path)

    def set_clock_skew(self, ms: int) -> None:
        """Put the exchange's clock ``ms`` ahead of the wall clock (negative: behind)."""
        self.clock_skew_ms = int(ms)

    def clear(self) -> None:
        """Undo every pending fault and delay (stalled sockets are resumed)."""
        self._ex.streams.faults.clear()
        self._ex.streams.stall(False)
        self._ex.limiter.clear_forced()
        self.clock_skew_ms = 0

    def _wire(self, action: WireAction, count: int, api: str | None, symbol: str | None,
              channel: str | None) -> None:
        self._ex.streams.faults.add(action, count, api, symbol,
                                    Channel(channel) if channel is not None else None)
