"""Rebuild the state of a session from its journal: a fold over the records, in order.

The rules, record by record (an ``order_id`` the journal never placed changes no order):

- ``Place``: a new order, pending new (a repeated ``Place`` of a known id is ignored).
- ``Accepted``: a pending-new order is working; any order is marked accepted.
- ``Rejected`` (not transient): a refused place ends the order as rejected if it was not
  accepted; a refused cancel puts a pending cancel back to working (pending new if it was
  never accepted). A transient rejection, or one of an amend, changes nothing.
- ``Cancel``: a pending-new or working order is pending cancel.
- ``Canceled``: an open order is cancelled.
- ``Amend``: nothing until ``Amended``, when an open order takes the new price and
  total size.
- ``Filled``: counted once per ``(venue, fill_id)``; moves the position, cash flow and fees
  of its ``(venue, symbol)`` even for an unknown order; adds to the order's filled lots;
  ``remaining_lots == 0`` makes the order filled, otherwise a pending-new order is working.
- ``ParamChange``: the parameter's last value. ``RiskEvent``: a kill-switch trip (with its
  reason) or rearm sets the switch; a high-water mark is kept; an order presumed gone is
  cancelled and a revived one working (a rejection is informational: its ``Rejected``
  report moves the order).
- ``SessionMarker``: mode, client id namespace, and whether the session stopped cleanly
  (a stop; a failure or a start is not).
- ``PositionCorrected``: the position is set to the venue's figure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from workbench.core.commands import (
    Accepted,
    Amended,
    Cancel,
    Canceled,
    CommandKind,
    Filled,
    Place,
    Rejected,
)
from workbench.execution.journal.records import (
    ParamChange,
    PositionCorrected,
    Record,
    RiskEvent,
    RiskEventKind,
    SessionEvent,
    SessionMarker,
)
from workbench.execution.journal.sqlite import read_records
from workbench.execution.journal.state import Key, OrderRecord, OrderStatus, RecoveredState

_S = OrderStatus


def recover(path: str | Path) -> RecoveredState:
    """The state implied by every committed record of the journal at ``path``.

    Raises
    ------
    DataError
        If the file is missing, not a journal, or holds a record that cannot be decoded.
    """
    fold = StateFold()
    for entry in read_records(path):
        fold.apply(entry.record, entry.seq)
    return fold.state()


class StateFold:
    """Applies records one by one (the rules of this module); :meth:`state` snapshots."""

    def __init__(self) -> None:
        self._orders: dict[int, OrderRecord] = {}
        self._fills: list[Filled] = []
        self._fill_keys: set[tuple[str, int]] = set()
        self._positions: dict[Key, int] = {}
        self._cash: dict[Key, int] = {}
        self._fees: dict[Key, float] = {}
        self._params: dict[str, object] = {}
        self._next_order_id = 1
        self._last_seq = 0
        self._last_ts_ns = 0
        self._kill_switch = False
        self._kill_reason = ""
        self._high_water: float | None = None
        self._namespace = ""
        self._mode = ""
        self._stopped = False

    @classmethod
    def from_state(cls, state: RecoveredState) -> StateFold:
        """A fold that continues from ``state``."""
        fold = cls()
        fold._orders = dict(state.orders)
        fold._fills = list(state.fills)
        fold._fill_keys = {(f.venue, f.fill_id) for f in state.fills}
        fold._positions = dict(state.positions_lots)
        fold._cash = dict(state.cash_flow_tick_lots)
        fold._fees = dict(state.fees)
        fold._params = dict(state.params)
        fold._next_order_id = state.next_order_id
        fold._last_seq = state.last_seq
        fold._last_ts_ns = state.last_ts_ns
        fold._kill_switch = state.kill_switch_tripped
        fold._kill_reason = state.kill_switch_reason
        fold._high_water = state.high_water_quote
        fold._namespace = state.namespace
        fold._mode = state.mode
        fold._stopped = state.stopped_cleanly
        return fold

    def has_fill(self, venue: str, fill_id: int) -> bool:
        """Whether the fill ``(venue, fill_id)`` is already booked."""
        return (venue, fill_id) in self._fill_keys

    def apply(self, record: Record, seq: int) -> None:
        """Apply the record stored with sequence number ``seq``."""
        self._last_seq = seq
        self._last_ts_ns = max(self._last_ts_ns, record.ts_ns)
        order_id = getattr(record, "order_id", None)
        if order_id is not None:
            self._next_order_id = max(self._next_order_id, order_id + 1)
        match record:
            case Place():
                if record.order_id not in self._orders:
                    self._orders[record.order_id] = OrderRecord(
                        record.order_id, record.venue, record.symbol, record.side,
                        record.price_ticks, record.size_lots, record.tif, _S.PENDING_NEW,
                        placed_ts_ns=record.ts_ns, updated_ts_ns=record.ts_ns,
                        reason=record.reason)
            case Accepted():
                self._update(record, lambda o: {
                    "accepted": True,
                    "status": _S.WORKING if o.status is _S.PENDING_NEW else o.status})
            case Rejected():
                self._update(record, lambda o: self._rejected(o, record))
            case Cancel():
                self._update(record, lambda o: (
                    {"status": _S.PENDING_CANCEL, "reason": record.reason}
                    if o.status in (_S.PENDING_NEW, _S.WORKING) else None))
            case Canceled():
                self._update(record, lambda o: (
                    {"status": _S.CANCELLED, "reason": record.reason}
                    if o.status.is_open else None))
            case Amended():
                self._update(record, lambda o: (
                    {"price_ticks": record.price_ticks, "size_lots": record.size_lots}
                    if o.status.is_open else None))
            case Filled():
                self._filled(record)
            case ParamChange():
                self._params[record.name] = record.value
            case RiskEvent():
                self._risk(record)
            case SessionMarker():
                self._mode = record.mode or self._mode
                self._namespace = record.namespace or self._namespace
                self._stopped = record.event is SessionEvent.STOP
            case PositionCorrected():
                self._positions[(record.venue, record.symbol)] = record.size_lots

    def _risk(self, record: RiskEvent) -> None:
        kind = record.event
        if kind is RiskEventKind.KILL_SWITCH_TRIP:
            if not self._kill_switch:
                self._kill_reason = record.reason
            self._kill_switch = True
        elif kind is RiskEventKind.KILL_SWITCH_REARM:
            self._kill_switch = False
            self._kill_reason = ""
        elif kind is RiskEventKind.HIGH_WATER and record.value is not None:
            self._high_water = max(self._high_water or record.value, record.value)
        elif kind is RiskEventKind.ORDER_PRESUMED_GONE:
            self._update(record, lambda o: (
                {"status": _S.CANCELLED, "reason": record.reason} if o.status.is_open
                else None))
        elif kind is RiskEventKind.ORDER_REVIVED:
            self._update(record, lambda o: {"status": _S.WORKING, "accepted": True,
                                            "reason": record.reason})

    @staticmethod
    def _rejected(order: OrderRecord, rejected: Rejected) -> dict | None:
        if rejected.transient:
            return None
        if rejected.command is CommandKind.PLACE and not order.accepted and order.status in (
                _S.PENDING_NEW, _S.PENDING_CANCEL):
            return {"status": _S.REJECTED, "reason": rejected.reason}
        if rejected.command is CommandKind.CANCEL and order.status is _S.PENDING_CANCEL:
            return {"status": _S.WORKING if order.accepted else _S.PENDING_NEW,
                    "reason": rejected.reason}
        return None

    def _filled(self, fill: Filled) -> None:
        key = (fill.venue, fill.fill_id)
        if key in self._fill_keys:
            return
        self._fill_keys.add(key)
        self._fills.append(fill)
        book = (fill.venue, fill.symbol)
        signed = int(fill.side) * fill.size_lots
        self._positions[book] = self._positions.get(book, 0) + signed
        self._cash[book] = self._cash.get(book, 0) - signed * fill.price_ticks
        self._fees[book] = self._fees.get(book, 0.0) + fill.fee

        def change(o: OrderRecord) -> dict:
            if fill.remaining_lots == 0:
                status = _S.FILLED
            else:
                status = _S.WORKING if o.status is _S.PENDING_NEW else o.status
            return {"filled_lots": o.filled_lots + fill.size_lots, "accepted": True,
                    "status": status}

        self._update(fill, change)

    def _update(self, record: Record,
                change: Callable[[OrderRecord], dict | None]) -> None:
        order = self._orders.get(record.order_id)
        if order is None:
            return
        fields = change(order)
        if fields is not None:
            self._orders[order.order_id] = dataclasses.replace(
                order, updated_ts_ns=record.ts_ns, **fields)

    def state(self) -> RecoveredState:
        """A snapshot of the state so far (later :meth:`apply` calls do not change it)."""
        return RecoveredState(
            orders=dict(self._orders), fills=tuple(self._fills),
            positions_lots=dict(self._positions), cash_flow_tick_lots=dict(self._cash),
            fees=dict(self._fees), params=dict(self._params),
            next_order_id=self._next_order_id, last_seq=self._last_seq,
            last_ts_ns=self._last_ts_ns, kill_switch_tripped=self._kill_switch,
            mode=self._mode, stopped_cleanly=self._stopped, kill_switch_reason=self._kill_reason,
            high_water_quote=self._high_water, namespace=self._namespace)
