"""Square an engine with its venue: after a crash (from the journal) or mid-session.

:func:`restore_engine` rebuilds a crashed session from its journal and the venue's view;
:func:`resync_engine` squares a running engine's orders and fills with the venue's after
the link was lost (the engine pulls its quotes meanwhile; see
:meth:`~workbench.engine.core.Engine.begin_resync`). Both journal what they decide
before anything is sent, and both trip the kill switch on a position nobody can account
for: exposure that is not understood is not traded on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from workbench.core.commands import Cancel, Canceled, Command, Filled
from workbench.core.errors import WorkbenchError
from workbench.execution.journal import (
    OrderStatus,
    RiskEvent,
    RiskEventKind,
    VenueOrder,
    reconcile,
    recover,
)
from workbench.execution.orders.client_ids import ClientIds
from workbench.execution.orders.state import OrderState
from workbench.strategies.toxic_guard import ToxicGuard

if TYPE_CHECKING:
    from workbench.engine.core import Engine

_FINAL_STATES = {OrderStatus.CANCELLED: OrderState.CANCELED, OrderStatus.FILLED: OrderState.FILLED,
                 OrderStatus.REJECTED: OrderState.REJECTED}
#: Reason of the cancel sent for an order the venue has and we did not know of.
UNKNOWN_AT_VENUE = "unknown order open at the venue on resync"
#: Reason of the report that ends an order the venue no longer has.
LOST_ON_RESYNC = "lost: not open at the venue on resync"


def restore_engine(engine: Engine, venue_open_orders: Iterable[VenueOrder],
                   venue_positions: Mapping[tuple[str, str], int],
                   venue_fills: Iterable[Filled], now_ns: int) -> list[Command]:
    """Rebuild the state of a crashed session from its journal and the venue's view.

    Recovers the journal the engine writes to, reconciles it with the venue (orders it no
    longer has are dropped, orders we never knew are cancelled, fills that came while we
    were down are booked once), journals the reconciliation, then adopts the working
    orders, books every fill, re-applies the parameter changes (rebuilding the toxic-flow
    guard from them), keeps the session's client id namespace and the equity high-water
    mark, and halts again if the kill switch was tripped (by hand or automatically),
    with the reason it had: it stays halted until re-armed. A place journaled but not
    seen by the venue may still be on its way: it is adopted in doubt, whatever its time
    in force, and resolved like any order in doubt. If a position still disagrees with
    the venue's, the kill switch trips.

    Returns
    -------
    list of Command
        The cancels to send for orders the venue has and we did not know, and those of a
        kill switch tripped again.

    Raises
    ------
    WorkbenchError
        If the engine has no journal to restore from.
    """
    if engine.journal is None:
        raise WorkbenchError("restore needs the engine's journal")
    engine.ctx.now_ns = now_ns
    rec = reconcile(recover(engine.journal.path), venue_open_orders, venue_positions,
                    now_ns=now_ns, venue_fills=venue_fills)
    engine.journal.append_many(rec.records)
    state = rec.state
    orders, portfolio = engine.orders, engine.portfolio
    orders.reserve_ids(state.next_order_id)
    fill_ids: dict[int, list[int]] = {}
    for fill in state.fills:
        fill_ids.setdefault(fill.order_id, []).append(fill.fill_id)
        portfolio.on_fill(fill)
    in_doubt = set(rec.never_sent)
    cancelling = {c.order_id for c in rec.cancels}
    open_ids = {o.order_id for o in state.open_orders()}
    for o in state.orders.values():
        fills = fill_ids.get(o.order_id, ())
        args = (o.order_id, o.venue, o.symbol, o.side, o.price_ticks, o.size_lots,
                o.filled_lots, o.tif)
        if o.order_id in open_ids or o.order_id in in_doubt:
            orders.adopt(*args, now_ns, fills, in_doubt=o.order_id in in_doubt,
                         cancelling=o.order_id in cancelling)
        else:
            orders.remember(*args, _FINAL_STATES[o.status], fills)
    for name, value in state.params.items():
        engine.params = engine.check_param(name, value)
    engine.guard = ToxicGuard(engine.params.guard)
    if state.namespace:
        engine.client_ids = ClientIds(state.namespace)
    if state.high_water_quote is not None:
        portfolio.high_water_quote = max(portfolio.high_water_quote, state.high_water_quote)
        engine._journaled_high_water = portfolio.high_water_quote
    trips = _check_positions(engine, venue_positions, "restore", now_ns)
    if state.kill_switch_tripped and not engine.kill_switch.halted:
        trips += _trip(engine, state.kill_switch_reason or "tripped before the restart",
                       now_ns)
    return list(rec.cancels) + engine._emit(trips, now_ns)


def resync_engine(engine: Engine, venue_open_orders: Iterable[VenueOrder],
                  venue_positions: Mapping[tuple[str, str], int],
                  venue_fills: Iterable[Filled], now_ns: int) -> list[Command]:
    """Square a running engine's orders and fills with the venue's, mid-session.

    The venue's figures win, by our order id (the client order id the venue echoes):

    1. fills the engine has not booked are booked, as reports (journaled);
    2. an order the venue has open that we think finished is brought back and cancelled;
       one we never issued is cancelled;
    3. an order we think working, with nothing in flight, that the venue does not have
       open is ended (its fills came in 1); orders with a command in flight are left to
       its answer, and orders in doubt to their own resolution;
    4. a position that still differs from the venue's trips the kill switch.

    Returns
    -------
    list of Command
        Cancels to send, not yet screened nor journaled: the engine's step does that.
    """
    orders = engine.orders
    missed = [f for f in venue_fills if not _booked(engine, f)]
    commands: list[Command] = []
    if missed:
        engine._apply_reports(missed, now_ns, journal=True)
    at_venue = {v.order_id: v for v in venue_open_orders}
    live = {o.order_id: o for o in orders.live_orders()}
    for oid, seen in sorted(at_venue.items()):
        if oid in live:
            continue
        if orders.revive(oid, now_ns):
            commands += orders.urgent_cancels(now_ns)
        else:
            commands.append(Cancel(oid, seen.venue, seen.symbol, now_ns, UNKNOWN_AT_VENUE))
    gone = [Canceled(o.order_id, now_ns, LOST_ON_RESYNC) for o in live.values()
            if o.order_id not in at_venue and o.in_flight is None
            and o.state is OrderState.WORKING]
    if gone:
        engine._apply_reports(gone, now_ns, journal=True)
    engine._journal_notices(now_ns)
    return commands + _check_positions(engine, venue_positions, "resync", now_ns)


def _booked(engine: Engine, fill: Filled) -> bool:
    order = engine.orders.get(fill.order_id)
    return order is not None and bool(order.fill_ids) and fill.fill_id in order.fill_ids


def _check_positions(engine: Engine, venue_positions: Mapping[tuple[str, str], int],
                     when: str, now_ns: int) -> list[Command]:
    """Trip the kill switch (unscreened commands) if a position differs from the venue's."""
    portfolio = engine.portfolio
    commands: list[Command] = []
    for key, lots in venue_positions.items():
        if key in portfolio.positions and portfolio.size_lots(key) != lots:
            reason = (f"{when}: {key[0]} {key[1]} position {portfolio.size_lots(key)} lots, "
                      f"venue says {lots}")
            engine.errors.append(reason)
            commands += _trip(engine, reason, now_ns)
    return commands


def _trip(engine: Engine, reason: str, now_ns: int) -> list[Command]:
    engine._records.append(RiskEvent(RiskEventKind.KILL_SWITCH_TRIP, reason, now_ns))
    return engine.kill_switch.trip(reason, engine.ctx)
