"""What a journal says we had: orders, fills, positions, cash, fees, parameters.

Plain, immutable data: the order manager and the position keeper are seeded from it after
a restart, and :func:`~workbench.execution.journal.reconcile.reconcile` compares it with
the venue's own figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from workbench.core.commands import Filled, TimeInForce
from workbench.core.events import Side

#: A ``(venue, symbol)`` pair.
Key = tuple[str, str]


class OrderStatus(StrEnum):
    """Last known state of one of our orders."""

    PENDING_NEW = "pending_new"  # Place journaled, no answer journaled
    WORKING = "working"  # accepted (or filled in part), may rest at the venue
    PENDING_CANCEL = "pending_cancel"  # Cancel journaled, no answer journaled
    CANCELLED = "cancelled"  # no longer working: cancelled, expired, or lost
    FILLED = "filled"
    REJECTED = "rejected"  # refused, or dropped as never sent

    @property
    def is_open(self) -> bool:
        """Whether the order may still be working at the venue."""
        return self in (OrderStatus.PENDING_NEW, OrderStatus.WORKING,
                        OrderStatus.PENDING_CANCEL)


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """One of our orders as the journal last saw it.

    ``price_ticks`` and ``size_lots`` (the total size, filled part included) are the last
    confirmed ones: an :class:`~workbench.core.commands.Amend` counts once it is
    ``Amended``. ``accepted`` says whether the venue acknowledged the order (an ack or a
    fill). ``reason`` is the reason of the last record that changed the status.
    """

    order_id: int
    venue: str
    symbol: str
    side: Side
    price_ticks: int
    size_lots: int
    tif: TimeInForce
    status: OrderStatus
    filled_lots: int = 0
    accepted: bool = False
    placed_ts_ns: int = 0
    updated_ts_ns: int = 0
    reason: str = ""

    @property
    def remaining_lots(self) -> int:
        """Size still working, lots (never negative)."""
        return max(self.size_lots - self.filled_lots, 0)


@dataclass(frozen=True, slots=True)
class RecoveredState:
    """Everything a journal implies, for seeding a restarted engine.

    Attributes
    ----------
    orders : dict of int to OrderRecord
        Every order placed in the journal, by ``order_id``.
    fills : tuple of Filled
        Fills in journal order, each ``(venue, fill_id)`` once (the first report counts).
    positions_lots : dict of (venue, symbol) to int
        Signed position from the fills (and venue corrections), lots.
    cash_flow_tick_lots : dict of (venue, symbol) to int
        Sum of ``-side * price_ticks * size_lots`` over the fills: the quote cash paid
        (negative) or received, in units of one tick times one lot (multiply by
        ``tick_size * lot_size`` for a linear instrument's quote currency).
    fees : dict of (venue, symbol) to float
        Sum of the fills' fees, settlement currency (negative for net rebates).
    params : dict of str to object
        Last value of every parameter, decoded from JSON.
    next_order_id : int
        One above every order id in the journal (commands, reports, risk events); 1 if none.
    last_seq : int
        Sequence number of the last record; 0 for an empty journal.
    last_ts_ns : int
        Latest event time in the journal, ns; 0 if none.
    kill_switch_tripped : bool
        Whether the last kill-switch event was a trip.
    kill_switch_reason : str
        The reason of the trip in force ("" when not tripped).
    high_water_quote : float or None
        Equity's high-water mark as last journaled, quote currency; None if never.
    namespace : str
        Client order id namespace of the last session start that named one; "" if none.
    mode : str
        Mode of the last session marker that named one; "" if none.
    stopped_cleanly : bool
        Whether the last session marker is a stop.
    """

    orders: dict[int, OrderRecord]
    fills: tuple[Filled, ...]
    positions_lots: dict[Key, int]
    cash_flow_tick_lots: dict[Key, int]
    fees: dict[Key, float]
    params: dict[str, Any]
    next_order_id: int
    last_seq: int
    last_ts_ns: int
    kill_switch_tripped: bool
    mode: str
    stopped_cleanly: bool
    kill_switch_reason: str = ""
    high_water_quote: float | None = None
    namespace: str = ""

    def open_orders(self) -> list[OrderRecord]:
        """Orders that may still be working (pending new, working, pending cancel)."""
        return [o for o in self.orders.values() if o.status.is_open]
