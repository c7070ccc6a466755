"""Order manager: requoting rules, and every awkward report sequence, by hand."""

from __future__ import annotations

import pytest

from workbench.core import (
    Accepted,
    Amend,
    Amended,
    Cancel,
    Canceled,
    CommandKind,
    Filled,
    Liquidity,
    Place,
    Rejected,
    Side,
    TimeInForce,
    ValidationError,
)
from workbench.execution.orders import OrderManager, OrderManagerConfig, OrderState
from workbench.strategies.types import TakerOrder, TargetQuotes

from .model_venue import INST

MS = 1_000_000


def tq(bids=(), asks=(), taker=None) -> TargetQuotes:
    return TargetQuotes(tuple(bids), tuple(asks), taker, ())


def fill(oid, fill_id, side, price, lots, remaining, ts=0) -> Filled:
    return Filled(oid, fill_id, INST.venue, INST.symbol, side, price, lots, remaining,
                  Liquidity.MAKER, 0.0, ts)


def kinds(commands) -> list[str]:
    return [type(c).__name__ for c in commands]


def quoted(om: OrderManager, bids, asks, now=0, **cfg) -> list[int]:
    """Place a ladder and ack it; the order ids, bids then asks."""
    commands = om.reconcile(INST, tq(bids, asks), now)
    for c in commands:
        om.on_report(Accepted(c.order_id, now))
    return [c.order_id for c in commands]


def test_reconcile_places_ladders_and_keeps_orders_within_tolerance():
    om = OrderManager(OrderManagerConfig(tolerance_ticks=2))
    commands = om.reconcile(INST, tq([(999, 1), (998, 2)], [(1001, 1)]), 0)
    assert [(c.side, c.price_ticks, c.size_lots, c.tif) for c in commands] == [
        (Side.BUY, 999, 1, TimeInForce.POST_ONLY), (Side.BUY, 998, 2, TimeInForce.POST_ONLY),
        (Side.SELL, 1001, 1, TimeInForce.POST_ONLY)]
    assert [c.order_id for c in commands] == [1, 2, 3]
    for c in commands:
        om.on_report(Accepted(c.order_id, 0))
    # Two ticks away on every level: within tolerance, nothing to do.
    assert om.reconcile(INST, tq([(997, 1), (996, 2)], [(1003, 1)]), 1) == []
    # Three ticks on the top bid: that order alone is replaced (cancel first).
    commands = om.reconcile(INST, tq([(996, 1), (998, 2)], [(1001, 1)]), 2)
    assert kinds(commands) == ["Cancel", "Place"]
    assert commands[0].order_id == 1 and commands[1].price_ticks == 996
    assert om.get(1).state is OrderState.PENDING_CANCEL


def test_bps_tolerance_and_size_changes():
    # 5 bps of a 10,005-tick target is 5.0025 ticks: 5 whole ticks of tolerance.
    om = OrderManager(OrderManagerConfig(tolerance_bps=5.0))
    quoted(om, [(10_000, 3)], [])
    assert om.reconcile(INST, tq([(10_005, 3)]), 1) == []
    assert kinds(om.reconcile(INST, tq([(10_006, 3)]), 2)) == ["Cancel", "Place"]
    om2 = OrderManager(OrderManagerConfig(tolerance_ticks=5))
    quoted(om2, [(10_000, 3)], [])
    assert kinds(om2.reconcile(INST, tq([(10_000, 2)]), 1)) == ["Cancel", "Place"]


def test_minimum_age_delays_requotes_but_never_pulls():
    om = OrderManager(OrderManagerConfig(min_age_ns=10 * MS))
    quoted(om, [(999, 1)], [(1001, 1)], now=0)
    assert om.reconcile(INST, tq([(998, 1)], [(1001, 1)]), 9 * MS) == []
    # The ask is no longer wanted: cancelled at once, however young.
    assert kinds(om.reconcile(INST, tq([(998, 1)], []), 9 * MS)) == ["Cancel"]
    assert kinds(om.reconcile(INST, tq([(998, 1)], []), 10 * MS)) == ["Cancel", "Place"]


def test_amend_when_supported_with_total_size_and_fallback_after_a_refusal():
    om = OrderManager(OrderManagerConfig(amend_supported=True))
    (oid,) = quoted(om, [(999, 4)], [])
    om.on_report(fill(oid, 1, Side.BUY, 999, 1, 3))
    (amend,) = om.reconcile(INST, tq([(998, 2)]), 1)
    # Amend sizes are totals: 1 filled + 2 wanted.
    assert isinstance(amend, Amend) and (amend.price_ticks, amend.size_lots) == (998, 3)
    assert om.get(oid).state is OrderState.PENDING_AMEND
    assert om.reconcile(INST, tq([(997, 2)]), 2) == []  # amend in flight: nothing more
    update = om.on_report(Amended(oid, 998, 3, 3, False))
    assert update.state is OrderState.WORKING and om.get(oid).price_ticks == 998
    (amend,) = om.reconcile(INST, tq([(997, 2)]), 4)
    om.on_report(Rejected(oid, CommandKind.AMEND, "cannot amend", 5))
    assert om.get(oid).price_ticks == 998 and om.get(oid).state is OrderState.WORKING
    assert om.anomalies["amend_rejected"] == 1
    assert kinds(om.reconcile(INST, tq([(997, 2)]), 6)) == ["Cancel", "Place"]


