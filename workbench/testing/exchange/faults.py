"""Fault injection: what a test (or the HTTP control endpoint) can do to the exchange.

Market data: drop sockets (close frame or torn TCP), stall streams, lose, repeat or
reorder messages on the wire (a lost diff is a sequence gap to the client), delay them.
REST: forced 429 / 418 answers (the weight limiter answers them on its own as well).
Clock: skew the exchange's clock against the client's (``-1021`` on signed requests
outside ``recvWindow``).
Orders: reject the next places, hold a place in flight (queries meanwhile answer
"unknown order"), delay answers (fills reach the user stream before the ack), fill an
order now (partially or fully), fill an order just before a cancel arrives (the fill's
events come after the cancel's answer), drop or delay the user-data and websocket-API
sockets, send a malformed message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.core.errors import ValidationError
from workbench.testing.exchange.recorded import Channel
from workbench.testing.exchange.streams import close_socket
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
               "swap", "delay_market", "rate_limit", "set_clock_skew", "clear",
               "reject_orders", "hold_orders", "delay_order_responses", "fill",
               "fill_on_cancel", "drop_user_sockets", "drop_ws_api_sockets", "delay_user",
               "send_malformed")

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

    # -- orders and user data ----------------------------------------------------------
    def reject_orders(self, count: int = 1, code: int = -2010,
                      msg: str = "Order rejected by the local exchange.") -> None:
        """Refuse the next ``count`` places with Binance error ``code``."""
        self._ex.trading.faults.rejects.extend([(int(code), str(msg))] * _positive(count))

    def hold_orders(self, seconds: float, count: int = 1) -> None:
        """Keep the next ``count`` places in flight for ``seconds`` before they reach the
        matching: meanwhile the order is unknown (``-2013`` / ``-2011``)."""
        self._ex.trading.faults.holds_s.extend([_seconds(seconds)] * _positive(count))

    def delay_order_responses(self, seconds: float, count: int = 1) -> None:
        """Answer the next ``count`` places, cancels or amends ``seconds`` late (after
        their user-data events: a fill may arrive before the ack)."""
        self._ex.trading.faults.response_delays_s.extend([_seconds(seconds)]
                                                         * _positive(count))

    def fill(self, order_id: int, qty: str | None = None) -> str:
        """Fill a working order now, by ``qty`` (a decimal string; all by default), as a
        trade reaching it would. Returns the quantity filled."""
        order = self._ex.trading.orders.get(int(order_id))
        if order is None:
            raise ValidationError(f"no order {order_id} on the local exchange")
        lots = None if qty is None else order.spec.instrument.size_to_lots(qty)
        return order.qty(self._ex.trading.fill(order, lots))

    def fill_on_cancel(self, count: int = 1, qty: str | None = None) -> None:
        """The next ``count`` cancels find their order filled (by ``qty``, or fully) just
        before they arrive; the fill's events are sent after the cancel's answer. A
        fully filled order answers the cancel with ``-2011``."""
        self._ex.trading.faults.fills_on_cancel.extend([qty] * _positive(count))

    async def drop_user_sockets(self, api: str | None = None, abrupt: bool = False) -> int:
        """Close the user-data sockets (spot: the subscribed websocket-API connections;
        USD-M: the listen-key sockets). Returns how many."""
        return await self._ex.users.drop(api, abrupt)

    async def drop_ws_api_sockets(self, api: str | None = None, abrupt: bool = False) -> int:
        """Close every websocket-API connection (requests in flight get no answer)."""
        conns = self._ex.ws_api.matching(api)
        for conn in conns:
            await close_socket(conn.ws, conn.transport, abrupt, 1001)
            conn.closed = True
        return len(conns)

    def delay_user(self, seconds: float) -> None:
        """Hold every user-data event ``seconds`` before sending it (0 to stop)."""
        self._ex.users.delay_s = _seconds(seconds)

    def send_malformed(self, where: str = "market", api: str | None = None,
                       text: str = '{"e":"depthUpdate","E":') -> int:
        """Send ``text`` (malformed JSON by default) on the open ``market``, ``user`` or
        ``ws-api`` sockets; returns on how many."""
        conns = {"market": lambda: self._ex.streams.matching(api),
                 "user": lambda: self._ex.users.connections(api),
                 "ws-api": lambda: self._ex.ws_api.matching(api)}[where]()
        for conn in conns:
            conn.offer_nowait(text.encode(), 0.0)
        return len(conns)

    def clear(self) -> None:
        """Undo every pending fault and delay (stalled sockets are resumed)."""
        self._ex.streams.faults.clear()
        self._ex.streams.stall(False)
        self._ex.limiter.clear_forced()
        self._ex.trading.faults.clear()
        self._ex.users.delay_s = 0.0
        self.clock_skew_ms = 0

    def _wire(self, action: WireAction, count: int, api: str | None, symbol: str | None,
              channel: str | None) -> None:
        self._ex.streams.faults.add(action, count, api, symbol,
                                    Channel(channel) if channel is not None else None)


def _positive(count: int) -> int:
    if int(count) <= 0:
        raise ValidationError(f"count must be positive, got {count}")
    return int(count)


def _seconds(seconds: float) -> float:
    if not float(seconds) >= 0:
        raise ValidationError(f"seconds must be >= 0, got {seconds}")
    return float(seconds)
