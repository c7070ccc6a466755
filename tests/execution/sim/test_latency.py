"""Latency: when commands act on the book and when their reports come back."""

from __future__ import annotations

import random

import pytest

from tests.execution.sim.builders import Feed, cancel, exchange, place
from workbench.core import (
    Accepted,
    BestBidOffer,
    Canceled,
    Filled,
    Rejected,
    Side,
    TimeInForce,
    ValidationError,
)
from workbench.execution.sim import ConstantLatency, RecordedLatency

ENTRY, RESPONSE = 100, 50


@pytest.fixture
def slow():
    ex, feed = exchange(latency=ConstantLatency(ENTRY, RESPONSE)), Feed()
    ex.on_market(feed.snapshot(1, {1000: 5}, {1002: 2}))
    return ex, feed


def test_ack_is_due_at_arrival_plus_response(slow):
    ex, _ = slow
    ex.submit(place(1, Side.BUY, 1000, 1), 1_000)
    assert ex.next_report_ns() == 1_000 + ENTRY + RESPONSE
    assert ex.poll(1_000 + ENTRY + RESPONSE - 1) == []
    assert ex.working_order(1) is not None  # it has arrived, only the ack is in flight
    assert ex.poll(1_000 + ENTRY + RESPONSE) == [Accepted(1, 1_000 + ENTRY, "1")]
    assert ex.next_report_ns() is None


def test_the_order_sees_the_book_as_of_its_arrival(slow):
    ex, feed = slow
    ex.submit(place(1, Side.BUY, 1000, 1), 1_000)  # arrives at 1100
    ex.on_market(feed.delta(1_099, bids={1000: 6}))
    ex.on_market(feed.delta(1_100, bids={1000: 7}))  # stamped at the arrival: applied first
    assert ex.working_order(1) is None
    ex.on_market(feed.delta(1_101, bids={1000: 8}))  # after the arrival: joins behind us
    assert ex.working_order(1).ahead_lots == 7


def test_post_only_is_judged_on_the_book_at_arrival(slow):
    ex, feed = slow
    ex.submit(place(1, Side.BUY, 1001, 1, TimeInForce.POST_ONLY), 1_000)
    ex.on_market(feed.delta(1_050, asks={1001: 3}))  # the ask comes down before we arrive
    ex.on_market(feed.delta(1_200, asks={1001: 0}))
    (report,) = ex.poll(10_000)
    assert isinstance(report, Rejected) and report.ts_ns == 1_100
    assert "post-only" in report.reason


def test_fills_are_due_at_the_trade_time_plus_response(slow):
    ex, feed = slow
    ex.submit(place(1, Side.BUY, 1000, 1), 1_000)
    ex.on_market(feed.trade(2_000, 999, 1, Side.SELL))
    assert ex.next_report_ns() == 1_150
    assert ex.poll(1_150) == [Accepted(1, 1_100, "1")]
    assert ex.next_report_ns() == 2_000 + RESPONSE
    (fill,) = ex.poll(2_000 + RESPONSE)
    assert isinstance(fill, Filled) and fill.ts_ns == 2_000


def test_a_cancel_sent_before_the_fill_arrives_too_late(slow):
    ex, feed = slow
    ex.submit(place(1, Side.BUY, 1000, 1), 1_000)
    ex.on_market(feed.trade(1_150, 999, 1, Side.SELL))  # fills us at 1150
    ex.submit(cancel(1), 1_120)  # sent before the fill, arrives at 1220, after it
    reports = ex.poll(2_000)
    assert [type(r) for r in reports] == [Accepted, Filled, Rejected]
    assert "no longer working: filled" in reports[2].reason


def test_market_events_of_other_streams_only_advance_time(slow):
    ex, _ = slow
    ex.submit(place(1, Side.BUY, 1000, 1), 1_000)
    ex.on_market(BestBidOffer(-1, 1_101, "other", "XYZ", 1, 1, 2, 1, 1))
    assert ex.working_order(1) is not None


def test_random_delays_never_reorder_commands_or_reports():
    latency = RecordedLatency([0, 5, 1_000, 20_000])
    ex, feed = exchange(latency=latency, seed=3), Feed()
    ex.on_market(feed.snapshot(1, {1000: 5}, {1002: 2}))
    for i in range(200):
        ex.submit(place(i, Side.BUY, 1000, 1), 10 * i)
        ex.submit(cancel(i), 10 * i + 1)  # would be "unknown order" if it overtook its place
    due, reports = [], []
    while (t := ex.next_report_ns()) is not None:
        batch = ex.poll(t)
        due += [t] * len(batch)
        reports += batch
    assert due == sorted(due)
    assert [type(r) for r in reports] == [Accepted, Canceled] * 200
    assert [r.order_id for r in reports] == [i for i in range(200) for _ in range(2)]


def test_recorded_latency_draws_only_its_samples_uniformly():
    samples = [10, 20, 30, 40]
    model, rng = RecordedLatency(samples), random.Random(1)
    draws = [model.draw_entry_ns(rng) for _ in range(4_000)]
    assert set(draws) == set(samples)
    for s in samples:  # each with probability 1/4: sd of the count is about 27
        assert abs(draws.count(s) - 1_000) < 120


@pytest.mark.parametrize("bad", [[], [-1, 5]])
def test_recorded_latency_needs_non_negative_samples(bad):
    with pytest.raises(ValidationError):
        RecordedLatency(bad)


@pytest.mark.parametrize(("entry", "response"), [(-1, 0), (0, 1.5), (True, 0)])
def test_constant_latency_rejects_bad_delays(entry, response):
    with pytest.raises(ValidationError):
        ConstantLatency(entry, response)