def test_no_second_command_while_one_is_in_flight():
    om = OrderManager()
    (place,) = om.reconcile(INST, tq([(999, 1)]), 0)
    assert om.reconcile(INST, tq([(990, 1)]), 1) == []  # cannot requote a pending new
    assert om.reconcile(INST, tq(), 2) == []  # nor cancel it
    om.on_report(Accepted(place.order_id, 3))
    (cancel,) = om.reconcile(INST, tq(), 4)
    assert isinstance(cancel, Cancel)
    assert om.reconcile(INST, tq(), 5) == []  # cancel in flight
    assert om.cancel(place.order_id, 5) is None
    assert om.on_report(Canceled(place.order_id, 6)).state is OrderState.CANCELED
    assert om.open_orders == 0


def test_taker_orders_are_ioc_and_not_repeated_while_live():
    om = OrderManager()
    take = TakerOrder(Side.BUY, 1001, 2, "toxic flow")
    (place,) = om.reconcile(INST, tq(taker=take), 0)
    assert place.tif is TimeInForce.IOC and place.reason == "toxic flow"
    assert om.reconcile(INST, tq(taker=take), 1) == []
    om.on_report(fill(place.order_id, 1, Side.BUY, 1001, 1, 1))
    om.on_report(Canceled(place.order_id, 2, "ioc remainder"))
    (again,) = om.reconcile(INST, tq(taker=take), 3)
    assert again.order_id != place.order_id


def test_late_ack_after_a_cancel_was_sent():
    om = OrderManager(OrderManagerConfig(ack_timeout_ns=100))
    (place,) = om.reconcile(INST, tq([(999, 1)]), 0)
    assert om.check_timeouts(100) == []  # exactly the timeout: not yet
    (cancel,) = om.check_timeouts(101)
    assert cancel.reason.startswith("ack_timeout: place unanswered for 101 ns")
    assert om.get(place.order_id).state is OrderState.UNKNOWN
    assert om.on_report(Accepted(place.order_id, 102)).state is OrderState.PENDING_CANCEL
    assert om.anomalies["ack_after_cancel_sent"] == 1
    om.on_report(Canceled(place.order_id, 103))
    # An ack arriving after the cancel confirmation changes nothing.
    assert om.on_report(Accepted(place.order_id, 104)) is None
    assert om.anomalies["late_ack"] == 1
    assert om.get(place.order_id).state is OrderState.CANCELED


def test_fills_after_a_cancel_was_sent_and_after_it_was_confirmed_are_booked():
    om = OrderManager()
    (oid,) = quoted(om, [(999, 5)], [])
    om.reconcile(INST, tq(), 1)
    update = om.on_report(fill(oid, 1, Side.BUY, 999, 2, 3))
    assert update.fill is not None and update.state is OrderState.PENDING_CANCEL
    om.on_report(Canceled(oid, 2))
    update = om.on_report(fill(oid, 2, Side.BUY, 999, 1, 2))
    assert update.fill.size_lots == 1 and update.state is OrderState.CANCELED
    assert om.anomalies["fill_after_cancel"] == 1 and om.get(oid).filled_lots == 3


def test_duplicate_fills_are_ignored_and_counted():
    om = OrderManager()
    (oid,) = quoted(om, [(999, 5)], [])
    first = fill(oid, 7, Side.BUY, 999, 2, 3)
    assert om.on_report(first).fill is first
    assert om.on_report(first) is None
    assert om.get(oid).filled_lots == 2 and om.anomalies["duplicate_fill"] == 1
    update = om.on_report(fill(oid, 8, Side.BUY, 999, 3, 0))
    assert update.state is OrderState.FILLED
    assert om.on_report(fill(oid, 8, Side.BUY, 999, 3, 0)) is None  # still known once done
    assert om.anomalies["duplicate_fill"] == 2


def test_reports_for_unknown_orders_are_kept_as_anomalies():
    om = OrderManager()
    reports = [Accepted(42, 0), Canceled(42, 0), Amended(42, 1, 1, 0, True),
               Rejected(42, CommandKind.CANCEL, "x", 0), fill(42, 1, Side.SELL, 1, 1, 0)]
    assert [om.on_report(r) for r in reports] == [None] * 5
    assert om.anomalies["unknown_order"] == 5
    assert [r for _, r in om.anomaly_reports] == reports


