"""After a restart, square the recovered state with what the venue says it has.

:func:`reconcile` is pure: it returns the records to journal and the cancels to send.
The engine appends :attr:`Reconciliation.records` in one transaction (they include the
cancels) and only then sends :attr:`Reconciliation.cancels`; :attr:`Reconciliation.state`
is the state the journal implies once the records are appended.

The venue's figures win:

1. fills the venue reports that the journal lacks (by ``(venue, fill_id)``) are booked;
2. an order we think pending new that the venue has: its ack was lost, it is working;
   one the venue does not have was never sent (the crash came between journaling the
   ``Place`` and sending it): it is dropped as rejected;
3. an order we think working or pending cancel that the venue does not have is lost:
   it is marked cancelled (a fill while we were down has already been booked by 1);
4. an order still open at the venue that we meant to cancel, or that we do not know
   (or no longer think open), is cancelled;
5. an open order whose price or size differs at the venue takes the venue's;
6. a position that differs from the venue's is set to it (:class:`PositionCorrected`).
   Only the ``(venue, symbol)`` pairs in ``venue_positions`` are compared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from workbench.core.commands import (
    Accepted,
    Amended,
    Cancel,
    Canceled,
    CommandKind,
    Filled,
    Rejected,
)
from workbench.core.events import Side
from workbench.execution.journal.records import PositionCorrected, Record
from workbench.execution.journal.recovery import StateFold
from workbench.execution.journal.state import Key, OrderStatus, RecoveredState

#: Reasons written in the records of a reconciliation.
NEVER_SENT = "never sent: unknown to the venue after restart"
LOST = "lost: not open at the venue after restart"
CANCEL_AGAIN = "cancel again: still open at the venue after restart"
UNKNOWN = "unknown order open at the venue after restart"
POSITION = "venue position after restart"


@dataclass(frozen=True, slots=True)
class VenueOrder:
    """An order open at the venue, as the venue reports it.

    ``order_id`` is the client order id the venue echoes (ours if we placed it);
    ``size_lots`` the total size, filled part included.
    """

    order_id: int
    venue: str
    symbol: str
    side: Side
    price_ticks: int
    size_lots: int


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """What a restart must journal and send, and why.

    Attributes
    ----------
    records : tuple of Record
        To append to the journal (one transaction) before sending anything.
    cancels : tuple of Cancel
        To send to the venues, already among ``records``.
    missed_fills : tuple of Filled
        Venue fills the journal lacked, now booked.
    acknowledged : tuple of int
        Pending-new orders the venue has (their ack was lost), now working.
    never_sent : tuple of int
        Pending-new orders the venue does not have, now rejected.
    lost : tuple of int
        Working or pending-cancel orders the venue does not have, now cancelled.
    repriced : tuple of int
        Open orders whose price or size was taken from the venue.
    unknown : tuple of VenueOrder
        Orders open at the venue that we did not think open, now being cancelled.
    position_mismatches : tuple of PositionCorrected
        Positions set to the venue's figure.
    state : RecoveredState
        The state once ``records`` are journaled.
    """

    records: tuple[Record, ...]
    cancels: tuple[Cancel, ...]
    missed_fills: tuple[Filled, ...]
    acknowledged: tuple[int, ...]
    never_sent: tuple[int, ...]
    lost: tuple[int, ...]
    repriced: tuple[int, ...]
    unknown: tuple[VenueOrder, ...]
    position_mismatches: tuple[PositionCorrected, ...]
    state: RecoveredState


def reconcile(state: RecoveredState, venue_open_orders: Iterable[VenueOrder],
              venue_positions: Mapping[Key, int], *, now_ns: int,
              venue_fills: Iterable[Filled] = ()) -> Reconciliation:
    """Compare ``state`` with the venues' open orders, positions and recent fills.

    Parameters
    ----------
    state : RecoveredState
        From :func:`~workbench.execution.journal.recovery.recover`.
    venue_open_orders : iterable of VenueOrder
        Every order open at the venues concerned.
    venue_positions : mapping of (venue, symbol) to int
        The venues' positions, signed lots.
    now_ns : int
        Event time stamped on the records this creates, ns.
    venue_fills : iterable of Filled
        The venues' fills since some time before the crash (e.g. ``state.last_ts_ns``
        minus a margin); fills already journaled are skipped, so overlap is harmless.

    Returns
    -------
    Reconciliation
    """
    fold = StateFold.from_state(state)
    records: list[Record] = []

    def emit(record: Record) -> Record:
        fold.apply(record, state.last_seq + len(records) + 1)
        records.append(record)
        return record

    missed = tuple(emit(f) for f in venue_fills if not fold.has_fill(f.venue, f.fill_id))
    after_fills = fold.state()
    at_venue = {(v.venue, v.symbol, v.side, v.order_id): v for v in venue_open_orders}
    acknowledged, never_sent, lost, repriced, cancels = [], [], [], [], []
    for order in sorted(after_fills.open_orders(), key=lambda o: o.order_id):
        seen = at_venue.pop((order.venue, order.symbol, order.side, order.order_id), None)
        if seen is None and order.status is OrderStatus.PENDING_NEW:
            emit(Rejected(order.order_id, CommandKind.PLACE, NEVER_SENT, now_ns))
            never_sent.append(order.order_id)
        elif seen is None:
            emit(Canceled(order.order_id, now_ns, LOST))
            lost.append(order.order_id)
        else:
            if order.status is OrderStatus.PENDING_NEW:
                emit(Accepted(order.order_id, now_ns))
                acknowledged.append(order.order_id)
            if (seen.price_ticks, seen.size_lots) != (order.price_ticks, order.size_lots):
                emit(Amended(order.order_id, seen.price_ticks, seen.size_lots, now_ns,
                             kept_priority=False))
                repriced.append(order.order_id)
            if order.status is OrderStatus.PENDING_CANCEL:
                cancels.append(emit(Cancel(order.order_id, order.venue, order.symbol, now_ns,
                                           CANCEL_AGAIN)))
    unknown = sorted(at_venue.values(), key=lambda v: (v.venue, v.symbol, v.order_id))
    for v in unknown:
        cancels.append(emit(Cancel(v.order_id, v.venue, v.symbol, now_ns, UNKNOWN)))
    mismatches = []
    for (venue, symbol), venue_lots in sorted(venue_positions.items()):
        ours = after_fills.positions_lots.get((venue, symbol), 0)
        if ours != venue_lots:
            mismatches.append(emit(PositionCorrected(venue, symbol, venue_lots, ours, now_ns,
                                                     POSITION)))
    return Reconciliation(tuple(records), tuple(cancels), missed, tuple(acknowledged),
                          tuple(never_sent), tuple(lost), tuple(repriced), tuple(unknown),
                          tuple(mismatches), fold.state())
