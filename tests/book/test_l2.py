import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.book import L2Book


class NaiveBook:
    """Reference: sorted scans over plain dicts."""

    def __init__(self):
        self.bids, self.asks = {}, {}

    def set(self, is_bid, t, q):
        side = self.bids if is_bid else self.asks
        if q:
            side[t] = q
        else:
            side.pop(t, None)

    def best_bid(self):
        return (max(self.bids), self.bids[max(self.bids)]) if self.bids else None

    def best_ask(self):
        return (min(self.asks), self.asks[min(self.asks)]) if self.asks else None


ops = st.lists(st.tuples(st.booleans(), st.integers(90, 110), st.integers(0, 5)), max_size=300)


@settings(max_examples=200, deadline=None)
@given(ops)
def test_best_levels_match_a_naive_book(updates):
    book, ref = L2Book(), NaiveBook()
    for is_bid, t, q in updates:
        book.set_level(is_bid, t, q)
        ref.set(is_bid, t, q)
        assert book.best_bid() == ref.best_bid()
        assert book.best_ask() == ref.best_ask()
    bt, bl, at, al = book.top(5)
    assert bt.tolist() == sorted(ref.bids, reverse=True)[:5]
    assert bl.tolist() == [ref.bids[t] for t in bt.tolist()]
    assert at.tolist() == sorted(ref.asks)[:5]
    assert al.tolist() == [ref.asks[t] for t in at.tolist()]
    assert book.bid_levels == len(ref.bids) and book.ask_levels == len(ref.asks)


def test_snapshot_then_delta_and_derived_prices():
    book = L2Book("v", "S")
    book.apply_snapshot(np.array([100, 99, 98]), np.array([5, 0, 7]),
                        np.array([102, 103]), np.array([1, 2]))
    assert book.best_bid() == (100, 5) and book.bid_levels == 2  # the 0-size level is dropped
    book.apply_delta([100], [0], [101], [3])
    assert book.best_bid() == (98, 7)
    assert book.best_ask() == (101, 3)
    assert book.spread_ticks() == 3
    assert book.mid_ticks() == 99.5
    # microprice closed form: (bid * ask_size + ask * bid_size) / (bid_size + ask_size)
    assert book.microprice_ticks() == (98 * 3 + 101 * 7) / (3 + 7)
    assert book.depth_within(2) == (7, 3 + 1 + 2)  # asks 101, 102, 103
    assert not book.crossed


def test_crossed_state_is_reported_not_hidden():
    book = L2Book()
    book.apply_snapshot([100], [1], [101], [1])
    book.set_level(True, 102, 4)
    assert book.crossed
    assert book.spread_ticks() == 101 - 102
    assert book.best_bid() == (102, 4)


def test_empty_sides():
    book = L2Book()
    assert book.best_bid() is None and book.best_ask() is None
    assert np.isnan(book.mid_ticks()) and np.isnan(book.microprice_ticks())
    assert not book.crossed
    book.set_level(True, 10, 1)
    assert book.spread_ticks() == -1 and np.isnan(book.mid_ticks())


def test_price_order_stays_consistent_under_churn():
    book = L2Book()
    for i in range(10_000):
        book.set_level(True, 1000 + i, 1)
        book.set_level(True, 1000 + i, 0)
        book.set_level(False, 1000 + i, 0)  # deleting a missing level is a no-op
    book.set_level(True, 5, 1)
    assert book.best_bid() == (5, 1) and book.bid_levels == 1
    assert book._bid_keys == [5] and book._ask_keys == []


def _apply_delta(book, bid_t, bid_l, ask_t, ask_l):
    book.apply_delta(bid_t, bid_l, ask_t, ask_l)


def _apply_levels(book, *sides):
    book.apply_levels(*(np.array(x, dtype=np.int64) for x in sides))


# A small book that most batches rewrite (its price keys rebuilt in one pass), and a deep
# one that a batch barely touches (keys moved level by level): both paths, both methods.
@pytest.mark.parametrize("apply", [_apply_delta, _apply_levels])
@pytest.mark.parametrize(("low", "high", "depth"), [(90, 110, 0), (0, 6000, 3000)])
def test_batch_updates_end_where_level_by_level_updates_end(apply, low, high, depth):
    """Random diffs with repeated prices inside one batch, zeros for absent levels and
    deletions: the book equals a plain dict that applies each level in order."""
    import random

    rng = random.Random(11)
    book = L2Book()
    bids = {t: 1 for t in range(low, high, 2)[:depth]}
    asks = {t: 1 for t in range(high, low, -2)[:depth]}
    book.apply_snapshot(list(bids), list(bids.values()), list(asks), list(asks.values()))
    for _ in range(400):
        sides = []
        for ref in (bids, asks):
            n = rng.randint(0, 12)
            ticks = [rng.randint(low, high) for _ in range(n)]
            lots = [rng.choice((0, 0, 1, 2, 5)) for _ in range(n)]
            for t, q in zip(ticks, lots):
                if q:
                    ref[t] = q
                else:
                    ref.pop(t, None)
            sides += [ticks, lots]
        apply(book, *sides)
        bid_t, bid_l, ask_t, ask_l = book.top(10_000)
        assert dict(zip(bid_t.tolist(), bid_l.tolist())) == bids
        assert dict(zip(ask_t.tolist(), ask_l.tolist())) == asks
        assert bid_t.tolist() == sorted(bids, reverse=True)
        assert ask_t.tolist() == sorted(asks)
