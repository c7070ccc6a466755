"""A minimal simulated venue: resting limit orders filled by the recorded market.

A resting buy fills when a sell trade prints strictly below its price (the trade went
through our level, so it would have hit us first) or when the book's ask crosses it; a
sell mirrors this. A trade fills at most its own size across our orders, best price and
then oldest first; a crossing book fills at most the size resting at the crossing prices.
Fills are at our limit price, as maker, with the maker fee. Orders that would cross the
book on entry are rejected (post-only). No latency and no queue: those come with the
full engine's venue model.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.book.l2 import L2Book
from workbench.core.events import Side, Trade
from workbench.core.instruments import Instrument
from workbench.core.orders import Fill, Liquidity, Order


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Fees in basis points of notional; negative means a rebate."""

    maker_bps: float = 0.0
    taker_bps: float = 0.0


class SimVenue:
    """Holds our resting orders on one instrument and fills them from market events.

    Parameters
    ----------
    instrument : Instrument
        The instrument traded.
    fees : FeeSchedule
        Maker and taker fees.
    """

    def __init__(self, instrument: Instrument, fees: FeeSchedule) -> None:
        self.instrument = instrument
        self.fees = fees
        self.orders: dict[int, Order] = {}

    def place(self, order: Order, book: L2Book) -> str | None:
        """Rest an order; returns None when accepted, else the reason it was rejected."""
        if order.size_lots <= 0 or order.price_ticks <= 0:
            return "price and size must be positive"
        if order.order_id in self.orders:
            return "duplicate order id"
        if order.side is Side.BUY:
            best = book.best_ask_ticks
            if best >= 0 and order.price_ticks >= best:
                return "post-only: would cross the best ask"
        else:
            best = book.best_bid_ticks
            if best >= 0 and order.price_ticks <= best:
                return "post-only: would cross the best bid"
        self.orders[order.order_id] = order
        return None

    def cancel(self, order_id: int) -> bool:
        """Remove an order; False when it is not resting (filled or unknown)."""
        return self.orders.pop(order_id, None) is not None

    def on_trade(self, trade: Trade) -> list[Fill]:
        """Fill resting orders that the trade printed through."""
        if trade.aggressor is Side.SELL:
            hit = [o for o in self.orders.values()
                   if o.side is Side.BUY and o.price_ticks > trade.price_ticks]
        else:
            hit = [o for o in self.orders.values()
                   if o.side is Side.SELL and o.price_ticks < trade.price_ticks]
        return self._fill(hit, trade.size_lots, trade.local_ts_ns)

    def on_book(self, book: L2Book, ts_ns: int) -> list[Fill]:
        """Fill resting orders that the book now crosses, up to the crossing size."""
        fills: list[Fill] = []
        best_ask, best_bid = book.best_ask_ticks, book.best_bid_ticks
        buys = [o for o in self.orders.values()
                if o.side is Side.BUY and 0 <= best_ask <= o.price_ticks]
        if buys:
            limit = max(o.price_ticks for o in buys)
            fills += self._fill(buys, _size_through(book, False, limit), ts_ns)
        sells = [o for o in self.orders.values()
                 if o.side is Side.SELL and 0 <= o.price_ticks <= best_bid]
        if sells:
            limit = min(o.price_ticks for o in sells)
            fills += self._fill(sells, _size_through(book, True, limit), ts_ns)
        return fills

    def _fill(self, orders: list[Order], available_lots: int, ts_ns: int) -> list[Fill]:
        if not orders or available_lots <= 0:
            return []
        buy = orders[0].side is Side.BUY
        orders.sort(key=lambda o: (-o.price_ticks if buy else o.price_ticks, o.order_id))
        inst = self.instrument
        fills = []
        for order in orders:
            if available_lots <= 0:
                break
            qty = min(order.remaining_lots, available_lots)
            available_lots -= qty
            order.filled_lots += qty
            fee = inst.notional(order.price_ticks, qty) * self.fees.maker_bps * 1e-4
            fills.append(Fill(order.order_id, order.venue, order.symbol, order.side,
                              order.price_ticks, qty, fee, Liquidity.MAKER, ts_ns))
            if order.remaining_lots == 0:
                del self.orders[order.order_id]
        return fills


def _size_through(book: L2Book, bids: bool, limit_ticks: int) -> int:
    """Size resting on one side at prices that cross ``limit_ticks``."""
    n = 1
    while True:
        bt, bl, at, al = book.top(n)
        ticks, lots = (bt, bl) if bids else (at, al)
        crossing = ticks >= limit_ticks if bids else ticks <= limit_ticks
        if len(ticks) < n or not crossing[-1]:
            return int(lots[crossing].sum())
        n *= 2

