"""Post-only, GTC and IOC entry, market orders, and the amend priority rules."""

from __future__ import annotations

import pytest

from tests.execution.sim.builders import Feed, amend, cancel, exchange, place
from workbench.core import (
    Accepted,
    Amended,
    Canceled,
    CommandKind,
    Filled,
    Liquidity,
    Rejected,
    Side,
    TimeInForce,
)

GTC, IOC, POST_ONLY = TimeInForce.GTC, TimeInForce.IOC, TimeInForce.POST_ONLY


@pytest.fixture
def market():
    """Bids 1000 x 5, 999 x 4; asks 1001 x 2, 1002 x 3, 1040 x 4."""
    ex, feed = exchange(), Feed()
    ex.on_market(feed.snapshot(1, {1000: 5, 999: 4}, {1001: 2, 1002: 3, 1040: 4}))
    return ex, feed


def _send(ex, command, t=10):
    ex.submit(command, t)
    return ex.poll(t)


def _fills(reports):
    return [(r.price_ticks, r.size_lots, r.remaining_lots, r.liquidity)
            for r in reports if isinstance(r, Filled)]


@pytest.mark.parametrize(("side", "price"), [(Side.BUY, 1001), (Side.BUY, 1005),
                                             (Side.SELL, 1000), (Side.SELL, 990)])
def test_post_only_that_would_cross_is_rejected(market, side, price):
    ex, _ = market
    (report,) = _send(ex, place(1, side, price, 1, POST_ONLY))
    assert isinstance(report, Rejected) and report.command is CommandKind.PLACE
    assert "post-only" in report.reason and not report.transient
    assert ex.working_order(1) is None


def test_post_only_inside_the_spread_rests_first_in_queue(market):
    ex, _ = market
    assert _send(ex, place(1, Side.BUY, 1000, 1, POST_ONLY)) == [Accepted(1, 10, "1")]
    ex.poll(10)
    tick_better = _send(ex, place(2, Side.SELL, 1001, 1, POST_ONLY), 11)
    assert tick_better == [Accepted(2, 11, "2")]
    assert ex.working_order(2).ahead_lots == 2


def test_crossing_gtc_walks_the_book_as_taker_and_rests_the_rest(market):
    ex, _ = market
    reports = _send(ex, place(1, Side.BUY, 1002, 7, GTC))
    assert isinstance(reports[0], Accepted)
    assert _fills(reports) == [(1001, 2, 5, Liquidity.TAKER), (1002, 3, 2, Liquidity.TAKER)]
    assert len(reports) == 3
    order = ex.working_order(1)
    assert (order.price_ticks, order.remaining_lots, order.ahead_lots) == (1002, 2, 0)


def test_ioc_walks_then_cancels_the_rest(market):
    ex, _ = market
    reports = _send(ex, place(1, Side.SELL, 1000, 8, IOC))
    assert _fills(reports) == [(1000, 5, 3, Liquidity.TAKER)]
    assert isinstance(reports[-1], Canceled) and "3 of 8" in reports[-1].reason
    assert ex.working_order(1) is None
    (late,) = _send(ex, cancel(1), 20)
    assert isinstance(late, Rejected) and late.command is CommandKind.CANCEL


def test_ioc_that_fills_completely_sends_no_cancel(market):
    ex, _ = market
    reports = _send(ex, place(1, Side.BUY, 1001, 2, IOC))
    assert [type(r) for r in reports] == [Accepted, Filled]
    assert reports[1].remaining_lots == 0


def test_market_order_is_an_ioc_at_a_marketable_price(market):
    """The walk reaches 1040, beyond the ticks probed one by one, and runs out of book."""
    ex, _ = market
    reports = _send(ex, place(1, Side.BUY, 10**9, 12, IOC))
    assert _fills(reports) == [(1001, 2, 10, Liquidity.TAKER), (1002, 3, 7, Liquidity.TAKER),
                               (1040, 4, 3, Liquidity.TAKER)]
    assert isinstance(reports[-1], Canceled)


