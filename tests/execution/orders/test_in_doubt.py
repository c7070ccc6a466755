"""Orders in doubt: the order manager never lets an order live at the venue go unseen.

By hand first (each sequence a venue can produce, and the rule that settles it), then
under hypothesis against a venue that reorders, delays, loses and duplicates commands
and answers (:mod:`adversary`): at every step every order live at the venue is live in
the order manager, and once the link is quiet the position is the venue's and every fill
is booked once.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.core import (
    Accepted,
    Canceled,
    CommandKind,
    Filled,
    Liquidity,
    RejectCode,
    Rejected,
    Side,
    TimeInForce,
)
from workbench.execution.orders import OrderManager, OrderManagerConfig, OrderState
from workbench.execution.position import Portfolio
from workbench.execution.risk import (
    InstrumentLimits,
    KillSwitch,
    RiskContext,
    RiskGate,
    RiskLimits,
)
from workbench.strategies.types import TargetQuotes

from .adversary import AdversaryVenue
from .model_venue import INST, targets_strategy

MS = 1_000_000
CONFIG = OrderManagerConfig(ack_timeout_ns=50 * MS, unknown_retry_ns=60 * MS,
                            unknown_timeout_ns=400 * MS)
UNKNOWN_ORDER = dict(code=RejectCode.UNKNOWN_ORDER)


def tq(bids=(), asks=()) -> TargetQuotes:
    return TargetQuotes(tuple(bids), tuple(asks), None, ())


def fill(oid, fill_id, lots, remaining, side=Side.BUY, price=999) -> Filled:
    return Filled(oid, fill_id, INST.venue, INST.symbol, side, price, lots, remaining,
                  Liquidity.MAKER, 0.0, 0)


def cancel_refused(oid, ts=0) -> Rejected:
    return Rejected(oid, CommandKind.CANCEL, "unknown order sent", ts, **UNKNOWN_ORDER)


def test_a_cancel_refused_as_unknown_while_the_place_is_in_flight_keeps_the_order_live():
    om = OrderManager(CONFIG)
    (place,) = om.reconcile(INST, tq([(999, 3)]), 0)
    om.check_timeouts(51 * MS)  # the ack is late: in doubt, cancel it
    om.on_report(cancel_refused(place.order_id, 52 * MS))  # the cancel overtook the place
    order = om.get(place.order_id)
    assert order.state is OrderState.UNKNOWN and om.open_orders == 1
    assert om.exposure_lots(INST.key) == (3, 0, 1)  # it may still fill: it counts
    assert om.anomalies["cancel_rejected_unknown"] == 1
    # Not asked again at once (the venue just said it does not know it) ...
    assert om.cancel_all(53 * MS, "kill") == [] and om.check_timeouts(60 * MS) == []
    # ... but again after the retry interval, by the kill switch's sweep as by time.
    (again,) = om.cancel_all(113 * MS, "kill")
    assert again.order_id == place.order_id
    # The place lands after all: its ack answers the lost place, the cancel stands.
    assert om.on_report(Accepted(place.order_id, 120 * MS)).state is OrderState.PENDING_CANCEL
    om.on_report(Canceled(place.order_id, 121 * MS))
    assert om.get(place.order_id).state is OrderState.CANCELED and om.open_orders == 0


def test_an_order_presumed_gone_comes_back_live_on_a_late_ack_and_is_cancelled():
    om = OrderManager(CONFIG)
    (place,) = om.reconcile(INST, tq([(999, 2)]), 0)
    oid = place.order_id
    om.check_timeouts(51 * MS)
    om.on_report(cancel_refused(oid, 52 * MS))
    for t in (113, 180, 250, 320):  # cancels at intervals, each refused again
        assert [c.order_id for c in om.check_timeouts(t * MS)] == [oid]
        om.on_report(cancel_refused(oid, t * MS))
    assert om.check_timeouts(452 * MS) == []  # 400 ms unknown: presumed gone
    assert om.get(oid).state is OrderState.CANCELED and om.open_orders == 0
    assert om.drain_notices() == [("presumed_gone", oid, om.get(oid).reason)]
    assert om.get(oid).reason.startswith(f"presumed gone: no sign of order {oid}")
    # The place was only very late: its ack brings the order back, live and unwanted.
    update = om.on_report(Accepted(oid, 500 * MS))
    assert update.state is OrderState.WORKING and om.open_orders == 1
    assert om.exposure_lots(INST.key) == (2, 0, 1)
    assert om.anomalies["revived"] == 1 and om.drain_notices()[0][:2] == ("revived", oid)
    (urgent,) = om.urgent_cancels(500 * MS)
    assert urgent.order_id == oid and urgent.reason.startswith("revived")
    om.on_report(Canceled(oid, 501 * MS))
    assert om.open_orders == 0


def test_a_late_fill_with_size_left_revives_an_order_presumed_gone_and_is_booked_once():
    om = OrderManager(CONFIG)
    (place,) = om.reconcile(INST, tq([(999, 5)]), 0)
    oid = place.order_id
    om.check_timeouts(51 * MS)
    om.on_report(cancel_refused(oid, 52 * MS))
    om.check_timeouts(460 * MS)  # presumed gone
    update = om.on_report(fill(oid, 1, 2, 3))
    assert update.fill is not None and update.state is OrderState.WORKING
    assert om.get(oid).filled_lots == 2 and om.has_urgent
    assert om.on_report(fill(oid, 1, 2, 3)) is None  # the same fill again: not booked
    # A fill of all that is left ends it as filled, not revived.
    om2 = OrderManager(CONFIG)
    (p2,) = om2.reconcile(INST, tq([(999, 5)]), 0)
    om2.check_timeouts(51 * MS)
    om2.on_report(cancel_refused(p2.order_id, 52 * MS))
    om2.check_timeouts(460 * MS)
    assert om2.on_report(fill(p2.order_id, 1, 5, 0)).state is OrderState.FILLED
    assert not om2.has_urgent and om2.open_orders == 0


def test_a_cancel_refused_after_the_ack_is_still_in_doubt():
    """The venue refused the cancel, then acked the place, but the answers crossed."""
    om = OrderManager(CONFIG)
    (place,) = om.reconcile(INST, tq([(999, 1)]), 0)
    om.check_timeouts(51 * MS)
    om.on_report(Accepted(place.order_id, 52 * MS))  # the ack of the place, seen first
    om.on_report(cancel_refused(place.order_id, 53 * MS))  # the cancel arrived first
    assert om.get(place.order_id).state is OrderState.UNKNOWN and om.open_orders == 1
    assert [c.order_id for c in om.check_timeouts(114 * MS)] == [place.order_id]  # again
    om.on_report(Canceled(place.order_id, 115 * MS))
    assert om.get(place.order_id).state is OrderState.CANCELED and om.open_orders == 0


def test_a_duplicate_place_is_not_a_rejection_the_order_exists():
    om = OrderManager(CONFIG)
    (place,) = om.reconcile(INST, tq([(999, 1)]), 0)
    om.on_report(Rejected(place.order_id, CommandKind.PLACE, "duplicate order sent", 1,
                          code=RejectCode.DUPLICATE_ORDER))
    order = om.get(place.order_id)
    assert order.state is OrderState.UNKNOWN and om.open_orders == 1
    # In doubt: cancelled, not kept as the quote (a fresh order takes the level; the one
    # in doubt counts in the exposure until it is settled).
    cancel, new = om.reconcile(INST, tq([(999, 1)]), 2)
    assert (type(cancel).__name__, cancel.order_id) == ("Cancel", place.order_id)
    assert type(new).__name__ == "Place" and om.exposure_lots(INST.key) == (2, 0, 2)
    # A plain rejection still rejects.
    (other,) = om.reconcile(INST, tq([], [(1001, 1)]), 3)
    om.on_report(Rejected(other.order_id, CommandKind.PLACE, "post only", 4))
    assert om.get(other.order_id).state is OrderState.REJECTED


def test_an_ioc_adopted_in_doubt_settles_by_timeout():
    om = OrderManager(CONFIG)
    om.adopt(7, INST.venue, INST.symbol, Side.BUY, 1001, 2, 0, TimeInForce.IOC, 0,
             in_doubt=True)
    assert om.open_orders == 1
    assert om.reconcile(INST, tq(), 1) == []  # quotes never touch an IOC ...
    (cancel,) = om.check_timeouts(1)  # ... but its resolution does
    assert cancel.order_id == 7
    om.on_report(cancel_refused(7, 2))
    assert om.check_timeouts(405 * MS) == []
    assert om.get(7).state is OrderState.CANCELED and om.open_orders == 0


def test_a_partial_fill_on_target_keeps_its_queue_place():
    om = OrderManager(CONFIG)
    (place,) = om.reconcile(INST, tq([(999, 4)]), 0)
    om.on_report(Accepted(place.order_id, 1))
    om.on_report(fill(place.order_id, 1, 1, 3))
    assert om.reconcile(INST, tq([(999, 4)]), 2) == []  # 3 left, same price: kept
    moved = om.reconcile(INST, tq([(998, 4)]), 3)  # the target moved: requoted
    assert [type(c).__name__ for c in moved] == ["Cancel", "Place"]
    strict = OrderManager(OrderManagerConfig(keep_partial=False))
    (p,) = strict.reconcile(INST, tq([(999, 4)]), 0)
    strict.on_report(Accepted(p.order_id, 1))
    strict.on_report(fill(p.order_id, 1, 1, 3))
    assert [type(c).__name__ for c in strict.reconcile(INST, tq([(999, 4)]), 2)] == [
        "Cancel", "Place"]


def test_a_transient_amend_rejection_keeps_amends():
    om = OrderManager(OrderManagerConfig(amend_supported=True))
    (place,) = om.reconcile(INST, tq([(999, 1)]), 0)
    om.on_report(Accepted(place.order_id, 1))
    assert [type(c).__name__ for c in om.reconcile(INST, tq([(998, 1)]), 2)] == ["Amend"]
    om.on_report(Rejected(place.order_id, CommandKind.AMEND, "rate limit", 3, transient=True,
                          code=RejectCode.RATE_LIMIT))
    (again,) = om.reconcile(INST, tq([(998, 1)]), 4)
    assert type(again).__name__ == "Amend"  # amends still allowed
    om.on_report(Rejected(place.order_id, CommandKind.AMEND, "not allowed", 5))
    assert [type(c).__name__ for c in om.reconcile(INST, tq([(997, 1)]), 6)] == [
        "Cancel", "Place"]


# -- the adversary ---------------------------------------------------------------------
LIMITS = RiskLimits({INST.key: InstrumentLimits(40, 1e9, 6, 200.0, 12)},
                    max_total_notional_quote=1e9, max_loss_quote=1e9, max_drawdown_quote=1e9,
                    orders_per_s=1000.0, order_burst=20, stale_after_ns=10**15)
#: Longer than the ack timeout, so that a cancel can overtake the place it cancels; the
#: unknown timeout exceeds two such delays and a retry, the time a link this slow needs.
MAX_DELAY_NS = 120 * MS
STEP_NS = 10 * MS


class Desk:
    """Order manager, risk gate, kill switch and portfolio against the adversary."""

    def __init__(self, config: OrderManagerConfig) -> None:
        self.now_ns = 0
        self.orders = OrderManager(config)
        self.portfolio = Portfolio([INST])
        self.ctx = RiskContext(self.orders, self.portfolio, [INST])
        self.kill = KillSwitch(self.orders, LIMITS)
        self.gate = RiskGate(LIMITS, self.kill)
        self.venue = AdversaryVenue(max_delay_ns=MAX_DELAY_NS)
        market = self.ctx.markets[INST.key]
        market.set_fair_mid(1000.0)
        market.on_book(999, 1001, 0)

    def send(self, commands) -> None:
        for command in commands:
            verdict = self.gate.check(command, self.ctx)
            if verdict is None:
                self.venue.submit(command, self.now_ns)
            else:
                self.apply([verdict])

    def apply(self, reports) -> None:
        for report in reports:
            update = self.orders.on_report(report)
            if update is not None and update.fill is not None:
                self.portfolio.on_fill(update.fill)
        self.send(self.orders.urgent_cancels(self.now_ns))
        self.orders.drain_notices()

    def advance(self, dt_ns: int) -> None:
        """Move time on in steps, handling what is overdue at each, then the timeouts."""
        end = self.now_ns + dt_ns
        while self.now_ns < end:
            self.now_ns = min(self.now_ns + STEP_NS, end)
            self.ctx.now_ns = self.now_ns
            self.ctx.markets[INST.key].last_update_ns = self.now_ns
            while True:
                commands, reports = self.venue.overdue(self.now_ns)
                if not commands and not reports:
                    break
                for command in commands:
                    self.venue.inbox.insert(0, (self.now_ns, command))
                    self.venue.process(0, False, self.now_ns)
                self.apply(reports)
            self.send(self.orders.check_timeouts(self.now_ns))
            self.send(self.kill.watch(self.ctx))
            self.orders.drain_notices()

    def live_ids(self) -> set[int]:
        return {o.order_id for o in self.orders.live_orders()}


def never_blind(desk: Desk) -> None:
    assert set(desk.venue.live) <= desk.live_ids(), (
        f"live at the venue, not in the manager: {set(desk.venue.live) - desk.live_ids()}")


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.booleans())
def test_against_a_venue_that_reorders_loses_and_repeats_no_order_goes_unseen(data, amend):
    desk = Desk(OrderManagerConfig(ack_timeout_ns=50 * MS, unknown_retry_ns=60 * MS,
                                   unknown_timeout_ns=600 * MS, amend_supported=amend))
    targets = targets_strategy()
    for _ in range(70):
        action = data.draw(st.sampled_from(
            ("requote", "process", "overtake", "fill", "deliver", "deliver", "advance",
             "advance", "trip", "rearm")))
        if action == "requote" and not desk.kill.halted:
            desk.send(desk.orders.reconcile(INST, data.draw(targets), desk.now_ns))
        elif action == "process":
            desk.venue.process(data.draw(st.integers(0, 7)), data.draw(st.booleans()),
                               desk.now_ns)
        elif action == "overtake":  # the newest command first: a cancel before its place
            desk.venue.process(-1, False, desk.now_ns)
        elif action == "fill":
            desk.venue.fill(data.draw(st.integers(0, 9)), data.draw(st.integers(1, 6)),
                            desk.now_ns)
        elif action == "deliver":
            desk.apply(desk.venue.deliver(data.draw(st.integers(0, 7)),
                                          data.draw(st.booleans()), data.draw(st.booleans())))
        elif action == "advance":
            desk.advance(data.draw(st.sampled_from([STEP_NS, 30 * MS, 70 * MS, 130 * MS])))
        elif action == "trip":
            desk.send(desk.kill.trip("test", desk.ctx))
        elif action == "rearm":
            desk.kill.rearm()
        never_blind(desk)
    # The link goes quiet and everything is pulled: every order ends, at both ends.
    desk.send(desk.kill.trip("end", desk.ctx))
    for _ in range(200):
        desk.advance(STEP_NS)
        never_blind(desk)
        if not desk.venue.inbox and not desk.venue.outbox and not desk.orders.open_orders:
            break
    assert not desk.venue.live and not desk.orders.open_orders
    assert desk.portfolio.size_lots(INST.key) == desk.venue.position_lots
    assert desk.portfolio.position(INST.key).fills == len(desk.venue.fills)
