"""The state a list of records implies, by a plain fold written apart from the package.

It follows the rules stated in ``workbench/execution/journal/recovery.py`` record by record,
with dicts and if-chains, and returns plain data that :func:`summary` also makes of a
``RecoveredState``, so the two can be compared with ``==``.
"""

from __future__ import annotations

import json

from workbench.core.commands import (
    Accepted,
    Amended,
    Cancel,
    Canceled,
    Filled,
    Place,
    Rejected,
)
from workbench.execution.journal import (
    ParamChange,
    PositionCorrected,
    RiskEvent,
    SessionMarker,
)

OPEN = ("pending_new", "working", "pending_cancel")


def reference_state(records: list) -> dict:
    """Orders, fills, positions, cash, fees, params and bookkeeping implied by ``records``."""
    orders: dict[int, dict] = {}
    fill_ids: set = set()
    fills = []
    positions: dict = {}
    cash: dict = {}
    fees: dict = {}
    params: dict = {}
    highest_id = 0
    last_ts = 0
    tripped = False
    mode = ""
    stopped = False
    for r in records:
        last_ts = max(last_ts, r.ts_ns)
        if getattr(r, "order_id", None) is not None:
            highest_id = max(highest_id, r.order_id)
        o = orders.get(getattr(r, "order_id", None))
        if type(r) is Place:
            if o is None:
                orders[r.order_id] = {
                    "venue": r.venue, "symbol": r.symbol, "side": int(r.side),
                    "price": r.price_ticks, "size": r.size_lots, "filled": 0,
                    "status": "pending_new", "accepted": False}
        elif type(r) is Accepted:
            if o is not None:
                o["accepted"] = True
                if o["status"] == "pending_new":
                    o["status"] = "working"
        elif type(r) is Rejected:
            if o is not None and not r.transient:
                if (r.command == "place" and not o["accepted"]
                        and o["status"] in ("pending_new", "pending_cancel")):
                    o["status"] = "rejected"
                elif r.command == "cancel" and o["status"] == "pending_cancel":
                    o["status"] = "working" if o["accepted"] else "pending_new"
        elif type(r) is Cancel:
            if o is not None and o["status"] in ("pending_new", "working"):
                o["status"] = "pending_cancel"
        elif type(r) is Canceled:
            if o is not None and o["status"] in OPEN:
                o["status"] = "cancelled"
        elif type(r) is Amended:
            if o is not None and o["status"] in OPEN:
                o["price"] = r.price_ticks
                o["size"] = r.size_lots
        elif type(r) is Filled:
            if (r.venue, r.fill_id) in fill_ids:
                continue
            fill_ids.add((r.venue, r.fill_id))
            fills.append(r)
            book = (r.venue, r.symbol)
            lots = r.size_lots if r.side == 1 else -r.size_lots
            positions[book] = positions.get(book, 0) + lots
            cash[book] = cash.get(book, 0) - lots * r.price_ticks
            fees[book] = fees.get(book, 0.0) + r.fee
            if o is not None:
                o["filled"] += r.size_lots
                o["accepted"] = True
                if r.remaining_lots == 0:
                    o["status"] = "filled"
                elif o["status"] == "pending_new":
                    o["status"] = "working"
        elif type(r) is ParamChange:
            params[r.name] = json.loads(r.value_json)
        elif type(r) is RiskEvent:
            if r.event == "kill_switch_trip":
                tripped = True
            elif r.event == "kill_switch_rearm":
                tripped = False
        elif type(r) is SessionMarker:
            if r.mode:
                mode = r.mode
            stopped = r.event == "stop"
        elif type(r) is PositionCorrected:
            positions[(r.venue, r.symbol)] = r.size_lots
    return {
        "orders": orders, "fills": fills, "positions": positions, "cash": cash,
        "fees": fees, "params": params, "next_order_id": highest_id + 1,
        "last_seq": len(records), "last_ts_ns": last_ts, "kill_switch_tripped": tripped,
        "mode": mode, "stopped_cleanly": stopped,
    }


def summary(state) -> dict:
    """A ``RecoveredState`` in the shape of :func:`reference_state`."""
    return {
        "orders": {oid: {"venue": o.venue, "symbol": o.symbol, "side": int(o.side),
                         "price": o.price_ticks, "size": o.size_lots, "filled": o.filled_lots,
                         "status": str(o.status), "accepted": o.accepted}
                   for oid, o in state.orders.items()},
        "fills": list(state.fills), "positions": state.positions_lots,
        "cash": state.cash_flow_tick_lots, "fees": state.fees, "params": state.params,
        "next_order_id": state.next_order_id, "last_seq": state.last_seq,
        "last_ts_ns": state.last_ts_ns, "kill_switch_tripped": state.kill_switch_tripped,
        "mode": state.mode, "stopped_cleanly": state.stopped_cleanly,
    }
