"""What the risk gate looks at: orders, positions, and each instrument's market state."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from workbench.book.l2 import L2Book
from workbench.core.instruments import Instrument, InstrumentKind
from workbench.execution.orders.manager import OrderManager
from workbench.execution.position import Portfolio


class MarketState:
    """The engine's latest view of one instrument's market, in ticks.

    ``fair_mid_ticks`` is NaN until the estimators give one; ``bid_ticks`` and
    ``ask_ticks`` are the venue's own best prices, 0 for a missing side;
    ``last_update_ns`` is -1 before the first book update. ``quote_per_lot`` is the
    notional of one lot at the fair mid (quote currency; the face value for inverse
    contracts), NaN without a fair mid.
    """

    __slots__ = ("_face_per_lot", "_value_per_tick_lot", "ask_ticks", "bid_ticks",
                 "fair_mid_ticks", "instrument", "last_update_ns", "quote_per_lot")

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.fair_mid_ticks = math.nan
        self.quote_per_lot = math.nan
        self.bid_ticks = 0
        self.ask_ticks = 0
        self.last_update_ns = -1
        if instrument.kind is InstrumentKind.INVERSE_PERP:
            self._face_per_lot = instrument.lot_size_float * float(instrument.contract_value)
        else:
            self._face_per_lot = 0.0
        self._value_per_tick_lot = instrument.tick_size_float * instrument.lot_size_float

    def on_book(self, bid_ticks: int, ask_ticks: int, ts_ns: int) -> None:
        """Record a book update (best bid and ask in ticks, 0 for a missing side)."""
        self.bid_ticks = bid_ticks
        self.ask_ticks = ask_ticks
        self.last_update_ns = ts_ns

    @property
    def venue_mid_ticks(self) -> float:
        """The venue's own mid, ``(bid + ask) / 2`` in ticks; NaN unless the book has both
        sides and is not crossed."""
        bid, ask = self.bid_ticks, self.ask_ticks
        if 0 < bid < ask:
            return (bid + ask) / 2
        return math.nan

    def set_fair_mid(self, fair_mid_ticks: float) -> None:
        """Record the fair mid in (fractional) ticks; NaN or non-positive clears it."""
        if not fair_mid_ticks > 0:
            self.fair_mid_ticks = self.quote_per_lot = math.nan
            return
        self.fair_mid_ticks = fair_mid_ticks
        self.quote_per_lot = (self._face_per_lot
                              or fair_mid_ticks * self._value_per_tick_lot)


class RiskContext:
    """Everything :class:`RiskGate` and :class:`KillSwitch` read, kept by the engine.

    Parameters
    ----------
    orders : OrderManager
        Our orders (working exposure, open order counts).
    portfolio : Portfolio
        Positions, equity and drawdown.
    instruments : iterable of Instrument
        Instruments traded; each gets a :class:`MarketState` in :attr:`markets`.
    books : mapping of (venue, symbol) to L2Book, optional
        The venues' books (read only), for orders sized and priced from them (the kill
        switch's flattening).

    Attributes
    ----------
    now_ns : int
        Event time of the step being processed (set by the engine).
    """

    def __init__(self, orders: OrderManager, portfolio: Portfolio,
                 instruments: Iterable[Instrument],
                 books: Mapping[tuple[str, str], L2Book] | None = None) -> None:
        self.orders = orders
        self.portfolio = portfolio
        self.books: Mapping[tuple[str, str], L2Book] = books if books is not None else {}
        self.markets: dict[tuple[str, str], MarketState] = {
            inst.key: MarketState(inst) for inst in instruments}
        self.now_ns = 0
