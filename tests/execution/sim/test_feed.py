"""Feed latency: the venue sees market data at its exchange time, we see it later.

Queue positions and race outcomes below are worked out by hand from the stated times.
"""

from __future__ import annotations

import pytest

from tests.execution.sim.builders import LINEAR, RULES, Feed, place
from tests.execution.sim.showing import raw_showing_diffs
from workbench.core import Cancel, Canceled, Filled, Rejected, Side, SimulatedClock
from workbench.core.events import BookDelta, BookSnapshot, Trade
from workbench.data.binance.feed import read_raw_feed
from workbench.data.binance.instruments import SYNC_RULES, binance_instrument
from workbench.data.sample import sample_paths
from workbench.engine.replay_driver import run_replay
from workbench.execution.sim import (
    ConservativeQueue,
    ConstantLatency,
    FeedLatency,
    FeeSchedule,
    SimExchange,
)
from workbench.execution.sim.matcher import InstrumentMatcher

FEED = FeedLatency(local_offset_ns=0)


def _venue(entry_ns: int = 0, response_ns: int = 0) -> SimExchange:
    return SimExchange([LINEAR], {LINEAR.key: FeeSchedule()},
                       ConstantLatency(entry_ns, response_ns, feed=FEED), ConservativeQueue(),
                       RULES, seed=1)


def _at(event, exch_ns: int, local_ns: int):
    return event._replace(exch_ts_ns=exch_ns, local_ts_ns=local_ns)


def _resting_bid(ex: SimExchange, feed: Feed) -> None:
    """Book bid 1000 x10 / ask 1001 x10; our bid of 1 lot joins behind the 10 at 1000."""
    ex.on_market(feed.snapshot(100, {1000: 10, 999: 5}, {1001: 10}))
    ex.submit(place(1, Side.BUY, 1000, 1), 100)
    assert [type(r).__name__ for r in ex.poll(100)] == ["Accepted"]
    assert ex.working_order(1).ahead_lots == 10


@pytest.mark.parametrize("order", ["diff first", "print first"])
def test_a_trade_advances_the_queue_once_whichever_message_arrives_first(order):
    # A sell of 6 at 1000 (exchange time 200); the diff that shows it (1000: 10 -> 4)
    # carries the same exchange time. Right: ahead 10 - 6 = 4, no fill. Counting the
    # trade twice (clamp to 4, then 6 more) would give ahead 0 and a fill of 2 lots.
    ex, feed = _venue(), Feed()
    _resting_bid(ex, feed)
    diff = feed.delta(0, bids={1000: 4})
    trade = feed.trade(0, 1000, 6, Side.SELL)
    if order == "diff first":
        ex.on_market(_at(diff, 200, 210))
        ex.on_market(_at(trade, 200, 220))
    else:
        ex.on_market(_at(trade, 200, 210))
        ex.on_market(_at(diff, 200, 220))
    ex.advance(300)
    assert ex.working_order(1).ahead_lots == 4
    assert ex.poll(300) == []


def test_a_print_with_no_matching_diff_advances_the_queue_by_its_size():
    # A sell of 3 at 1000 whose volume no diff shows: ahead 10 - 3 = 7, the level still
    # shows 10; the next trade of 8 consumes the 7 ahead and fills our 1 lot.
    ex, feed = _venue(), Feed()
    _resting_bid(ex, feed)
    ex.on_market(_at(feed.trade(0, 1000, 3, Side.SELL), 200, 230))
    ex.advance(250)
    assert ex.working_order(1).ahead_lots == 7
    ex.on_market(_at(feed.trade(0, 1000, 8, Side.SELL), 260, 270))
    ex.advance(300)
    fills = [r for r in ex.poll(300) if isinstance(r, Filled)]
    assert [(f.size_lots, f.ts_ns) for f in fills] == [(1, 260)]


class _CancelOnUpdate:
    """An engine that places one bid at the snapshot and cancels it on the next diff."""

    def __init__(self) -> None:
        self.reports: list = []
        self.cancel_sent_ns: int | None = None

    def on_market(self, event):
        if isinstance(event, BookSnapshot):
            return [place(1, Side.BUY, 1000, 1)]
        if isinstance(event, BookDelta) and self.cancel_sent_ns is None:
            self.cancel_sent_ns = event.local_ts_ns
            return [Cancel(1, LINEAR.venue, LINEAR.symbol, event.local_ts_ns)]
        return []

    def on_reports(self, reports, now_ns):
        self.reports += reports
        return []

    def on_timer(self, now_ns):
        return []