def test_cancel_rejections_transient_keeps_working_final_puts_in_doubt():
    om = OrderManager()
    a, b = quoted(om, [(999, 1), (998, 1)], [])
    om.reconcile(INST, tq(), 1)
    update = om.on_report(Rejected(a, CommandKind.CANCEL, "rate limited", 2, transient=True))
    assert update.state is OrderState.WORKING and om.anomalies["cancel_rejected_working"] == 1
    update = om.on_report(Rejected(b, CommandKind.CANCEL, "unknown order", 2))
    assert update.state is OrderState.UNKNOWN and om.anomalies["cancel_rejected_unknown"] == 1
    (again,) = om.reconcile(INST, tq(), 3)  # the surviving order is cancelled again
    assert isinstance(again, Cancel) and again.order_id == a
    om.on_report(fill(b, 1, Side.BUY, 998, 1, 0))  # the one in doubt had filled
    assert om.get(b).state is OrderState.FILLED
    # A cancel rejection for an order already gone is ignored.
    om.on_report(Canceled(a, 4))
    assert om.on_report(Rejected(a, CommandKind.CANCEL, "unknown order", 5)) is None
    assert om.anomalies["stale_report"] == 1


def test_reject_of_a_place_and_timeouts_of_cancels():
    om = OrderManager(OrderManagerConfig(ack_timeout_ns=100))
    (oid,) = [c.order_id for c in om.reconcile(INST, tq([(999, 1)]), 0)]
    assert om.on_report(Rejected(oid, CommandKind.PLACE, "post only", 1)).state is \
        OrderState.REJECTED
    (oid,) = quoted(om, [(999, 1)], [], now=10)
    om.reconcile(INST, tq(), 20)
    (cancel,) = om.check_timeouts(121)
    assert cancel.order_id == oid and "cancel unanswered" in cancel.reason
    assert om.get(oid).state is OrderState.UNKNOWN
    # An unknown order is settled by the next report: here a fill of all of it.
    om.on_report(fill(oid, 1, Side.BUY, 999, 1, 0))
    assert om.get(oid).state is OrderState.FILLED and om.anomalies["ack_timeout"] == 1


def test_cancel_all_and_snapshot():
    om = OrderManager()
    working = quoted(om, [(999, 1)], [(1001, 2)])
    om.reconcile(INST, tq([(999, 1)], [(1001, 2)], TakerOrder(Side.BUY, 1001, 1, "t")), 1)
    cancels = om.cancel_all(2, "kill")
    assert sorted(c.order_id for c in cancels) == working  # the IOC in flight is left alone
    rows = om.snapshot()
    assert [(r.order_id, r.state, r.in_flight) for r in rows] == [
        (working[0], "pending_cancel", "cancel"), (working[1], "pending_cancel", "cancel"),
        (3, "pending_new", "place")]
    assert rows[1].side is Side.SELL and rows[1].size_lots == 2 and rows[2].tif == "ioc"


def test_finished_orders_are_forgotten_beyond_retention():
    om = OrderManager(OrderManagerConfig(retain_done=2))
    ids = quoted(om, [(999, 1), (998, 1), (997, 1)], [])
    for oid in ids:
        om.on_report(fill(oid, oid, Side.BUY, 999, 1, 0))
    assert om.get(ids[0]) is None and om.get(ids[2]).state is OrderState.FILLED
    assert om.on_report(fill(ids[0], 99, Side.BUY, 999, 1, 0)) is None
    assert om.anomalies["unknown_order"] == 1


def test_bad_targets_and_bad_config_raise():
    om = OrderManager()
    with pytest.raises(ValidationError):
        om.reconcile(INST, tq([(999, 0)]), 0)
    with pytest.raises(ValidationError):
        om.reconcile(INST, tq([], [(0, 1)]), 0)
    for bad in ({"tolerance_ticks": -1}, {"tolerance_bps": float("nan")}, {"min_age_ns": -1},
                {"ack_timeout_ns": 0}, {"retain_done": 0}, {"resting_tif": TimeInForce.IOC},
                {"first_order_id": 0}):
        with pytest.raises(ValidationError):
            OrderManagerConfig(**bad)


def test_places_carry_the_command_fields():
    om = OrderManager(OrderManagerConfig(first_order_id=500, resting_tif=TimeInForce.GTC))
    (place,) = om.reconcile(INST, tq([], [(1002, 3)]), 77)
    assert place == Place(500, INST.venue, INST.symbol, Side.SELL, 1002, 3, TimeInForce.GTC,
                          77, "quote")
