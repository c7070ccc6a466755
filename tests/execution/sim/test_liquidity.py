"""No double use of liquidity, and the walk over a book side."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.execution.sim.builders import Feed, exchange, place
from workbench.book import L2Book
from workbench.core import Filled, Side, TimeInForce
from workbench.execution.sim.levels import PROBE_TICKS, levels_through

IOC = TimeInForce.IOC


def _filled(reports):
    return [(r.order_id, r.price_ticks, r.size_lots) for r in reports if isinstance(r, Filled)]


def _market():
    ex, feed = exchange(), Feed()
    ex.on_market(feed.snapshot(1, {1000: 5}, {1001: 3, 1002: 4}))
    return ex, feed


def test_taken_liquidity_stays_taken_until_the_venue_updates_the_level():
    ex, feed = _market()
    ex.submit(place(1, Side.BUY, 1001, 2, IOC), 10)
    ex.submit(place(2, Side.BUY, 1001, 2, IOC), 10)  # only 1 of the 3 lots is left
    assert _filled(ex.poll(10)) == [(1, 1001, 2), (2, 1001, 1)]
    ex.on_market(feed.delta(20, asks={1002: 5}))  # another level: 1001 stays used
    ex.submit(place(3, Side.BUY, 1001, 2, IOC), 30)
    assert _filled(ex.poll(30)) == []
    ex.on_market(feed.delta(40, asks={1001: 3}))  # the venue's figure for 1001 rules again
    ex.submit(place(4, Side.BUY, 1001, 2, IOC), 50)
    assert _filled(ex.poll(50)) == [(4, 1001, 2)]


def test_a_snapshot_resets_what_we_took():
    ex, feed = _market()
    ex.submit(place(1, Side.BUY, 1001, 3, IOC), 10)
    ex.poll(10)
    ex.on_market(feed.snapshot(20, {1000: 5}, {1001: 3}))
    ex.submit(place(2, Side.BUY, 1001, 3, IOC), 30)
    assert _filled(ex.poll(30)) == [(2, 1001, 3)]


def test_post_only_may_rest_where_we_took_all_the_liquidity():
    ex, _ = _market()
    ex.submit(place(1, Side.BUY, 1001, 3, IOC), 10)
    ex.submit(place(2, Side.BUY, 1001, 1, TimeInForce.POST_ONLY), 10)
    assert [type(r).__name__ for r in ex.poll(10)][-1] == "Accepted"


def test_a_resting_order_joins_behind_what_is_left_of_a_level():
    ex, _ = _market()
    ex.submit(place(1, Side.SELL, 1000, 2, IOC), 10)  # takes 2 of the 5 bid lots
    ex.submit(place(2, Side.BUY, 1000, 1), 10)
    ex.poll(10)
    assert ex.working_order(2).ahead_lots == 3


def test_trade_volume_fills_each_lot_once():
    ex, feed = _market()
    ex.on_market(feed.delta(5, bids={1000: 0}))
    for oid, price in ((1, 1000), (2, 999), (3, 998)):
        ex.submit(place(oid, Side.BUY, price, 2), 10)
    ex.poll(10)
    ex.on_market(feed.trade(20, 997, 3, Side.SELL))  # 3 lots sold through all three
    assert _filled(ex.poll(20)) == [(1, 1000, 2), (2, 999, 1)]


def test_a_crossing_book_fills_each_lot_once():
    ex, feed = _market()
    for oid in (1, 2):
        ex.submit(place(oid, Side.BUY, 1000, 2), 10)
    ex.poll(10)
    ex.on_market(feed.delta(20, bids={1000: 0}, asks={999: 1, 1000: 2}))  # 3 lots cross us
    assert _filled(ex.poll(20)) == [(1, 1000, 2), (2, 1000, 1)]


# -- the walk -----------------------------------------------------------------------------
_books = st.dictionaries(st.integers(1, 400), st.integers(1, 9), max_size=60)


@settings(max_examples=150, deadline=None)
@given(bids=_books, asks=_books, limit=st.integers(1, 400), is_bid=st.booleans())
def test_levels_through_matches_a_sorted_reference(bids, asks, limit, is_bid):
    book = L2Book()
    book.apply_snapshot(list(bids), list(bids.values()), list(asks), list(asks.values()))
    side = bids if is_bid else asks
    if is_bid:
        expected = sorted(((p, q) for p, q in side.items() if p >= limit), reverse=True)
    else:
        expected = sorted((p, q) for p, q in side.items() if p <= limit)
    assert list(levels_through(book, is_bid, limit)) == expected


def test_the_walk_beyond_the_probed_ticks_is_exercised():
    book = L2Book()
    far = 1000 + 5 * PROBE_TICKS
    book.apply_snapshot([], [], [1000, 1001, far, far + 1], [1, 2, 3, 4])
    assert list(levels_through(book, False, far)) == [(1000, 1), (1001, 2), (far, 3)]