def test_a_cancel_sent_on_a_book_update_reaches_the_venue_after_feed_and_entry_latency():
    # Feed latency F = 3 us on every message, entry E = 2 us, response 1 us. An update
    # at exchange time 10 us is seen by us at 13 us; the cancel we send then reaches the
    # venue at 10 + 3 + 2 = 15 us. A sell of 5 at our bid prints at exchange time 14 us
    # (we would only see it at 17 us): it fills us first, and the cancel finds no order.
    # Without the feed latency the venue would see the print at 17 us, after the cancel.
    f_ns, e_ns, r_ns = 3_000, 2_000, 1_000
    feed = Feed()
    events = [_at(feed.snapshot(0, {999: 5}, {1001: 5}), 1_000, 1_000 + f_ns),
              _at(feed.delta(0, bids={998: 4}), 10_000, 10_000 + f_ns),
              _at(feed.trade(0, 1000, 5, Side.SELL), 14_000, 14_000 + f_ns),
              _at(feed.delta(0, asks={1002: 1}), 30_000, 30_000 + f_ns)]
    engine = _CancelOnUpdate()
    venue = SimExchange([LINEAR], {LINEAR.key: FeeSchedule()},
                        ConstantLatency(e_ns, r_ns, feed=FeedLatency()), ConservativeQueue(),
                        RULES, seed=1)
    run_replay(engine, venue, events, SimulatedClock(), timer_interval_ns=10**9)
    assert engine.cancel_sent_ns == 10_000 + f_ns
    fills = [r for r in engine.reports if isinstance(r, Filled)]
    assert [(f.size_lots, f.ts_ns) for f in fills] == [(1, 14_000)]
    refused = [r for r in engine.reports if isinstance(r, Rejected)]
    assert [r.ts_ns for r in refused] == [10_000 + f_ns + e_ns]
    assert not [r for r in engine.reports if isinstance(r, Canceled)]


def test_on_recorded_data_every_print_reaches_the_queue_before_the_diff_that_shows_it(
        monkeypatch):
    # Each traded lot advances the queue once only if its print acts before the diff
    # that already removed it from the level. Counted on the bundled USD-M sample: in
    # receive order 46 of 5,213 prints (2,703 lots) come after their diff; at the venue,
    # prints stamped with their trade time T and diffs with their event time E, none do
    # (stamped with their own E, 7 prints still would).
    path = next(p for p in sample_paths() if "usdm" in str(p))
    showing = raw_showing_diffs(path)
    key = ("binance-usdm", "BTCUSDT")
    events = [e for e in read_raw_feed([path], workers=1).streams[key].events()]
    seen: list[tuple[str, int, int]] = []
    on_trade, on_book = InstrumentMatcher.on_trade, InstrumentMatcher.on_book

    def log_trade(self, trade, ts_ns, out):
        seen.append(("trade", trade.trade_id, trade.size_lots))
        on_trade(self, trade, ts_ns, out)

    def log_book(self, event, ts_ns, out):
        if isinstance(event, BookDelta):
            seen.append(("diff", event.last_update_id, 0))
        on_book(self, event, ts_ns, out)

    monkeypatch.setattr(InstrumentMatcher, "on_trade", log_trade)
    monkeypatch.setattr(InstrumentMatcher, "on_book", log_book)
    inst = binance_instrument(*key)
    venue = SimExchange([inst], {key: FeeSchedule()},
                        ConstantLatency(0, 0, feed=FeedLatency()), ConservativeQueue(),
                        SYNC_RULES, seed=0)
    for event in FeedLatency().retime(events):
        venue.on_market(event)
    venue.advance(2**62)

    def late_lots(order):
        applied, lots, prints = set(), 0, 0
        for kind, ident, size in order:
            if kind == "diff":
                applied.add(ident)
            elif showing.get(ident) in applied:
                lots += size
                prints += 1
        return lots, prints

    received = [("trade", e.trade_id, e.size_lots) if isinstance(e, Trade)
                else ("diff", e.last_update_id, 0) for e in events
                if isinstance(e, (Trade, BookDelta))]
    late_received = late_lots(received)
    n_trades = sum(1 for e in events if isinstance(e, Trade))
    assert sum(1 for k, _, _ in seen if k == "trade") == n_trades
    late_seen = late_lots(seen)
    assert 0.005 * n_trades < late_received[1] < 0.02 * n_trades
    assert late_seen == (0, 0), late_seen
