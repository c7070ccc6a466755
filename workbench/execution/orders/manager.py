"""The order manager: target ladders in, commands out; venue reports in, state changes out.

It owns our orders' state (see :mod:`~workbench.execution.orders.state`) and never sends
a second command for an order while one is unanswered; the only exception is the cancel
that follows an ack timeout, when the unanswered command is presumed lost. Reports may
come late, twice, out of order or for orders it never knew: each such case is settled
by a fixed rule, counted in :attr:`OrderManager.anomalies` and, where the report was not
applied, kept in :attr:`OrderManager.anomaly_reports`.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from workbench.core.commands import (
    Accepted,
    Amend,
    Amended,
    Cancel,
    Canceled,
    Command,
    CommandKind,
    Filled,
    Place,
    RejectCode,
    Rejected,
    Report,
    TimeInForce,
)
from workbench.core.events import Side
from workbench.core.instruments import Instrument
from workbench.execution.orders.config import OrderManagerConfig
from workbench.execution.orders.ids import OrderIdAllocator
from workbench.execution.orders.matching import plan_side
from workbench.execution.orders.state import ManagedOrder, OrderState, OrderView
from workbench.strategies.types import TargetQuotes

_PENDING_NEW = OrderState.PENDING_NEW
_WORKING = OrderState.WORKING
_PENDING_CANCEL = OrderState.PENDING_CANCEL
_PENDING_AMEND = OrderState.PENDING_AMEND
_UNKNOWN = OrderState.UNKNOWN
_CANCELED = OrderState.CANCELED
_FILLED = OrderState.FILLED
_REJECTED = OrderState.REJECTED
_PLACE, _CANCEL, _AMEND = CommandKind.PLACE, CommandKind.CANCEL, CommandKind.AMEND
_IOC = TimeInForce.IOC
_BUY, _SELL = Side.BUY, Side.SELL
_NO_ORDERS: dict[int, ManagedOrder] = {}
_FILL_AFTER = {_CANCELED: "fill_after_cancel", _REJECTED: "fill_after_reject",
               _FILLED: "fill_after_filled"}


class OrderUpdate(NamedTuple):
    """What one report changed: the order's state before and after, and a fill to book.

    ``fill`` is the report itself when it is a new execution (book it into positions,
    even when the order had already been cancelled), else None.
    """

    order_id: int
    previous: OrderState
    state: OrderState
    fill: Filled | None


class OrderManager:
    """Tracks our orders and turns target quotes into place, amend and cancel commands.

    Rules for awkward reports (each counted in :attr:`anomalies` under its name):

    * ``unknown_order``: a report for an id never issued (or long forgotten) is kept in
      :attr:`anomaly_reports` and otherwise ignored; a fill there is not booked.
    * ``duplicate_fill``: a fill whose ``fill_id`` the order already has is ignored.
    * ``fill_after_cancel`` / ``fill_after_reject`` / ``fill_after_filled``: fills for a
      finished order are booked all the same (the venue did trade).
    * ``late_ack``: an ack for a finished order is ignored; ``ack_after_cancel_sent``: an
      ack while our cancel is in flight confirms the order exists, the cancel stands.
    * ``cancel_rejected_working``: a transient cancel rejection (rate limit, busy)
      leaves the order live (WORKING, or UNKNOWN if never confirmed) with nothing in
      flight, so the next :meth:`reconcile` or :meth:`cancel_all` cancels it again.
    * ``cancel_rejected_unknown``: a final cancel rejection ("unknown order") proves
      nothing: the order may have filled or been cancelled already, or its place may
      still be on its way (an ack seen before the rejection does not say which came
      first at the venue when its answers can cross). The order becomes UNKNOWN and
      stays live until a report settles it (its fill, its cancel) or it is resolved by
      time (see :meth:`check_timeouts`).
    * ``duplicate_place``: the venue refuses a place because it already has an order
      with that id (a retried place): the order exists or existed, so it is not
      rejected but becomes UNKNOWN and is resolved.
    * ``presumed_gone``: an UNKNOWN order without a sign of life for
      ``unknown_timeout_ns`` is CANCELED, presumed gone; ``revived``: an ack, amend or
      fill with size left for such an order brings it back, WORKING and unwanted: it
      counts as live again and is cancelled at once (:meth:`urgent_cancels`).
    * ``amend_rejected``: the order keeps its old price and size and is requoted by
      cancel and replace from then on; a transient amend rejection (rate limit) keeps
      amends allowed.
    * ``ack_timeout``: a command unanswered for ``ack_timeout_ns`` (see
      :meth:`check_timeouts`).
    * ``stale_report``: an answer to a command presumed lost after its ack timeout or
      superseded, or a report for a finished order; ``duplicate_ack``: a second ack.

    Decisions the manager takes without a venue report (an order presumed gone, one
    revived) are kept in :attr:`notices` as ``(name, order_id, reason)`` for the engine
    to journal; :meth:`drain_notices` hands them over.

    An IOC order stays PENDING_NEW, its place in flight, until its final report (filled,
    cancelled or rejected): an IOC whose end is never reported then times out like a lost
    ack instead of passing for a resting order. Rejections from the risk gate are fed in
    like the venue's.

    Parameters
    ----------
    config : OrderManagerConfig, optional
        Requote tolerance, minimum age, amend support, ack timeout.
    """

    def __init__(self, config: OrderManagerConfig | None = None) -> None:
        self.config = config if config is not None else OrderManagerConfig()
        self._ids = OrderIdAllocator(self.config.first_order_id)
        self._orders: dict[int, ManagedOrder] = {}
        self._by_key: dict[tuple[str, str], dict[int, ManagedOrder]] = {}
        self._done: dict[int, ManagedOrder] = {}
        self._done_fifo: deque[int] = deque()
        # Bumped by every change of any order; a reconcile that had nothing to do and did
        # not wait on an order's minimum age is remembered with it (see reconcile).
        self._version = 0
        self._settled: tuple[int, tuple[str, str], TargetQuotes] | None = None
        self.anomalies: Counter[str] = Counter()
        self.anomaly_reports: deque[tuple[str, Report]] = deque(maxlen=1000)
        self.notices: list[tuple[str, int, str]] = []
        self._urgent: list[ManagedOrder] = []  # revived orders awaiting their cancel

    # -- queries -------------------------------------------------------------------------
    @property
    def version(self) -> int:
        """A number every change of any order bumps (a place, cancel, amend, report,
        timeout, revival): equal numbers mean the same orders in the same states."""
        return self._version

    @property
    def settled(self) -> bool:
        """Whether the last :meth:`reconcile` had nothing to do and deferred nothing for
        an order's minimum age, so that asked again for the same targets before any
        order changes it answers nothing, whatever the time."""
        return self._settled is not None

    def get(self, order_id: int) -> ManagedOrder | None:
        """A live or recently finished order (read only), or None."""
        order = self._orders.get(order_id)
        return order if order is not None else self._done.get(order_id)

    def live_orders(self) -> Iterator[ManagedOrder]:
        """Orders that are or may be live, oldest first (a copy: safe to act on)."""
        return iter(list(self._orders.values()))

    @property
    def open_orders(self) -> int:
        """Number of orders that are or may be live."""
        return len(self._orders)

    def exposure_lots(self, key: tuple[str, str], exclude_id: int = 0) -> tuple[int, int, int]:
        """Worst-case lots that may still fill on ``key``: ``(buy, sell, open_orders)``.

        Every order that is or may be live counts with its :attr:`worst_remaining_lots`
        (orders being cancelled included); ``exclude_id`` leaves one order out.
        """
        buy = sell = n = 0
        for order in self._by_key.get(key, _NO_ORDERS).values():
            if order.order_id == exclude_id:
                continue
            n += 1
            if order.side is _BUY:
                buy += order.worst_remaining_lots
            else:
                sell += order.worst_remaining_lots
        return buy, sell, n

    def snapshot(self) -> list[OrderView]:
        """Every live order as plain data, oldest first (for UIs)."""
        return [order.view() for order in self._orders.values()]

    # -- restart -------------------------------------------------------------------------
    def adopt(self, order_id: int, venue: str, symbol: str, side: Side, price_ticks: int,
              size_lots: int, filled_lots: int, tif: TimeInForce, now_ns: int,
              fill_ids: Iterable[int] = (), in_doubt: bool = False,
              cancelling: bool = False) -> None:
        """Take over an order of an earlier session (after a restart).

        ``size_lots`` is the total size, ``filled_lots`` what has filled of it and
        ``fill_ids`` the fills already booked, so that a report of one of them arriving
        after the restart is recognised as a duplicate. An order the venue confirms is
        WORKING; one ``in_doubt`` (its place may still be on its way to the venue) is
        UNKNOWN, whatever its time in force: it counts as live, is cancelled and, with no
        sign of life, presumed gone after ``unknown_timeout_ns`` (:meth:`check_timeouts`).
        One ``cancelling`` has a cancel on its way (sent by the restart): PENDING_CANCEL,
        so that nothing sends it a second. Ids are handed out above every adopted one
        from then on.
        """
        self._version += 1
        key = (venue, symbol)
        order = ManagedOrder(order_id, venue, symbol, key, side, price_ticks, size_lots, tif,
                             now_ns)
        order.filled_lots = filled_lots
        order.state = _UNKNOWN if in_doubt else _WORKING
        order.unknown_ns = now_ns if in_doubt else -1
        order.acked = not in_doubt
        order.in_flight = None
        if cancelling:
            if not in_doubt:
                order.state = _PENDING_CANCEL
            order.in_flight = _CANCEL
            order.retry_ns = now_ns + self.config.unknown_retry_ns
        order.fill_ids = set(fill_ids) or None
        self._orders[order_id] = order
        self._by_key.setdefault(key, {})[order_id] = order
        self._ids.reserve(order_id + 1)

    def remember(self, order_id: int, venue: str, symbol: str, side: Side, price_ticks: int,
                 size_lots: int, filled_lots: int, tif: TimeInForce, state: OrderState,
                 fill_ids: Iterable[int] = ()) -> None:
        """Know a finished order of an earlier session, so that a late fill of it is still
        booked (once) and a late ack recognised, as for this session's own."""
        self._version += 1
        key = (venue, symbol)
        order = ManagedOrder(order_id, venue, symbol, key, side, price_ticks, size_lots, tif, 0)
        order.filled_lots = filled_lots
        order.in_flight = None
        order.fill_ids = set(fill_ids) or None
        self._orders[order_id] = order
        self._by_key.setdefault(key, {})[order_id] = order
        self._finish(order, state, "finished before the restart")
        self._ids.reserve(order_id + 1)

    def reserve_ids(self, next_id: int) -> None:
        """Never hand out an id below ``next_id`` (ids used by an earlier session)."""
        self._ids.reserve(next_id)

    # -- commands ------------------------------------------------------------------------
    def place(self, venue: str, symbol: str, side: Side, price_ticks: int, size_lots: int,
              tif: TimeInForce, now_ns: int, reason: str = "") -> Place:
        """Register a new order and return its :class:`Place` (to pass through the gate)."""
        self._version += 1
        key = (venue, symbol)
        oid = self._ids.next_id()
        order = ManagedOrder(oid, venue, symbol, key, side, price_ticks, size_lots, tif, now_ns)
        self._orders[oid] = order
        book = self._by_key.get(key)
        if book is None:
            book = self._by_key[key] = {}
        book[oid] = order
        return Place(oid, venue, symbol, side, price_ticks, size_lots, tif, now_ns, reason)

    def cancel(self, order_id: int, now_ns: int, reason: str = "") -> Cancel | None:
        """A :class:`Cancel` for a live order with nothing in flight, else None."""
        order = self._orders.get(order_id)
        if order is None or order.in_flight is not None:
            return None
        return self._cancel(order, now_ns, reason)

    def _cancel(self, order: ManagedOrder, now_ns: int, reason: str) -> Cancel:
        self._version += 1
        if order.state is not _UNKNOWN:
            order.state = _PENDING_CANCEL
        else:
            order.retry_ns = now_ns + self.config.unknown_retry_ns
        order.in_flight = _CANCEL
        order.in_flight_ns = now_ns
        return Cancel(order.order_id, order.venue, order.symbol, now_ns, reason)

    def _amend(self, order: ManagedOrder, price_ticks: int, size_lots: int,
               now_ns: int) -> Amend:
        self._version += 1
        total = order.filled_lots + size_lots
        order.state = _PENDING_AMEND
        order.in_flight = _AMEND
        order.in_flight_ns = order.quoted_ns = now_ns
        order.amend_price_ticks = price_ticks
        order.amend_size_lots = total
        return Amend(order.order_id, order.venue, order.symbol, price_ticks, total, now_ns,
                     "requote")

    def cancel_all(self, now_ns: int, reason: str) -> list[Cancel]:
        """Cancels for every live order with no command in flight (the kill switch's).

        Orders with a command in flight are left alone: call again once it is answered
        (or :meth:`check_timeouts` cancels them if it never is); an UNKNOWN order is
        asked again only once its retry interval has passed.
        """
        return [self._cancel(order, now_ns, reason) for order in list(self._orders.values())
                if order.in_flight is None
                and (order.state is not _UNKNOWN or now_ns >= order.retry_ns)]

    def urgent_cancels(self, now_ns: int) -> list[Cancel]:
        """Cancels for orders that came back after they were presumed gone (revived)."""
        urgent, self._urgent = self._urgent, []
        out = []
        for order in urgent:
            if self._orders.get(order.order_id) is not order:
                continue  # finished meanwhile
            if order.in_flight is None:
                out.append(self._cancel(order, now_ns, "revived: live after presumed gone"))
            else:
                self._urgent.append(order)
        return out

    @property
    def has_urgent(self) -> bool:
        """Whether :meth:`urgent_cancels` has anything to send."""
        return bool(self._urgent)

    def drain_notices(self) -> list[tuple[str, int, str]]:
        """The decisions taken without a venue report since the last call (see the class
        docstring), oldest first."""
        notices, self.notices = self.notices, []
        return notices

    def reconcile(self, instrument: Instrument, targets: TargetQuotes,
                  now_ns: int) -> list[Command]:
        """Commands that move our resting orders on ``instrument`` towards ``targets``.

        Cancels come first, then amends, then places. An order with a command in flight,
        or younger than ``min_age_ns``, is not requoted this time; orders no longer
        wanted are cancelled whatever their age; orders in UNKNOWN state are cancelled.
        A taker order becomes an IOC place unless an IOC on the same instrument and side
        is still live.

        A call that sends nothing and defers no requote for its minimum age is remembered
        with the state of our orders: asked again for the same targets before any order
        changes, the answer is again nothing, given at once.

        Raises
        ------
        ValidationError
            If a target level has a non-positive price or size.
        """
        venue, symbol = instrument.venue, instrument.symbol
        key = (venue, symbol)
        settled = self._settled
        if (settled is not None and settled[0] == self._version and settled[1] == key
                and settled[2] == targets):
            return []
        cfg = self.config
        waiting = False
        cancels: list[Command] = []
        amends: list[Command] = []
        places: list[Command] = []
        for side, levels in ((_BUY, targets.bids), (_SELL, targets.asks)):
            resting: list[ManagedOrder] = []
            for order in self._by_key.get(key, _NO_ORDERS).values():
                if order.side is not side or order.tif is _IOC:
                    continue
                state = order.state
                if order.unwanted:
                    if order.in_flight is None:
                        cancels.append(self._cancel(order, now_ns, "revived: not wanted"))
                elif state is _WORKING or state is _PENDING_NEW or state is _PENDING_AMEND:
                    resting.append(order)
                elif order.in_flight is None and now_ns >= order.retry_ns:
                    cancels.append(self._cancel(order, now_ns, "state unknown"))
            if not resting and not levels:
                continue
            plan = plan_side(resting, levels, side is _BUY, cfg.tolerance_ticks,
                             cfg.tolerance_bps, cfg.keep_partial)
            for order, (price, size) in plan.changes:
                if order.in_flight is not None:
                    continue
                if now_ns - order.quoted_ns < cfg.min_age_ns:
                    waiting = True
                    continue
                if cfg.amend_supported and order.amend_ok:
                    amends.append(self._amend(order, price, size, now_ns))
                else:
                    cancels.append(self._cancel(order, now_ns, "requote"))
                    places.append(self.place(venue, symbol, side, price, size,
                                             cfg.resting_tif, now_ns, "requote"))
            for price, size in plan.new:
                places.append(self.place(venue, symbol, side, price, size, cfg.resting_tif,
                                         now_ns, "quote"))
            for order in plan.excess:
                if order.in_flight is None:
                    cancels.append(self._cancel(order, now_ns, "not wanted"))
        taker = targets.taker
        if taker is not None and not any(
                o.tif is _IOC and o.side is taker.side
                for o in self._by_key.get(key, _NO_ORDERS).values()):
            places.append(self.place(venue, symbol, taker.side, taker.price_ticks,
                                     taker.size_lots, _IOC, now_ns, taker.reason))
        if amends:
            cancels += amends
        if places:
            cancels += places
        self._settled = None if cancels or waiting else (self._version, key, targets)
        return cancels

    def check_timeouts(self, now_ns: int) -> list[Cancel]:
        """Cancels that time asks for: lost commands, and orders whose state is unknown.

        * A command unanswered for more than ``ack_timeout_ns`` makes its order UNKNOWN
          (it counts as live until a report settles it) and gets a cancel, whose reason
          says which command timed out and for how long. The timed-out command is
          presumed lost; should its answer come after all, it is recognised (answers
          come in order) and does not pass for the cancel's.
        * An UNKNOWN order with nothing in flight, of any time in force, is cancelled
          again once ``unknown_retry_ns`` has passed since the last attempt.
        * An order UNKNOWN for ``unknown_timeout_ns`` without a sign of life is presumed
          gone (CANCELED, noticed as ``presumed_gone``), a command in flight or not: the
          venue has had the time to answer it.
        """
        cfg = self.config
        limit = cfg.ack_timeout_ns
        out = []
        gone = []
        for order in self._orders.values():
            kind = order.in_flight
            if order.state is _UNKNOWN and now_ns - order.unknown_ns > cfg.unknown_timeout_ns:
                gone.append(order)
            elif kind is not None:
                if now_ns - order.in_flight_ns <= limit:
                    continue
                waited = now_ns - order.in_flight_ns
                self._become_unknown(order, now_ns)
                if order.lost is None:
                    order.lost = [kind]
                else:
                    order.lost.append(kind)
                self.anomalies["ack_timeout"] += 1
                out.append(self._cancel(
                    order, now_ns, f"ack_timeout: {kind.value} unanswered for {waited} ns "
                                   f"> {limit} ns"))
            elif order.state is _UNKNOWN:
                if now_ns >= order.retry_ns:
                    out.append(self._cancel(order, now_ns, "resolve: state unknown"))
            elif order.unwanted:
                out.append(self._cancel(order, now_ns, "revived: not wanted"))
        for order in gone:
            reason = (f"presumed gone: no sign of order {order.order_id} at the venue for "
                      f"{now_ns - order.unknown_ns} ns > {cfg.unknown_timeout_ns} ns")
            self.anomalies["presumed_gone"] += 1
            self.notices.append(("presumed_gone", order.order_id, reason))
            self._finish(order, _CANCELED, reason)
            order.presumed = True
        return out

    def _become_unknown(self, order: ManagedOrder, now_ns: int) -> None:
        if order.state is not _UNKNOWN or order.unknown_ns < 0:
            order.unknown_ns = now_ns
        order.state = _UNKNOWN

    # -- reports -------------------------------------------------------------------------
    def on_report(self, report: Report) -> OrderUpdate | None:
        """Apply a venue (or risk gate) report; what changed, or None if nothing did."""
        self._version += 1
        kind = type(report)
        if kind is Filled:
            return self._on_fill(report)
        order = self._orders.get(report.order_id)
        if order is None:
            order = self._revivable(report)
            if order is None:
                return self._not_live(report)
            self._revive(order, report.ts_ns)
            if kind is Amended:
                order.price_ticks = report.price_ticks
                order.size_lots = report.size_lots
            return OrderUpdate(order.order_id, _CANCELED, order.state, None)
        previous = order.state
        if kind is Accepted:
            self._on_accepted(order)
        elif kind is Canceled:
            self._finish(order, _CANCELED, report.reason)
        elif kind is Rejected:
            self._on_rejected(order, report)
        else:
            self._on_amended(order, report)
        if order.state is previous:
            return None
        return OrderUpdate(order.order_id, previous, order.state, None)

    def _anomaly(self, name: str, report: Report) -> None:
        self.anomalies[name] += 1
        self.anomaly_reports.append((name, report))

    def _revivable(self, report: Report) -> ManagedOrder | None:
        """A finished order presumed gone that ``report`` (an ack or amend) shows live."""
        if type(report) is Accepted or type(report) is Amended:
            done = self._done.get(report.order_id)
            if done is not None and done.presumed:
                return done
        return None

    def revive(self, order_id: int, now_ns: int) -> bool:
        """The venue shows ``order_id`` open although we took it as finished (a resync):
        bring it back, live and unwanted, to be cancelled (:meth:`urgent_cancels`).
        False if the order is live already or not known at all."""
        order = self._done.get(order_id)
        if order is None:
            return False
        self._version += 1
        self._revive(order, now_ns)
        return True

    def _revive(self, order: ManagedOrder, now_ns: int) -> None:
        """Bring back an order presumed gone: live, confirmed, unwanted (cancel it)."""
        oid = order.order_id
        del self._done[oid]
        self._done_fifo.remove(oid)
        self._orders[oid] = order
        self._by_key.setdefault(order.key, {})[oid] = order
        order.state = _WORKING
        order.acked = True
        order.presumed = False
        order.unwanted = True
        order.in_flight = None
        order.lost = None
        order.unknown_ns = -1
        order.reason = "revived: live after presumed gone"
        self.anomalies["revived"] += 1
        self.notices.append(("revived", oid, f"order {oid} live at the venue after it was "
                                             "presumed gone"))
        self._urgent.append(order)

    def _not_live(self, report: Report) -> None:
        done = self._done.get(report.order_id)
        if done is None:
            self._anomaly("unknown_order", report)
        elif type(report) is Accepted:
            self._anomaly("late_ack", report)
        else:
            self._anomaly("stale_report", report)

    def _finish(self, order: ManagedOrder, state: OrderState, reason: str) -> None:
        order.state = state
        order.in_flight = None
        order.reason = reason
        order.presumed = False
        oid = order.order_id
        del self._orders[oid]
        del self._by_key[order.key][oid]
        self._done[oid] = order
        fifo = self._done_fifo
        fifo.append(oid)
        if len(fifo) > self.config.retain_done:
            del self._done[fifo.popleft()]

    def _late(self, order: ManagedOrder, kind: CommandKind) -> bool:
        """Whether an answer to a ``kind`` command belongs to one presumed lost.

        Venues answer an order's commands in order, so while a timed-out command of the
        same kind may still answer, the oldest is taken to be the one answered.
        """
        lost = order.lost
        if lost and kind in lost:
            lost.remove(kind)
            return True
        return False

    def _on_accepted(self, order: ManagedOrder) -> None:
        order.acked = True
        if self._late(order, _PLACE):
            self.anomalies["ack_after_cancel_sent"] += 1
            order.state = _PENDING_CANCEL
            order.unknown_ns = -1
        elif order.in_flight is _PLACE:
            if order.tif is not _IOC:  # an IOC's place is answered by its final report
                order.state = _WORKING
                order.in_flight = None
        elif order.state is _UNKNOWN:
            order.state = _PENDING_CANCEL if order.in_flight is _CANCEL else _WORKING
            order.unknown_ns = -1
        else:
            self.anomalies["duplicate_ack"] += 1

    def _on_rejected(self, order: ManagedOrder, report: Rejected) -> None:
        command = report.command
        if command is _PLACE:
            if report.code is RejectCode.DUPLICATE_ORDER:
                # The venue has (or had) an order with this id: a retried place whose
                # first copy arrived. Not rejected: resolved like any order in doubt.
                self.anomalies["duplicate_place"] += 1
                if order.in_flight is _PLACE:
                    order.in_flight = None
                if not order.acked or order.state is _PENDING_NEW:
                    order.acked = True
                    self._become_unknown(order, report.ts_ns)
            elif order.acked:
                self._anomaly("stale_report", report)
            else:
                self._finish(order, _REJECTED, report.reason)
        elif command is _AMEND:
            if self._late(order, _AMEND) or order.in_flight is not _AMEND:
                self._anomaly("stale_report", report)
                return
            self.anomalies["amend_rejected"] += 1
            order.amend_price_ticks = order.amend_size_lots = 0
            if not report.transient:
                order.amend_ok = False
            order.in_flight = None
            if order.acked:
                order.state = _WORKING
            else:
                self._become_unknown(order, report.ts_ns)
        elif self._late(order, _CANCEL) or order.in_flight is not _CANCEL:
            self._anomaly("stale_report", report)
        elif report.transient:
            self.anomalies["cancel_rejected_working"] += 1
            order.in_flight = None
            if order.acked:
                order.state = _WORKING
            else:
                self._become_unknown(order, report.ts_ns)
        else:
            # "Unknown order": filled or cancelled already, or a place still on its way (an
            # ack seen first proves nothing when the venue's answers can cross): in doubt.
            self.anomalies["cancel_rejected_unknown"] += 1
            order.in_flight = None
            self._become_unknown(order, report.ts_ns)
            order.retry_ns = max(order.retry_ns, report.ts_ns + self.config.unknown_retry_ns)

    def _on_amended(self, order: ManagedOrder, report: Amended) -> None:
        order.acked = True
        order.price_ticks = report.price_ticks
        order.size_lots = report.size_lots
        if self._late(order, _AMEND) or order.in_flight is not _AMEND:
            self._anomaly("stale_report", report)
        else:
            order.amend_price_ticks = order.amend_size_lots = 0
            order.in_flight = None
            order.state = _WORKING
            order.unknown_ns = -1
        if order.filled_lots >= max(order.size_lots, order.amend_size_lots):
            self._finish(order, _FILLED, "amended to its filled size")

    def _on_fill(self, report: Filled) -> OrderUpdate | None:
        oid = report.order_id
        order = self._orders.get(oid)
        live = order is not None
        if not live:
            order = self._done.get(oid)
            if order is None:
                self._anomaly("unknown_order", report)
                return None
        ids = order.fill_ids
        if ids is None:
            order.fill_ids = {report.fill_id}
        elif report.fill_id in ids:
            self._anomaly("duplicate_fill", report)
            return None
        else:
            ids.add(report.fill_id)
        previous = order.state
        order.filled_lots += report.size_lots
        if not live:
            self.anomalies[_FILL_AFTER[previous]] += 1
            if order.presumed:
                if report.remaining_lots > 0:
                    self._revive(order, report.ts_ns)
                else:
                    order.state = _FILLED
                    order.presumed = False
                    order.reason = "filled after presumed gone"
        elif report.remaining_lots <= 0 or order.filled_lots >= max(order.size_lots,
                                                                     order.amend_size_lots):
            self._finish(order, _FILLED, "filled")
        else:
            order.acked = True
            if order.in_flight is _PLACE and order.tif is not _IOC:
                order.state = _WORKING
                order.in_flight = None
            elif order.state is _UNKNOWN:
                order.state = _PENDING_CANCEL if order.in_flight is _CANCEL else _WORKING
                order.unknown_ns = -1
        return OrderUpdate(oid, previous, order.state, report)
