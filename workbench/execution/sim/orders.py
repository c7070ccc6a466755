"""Our orders as the simulated exchange holds them, and the register of their ids."""

from __future__ import annotations

from workbench.core.commands import CommandKind, RejectCode, TimeInForce
from workbench.core.events import Side
from workbench.execution.sim.validation import CommandRefused


class SimOrder:
    """One of our orders inside the simulated exchange.

    Attributes
    ----------
    price_ticks : int
        Limit price.
    size_lots : int
        Total size (as placed or last amended); ``filled_lots + remaining_lots``.
    ahead_lots : int
        Other participants' size ahead of the order in its level's queue (resting only).
    credit_lots : int or None
        How far the last depth diff that changed the order's level moved it up (None
        until a diff changes the level after the order joined it): a trade print that
        diff already showed gives it back before advancing the queue itself (see
        :meth:`InstrumentMatcher.on_trade
        <workbench.execution.sim.matcher.InstrumentMatcher.on_trade>`).
    venue_order_id : str
        The exchange's own id of the order, given when it is accepted.
    """

    __slots__ = ("ahead_lots", "credit_lots", "filled_lots", "is_bid", "order_id", "price_ticks",
                 "remaining_lots", "side", "size_lots", "symbol", "tif", "venue",
                 "venue_order_id")

    def __init__(self, order_id: int, venue: str, symbol: str, side: Side, price_ticks: int,
                 size_lots: int, tif: TimeInForce) -> None:
        self.order_id = order_id
        self.venue = venue
        self.symbol = symbol
        self.side = side
        self.is_bid = side is Side.BUY
        self.price_ticks = price_ticks
        self.size_lots = size_lots
        self.tif = tif
        self.filled_lots = 0
        self.remaining_lots = size_lots
        self.ahead_lots = 0
        self.credit_lots: int | None = None
        self.venue_order_id = ""

    def __repr__(self) -> str:
        return (f"SimOrder({self.order_id} {self.side.name} {self.remaining_lots}/"
                f"{self.size_lots} @ {self.price_ticks} ahead={self.ahead_lots})")


class OrderRegister:
    """Which order ids are working, and how the others ended.

    An id is taken once its :class:`Place` is accepted; a refused Place takes no id. Each
    accepted order gets the exchange's own id, counting from 1 (as a string, as venues
    give them).
    """

    __slots__ = ("_ended", "_venue_ids", "working")

    def __init__(self) -> None:
        self.working: dict[int, SimOrder] = {}
        self._ended: dict[int, str] = {}
        self._venue_ids = 0

    def is_taken(self, order_id: int) -> bool:
        """True when an accepted order already used this id."""
        return order_id in self.working or order_id in self._ended

    def add(self, order: SimOrder) -> None:
        """The order is working; it gets its exchange id."""
        self._venue_ids += 1
        order.venue_order_id = str(self._venue_ids)
        self.working[order.order_id] = order

    def end(self, order: SimOrder, how: str) -> None:
        """The order stopped working: ``how`` is ``"filled"``, ``"canceled"``, ..."""
        self.working.pop(order.order_id, None)
        self._ended[order.order_id] = how

    def get_working(self, order_id: int, command: CommandKind) -> SimOrder:
        """The working order with this id.

        Raises
        ------
        CommandRefused
            If the id is unknown or the order has ended, naming which.
        """
        order = self.working.get(order_id)
        if order is not None:
            return order
        how = self._ended.get(order_id)
        if how is None:
            raise CommandRefused(command, f"unknown order id {order_id}",
                                 code=RejectCode.UNKNOWN_ORDER)
        raise CommandRefused(command, f"order {order_id} is no longer working: {how}",
                             code=RejectCode.UNKNOWN_ORDER)
