"""The life of one of our orders, as the order manager sees it.

::

    PENDING_NEW ──ack──► WORKING ──amend──► PENDING_AMEND ──amended/rejected──► WORKING
         │                  │  └──cancel──► PENDING_CANCEL ──canceled──► CANCELED
         │                  └──fills──► FILLED
         └──rejected──► REJECTED

A command unanswered for longer than the ack timeout makes the order UNKNOWN: it may
or may not be live at the venue, so it counts as live (its worst case) until a report
settles it. So does a cancel the venue refuses as "unknown order" while our place may
still be on its way, a place the venue calls a duplicate, and an order adopted in doubt
after a restart. An UNKNOWN order is cancelled again at intervals and, with no sign of
life for the unknown timeout, is presumed gone (CANCELED). CANCELED, FILLED and REJECTED
are terminal; fills that arrive after a terminal report are still booked, and an ack or
fill for an order only *presumed* gone brings it back to WORKING, to be cancelled.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from workbench.core.commands import CommandKind, TimeInForce
from workbench.core.events import Side


class OrderState(StrEnum):
    """Where an order is in its life."""

    PENDING_NEW = "pending_new"  # place sent, no answer yet
    WORKING = "working"  # live at the venue
    PENDING_CANCEL = "pending_cancel"  # cancel sent
    PENDING_AMEND = "pending_amend"  # amend sent
    UNKNOWN = "unknown"  # a command timed out: may or may not be live
    CANCELED = "canceled"
    FILLED = "filled"
    REJECTED = "rejected"

    @property
    def terminal(self) -> bool:
        """True once the order can no longer be live."""
        return self in _TERMINAL


_TERMINAL = frozenset({OrderState.CANCELED, OrderState.FILLED, OrderState.REJECTED})


class OrderView(NamedTuple):
    """A plain snapshot of one order (for UIs, journals and tests).

    ``in_flight`` names the command awaiting an answer ("place", "cancel", "amend") or
    is empty; ``amend_price_ticks``/``amend_size_lots`` are the values of an amend not
    yet answered (0 when none).
    """

    order_id: int
    venue: str
    symbol: str
    side: Side
    price_ticks: int
    size_lots: int
    filled_lots: int
    state: str
    tif: str
    in_flight: str
    placed_ns: int
    amend_price_ticks: int
    amend_size_lots: int


class ManagedOrder:
    """Mutable record of one order, owned by the :class:`OrderManager` (read, never write).

    Sizes are totals in lots, as on the venue: ``size_lots`` is the order's size and
    ``filled_lots`` what has been executed of it, so ``remaining_lots`` is what may still
    fill. While an amend is unanswered its values are kept in ``amend_price_ticks`` and
    ``amend_size_lots`` (0 otherwise) and the worst case of old and new counts as live.
    """

    __slots__ = ("acked", "amend_ok", "amend_price_ticks", "amend_size_lots", "fill_ids",
                 "filled_lots", "in_flight", "in_flight_ns", "key", "lost", "order_id",
                 "presumed", "price_ticks", "quoted_ns", "reason", "retry_ns", "side",
                 "size_lots", "state", "symbol", "tif", "unknown_ns", "unwanted", "venue")

    def __init__(self, order_id: int, venue: str, symbol: str, key: tuple[str, str],
                 side: Side, price_ticks: int, size_lots: int, tif: TimeInForce,
                 now_ns: int) -> None:
        self.order_id = order_id
        self.venue = venue
        self.symbol = symbol
        self.key = key
        self.side = side
        self.price_ticks = price_ticks
        self.size_lots = size_lots
        self.tif = tif
        self.filled_lots = 0
        self.state = OrderState.PENDING_NEW
        self.acked = False  # the venue has shown the order exists (ack, fill or amend)
        self.amend_ok = True  # cleared when the venue refuses an amend: cancel/replace then
        self.in_flight: CommandKind | None = CommandKind.PLACE
        self.in_flight_ns = now_ns
        self.quoted_ns = now_ns  # when the current price/size was sent (minimum age)
        self.amend_price_ticks = 0
        self.amend_size_lots = 0
        self.fill_ids: set[int] | None = None
        self.lost: list[CommandKind] | None = None  # timed-out commands that may yet answer
        self.reason = ""
        self.unknown_ns = -1  # when the order last became UNKNOWN (-1: it is not)
        self.retry_ns = 0  # an UNKNOWN order is not cancelled again before this time
        self.presumed = False  # finished without the venue saying so (unknown timeout)
        self.unwanted = False  # came back after it was presumed gone: cancel it

    @property
    def remaining_lots(self) -> int:
        """Lots still open at the order's confirmed size."""
        return self.size_lots - self.filled_lots

    @property
    def worst_remaining_lots(self) -> int:
        """Lots that may still fill: the larger of the confirmed and an unanswered amend."""
        rem = self.size_lots - self.filled_lots
        if self.amend_size_lots:
            rem = max(rem, self.amend_size_lots - self.filled_lots)
        return rem if rem > 0 else 0

    def view(self) -> OrderView:
        """This order as plain data."""
        return OrderView(self.order_id, self.venue, self.symbol, self.side, self.price_ticks,
                         self.size_lots, self.filled_lots, self.state.value, self.tif.value,
                         self.in_flight.value if self.in_flight is not None else "",
                         self.quoted_ns, self.amend_price_ticks, self.amend_size_lots)