def test_amend_size_down_keeps_priority(market):
    ex, feed = market
    _send(ex, place(1, Side.BUY, 1000, 5))
    ex.on_market(feed.delta(15, bids={1000: 8}))
    assert _send(ex, amend(1, 1000, 3), 20) == [Amended(1, 1000, 3, 20, True)]
    order = ex.working_order(1)
    assert (order.ahead_lots, order.remaining_lots) == (5, 3)


def test_amend_size_up_loses_priority(market):
    ex, feed = market
    _send(ex, place(1, Side.BUY, 1000, 5))
    ex.on_market(feed.delta(15, bids={1000: 8}))
    assert _send(ex, amend(1, 1000, 6), 20) == [Amended(1, 1000, 6, 20, False)]
    assert ex.working_order(1).ahead_lots == 8


def test_amend_price_loses_priority_and_requeues_at_the_new_level(market):
    ex, feed = market
    _send(ex, place(1, Side.BUY, 1000, 5))
    _send(ex, place(2, Side.BUY, 999, 1), 11)
    assert _send(ex, amend(1, 999, 5), 20) == [Amended(1, 999, 5, 20, False)]
    assert ex.working_order(1).ahead_lots == 4
    # Order 2 came first at 999: a 5-lot trade fills it after the 4 ahead, not order 1.
    ex.on_market(feed.trade(30, 999, 5, Side.SELL))
    assert [r.order_id for r in ex.poll(30) if isinstance(r, Filled)] == [2]
    assert ex.working_order(1).ahead_lots == 0


def test_amend_after_a_partial_fill_counts_the_filled_size(market):
    ex, feed = market
    _send(ex, place(1, Side.BUY, 1000, 5))
    ex.on_market(feed.trade(15, 999, 2, Side.SELL))
    assert _fills(ex.poll(15)) == [(1000, 2, 3, Liquidity.MAKER)]
    assert _send(ex, amend(1, 1000, 4), 20) == [Amended(1, 1000, 4, 20, True)]
    assert ex.working_order(1).remaining_lots == 2
    (refused,) = _send(ex, amend(1, 1000, 2), 21)
    assert isinstance(refused, Rejected) and "already filled" in refused.reason


def test_amend_to_a_crossing_price(market):
    ex, _ = market
    _send(ex, place(1, Side.BUY, 1000, 3))
    reports = _send(ex, amend(1, 1001, 3), 20)
    assert reports[0] == Amended(1, 1001, 3, 20, False)
    assert _fills(reports) == [(1001, 2, 1, Liquidity.TAKER)]
    assert ex.working_order(1).price_ticks == 1001
    _send(ex, place(2, Side.BUY, 1000, 3, POST_ONLY), 30)
    (refused,) = _send(ex, amend(2, 1002, 3), 31)
    assert isinstance(refused, Rejected) and refused.command is CommandKind.AMEND
    assert "post-only" in refused.reason
    assert ex.working_order(2).price_ticks == 1000  # unchanged


@pytest.mark.parametrize("command", [amend(99, 1000, 1), cancel(99)])
def test_amend_or_cancel_of_an_unknown_order_is_rejected(market, command):
    ex, _ = market
    (report,) = _send(ex, command)
    kind = CommandKind.AMEND if "Amend" in type(command).__name__ else CommandKind.CANCEL
    assert isinstance(report, Rejected) and report.command is kind
    assert "unknown order id 99" in report.reason


def test_cancel_then_cancel_again(market):
    ex, _ = market
    _send(ex, place(1, Side.BUY, 1000, 1))
    assert _send(ex, cancel(1), 20) == [Canceled(1, 20, "canceled on request")]
    (again,) = _send(ex, cancel(1), 21)
    assert isinstance(again, Rejected) and "no longer working: canceled" in again.reason
