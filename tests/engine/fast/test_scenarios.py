"""Hand-worked cases on tiny event arrays: queue position, latency, taking, crossing.

Instrument grid 1 x 1; the model's half-spread is a thousandth of a tick (k = 1000), so the
maker quotes at the touch: bid = best bid, ask = best ask, two lots each.
"""

from __future__ import annotations

import dataclasses

from workbench.engine.fast import DEPTH, TRADE, FastParams, run_fast, run_reference

from .conftest import UNIT, assert_same_run, build, snapshot

TOUCH = FastParams(gamma=1.0, k_per_price=1000.0, a_per_s=1.0, sigma_per_sqrt_s=1e-9,
                   levels=1, size_lots=2, max_long_lots=100, max_short_lots=100,
                   entry_latency_ns=10, response_latency_ns=10, maker_fee_bps=-1.0,
                   taker_fee_bps=5.0)
BOOK = snapshot({100: 5, 99: 10}, {101: 4, 102: 10})
BUY, SELL = 1, -1


def run(messages, params=TOUCH):
    events = build(messages)
    fast = run_fast(events, UNIT, params)
    twin = run_reference(events, UNIT, params)
    assert_same_run(fast, twin)
    return fast


def fills(result):
    f = result.fills
    return list(zip(f["exch_ts_ns"].tolist(), f["side"].tolist(), f["price_ticks"].tolist(),
                    f["size_lots"].tolist(), f["maker"].tolist()))


def test_an_order_fills_only_once_the_size_ahead_has_traded():
    result = run([
        (1000, 1000, BOOK),                    # quotes: bid 100 behind 5, ask 101 behind 4
        (2000, 2000, [(TRADE, SELL, 100, 3)]),  # 2 ahead
        (3000, 3000, [(TRADE, SELL, 100, 2)]),  # 0 ahead, nothing beyond: no fill
        (4000, 4000, [(TRADE, SELL, 100, 1)]),  # 1 lot beyond the queue: fills 1 of 2
        (5000, 5000, [(DEPTH, SELL, 101, 1)]),  # the ask level shrinks to 1: 1 ahead
        (6000, 6000, [(TRADE, BUY, 101, 2)]),   # 1 ahead, 1 beyond
    ])
    assert fills(result) == [(4000, BUY, 100, 1, True), (6000, SELL, 101, 1, True)]
    assert result.fills["local_ts_ns"].tolist() == [4010, 6010]
    assert result.fills["fee"].tolist() == [100 * 1 * -1e-4, 101 * 1 * -1e-4]
    # the partly filled bid (1 left, 2 wanted) is cancelled and replaced on its report (4010)
    assert result.n_orders == 3
    assert result.records["position_lots"].tolist() == [0, 0, 0, 0, 1, 1]


def test_latency_lets_the_price_move_before_the_order_arrives():
    messages = [
        (1000, 1000, BOOK),
        (1200, 1200, [(TRADE, SELL, 100, 10)]),  # sweeps the 5 lots at 100 and 5 more
        (1300, 1300, [(DEPTH, BUY, 100, 0), (DEPTH, SELL, 101, 0),
                      (DEPTH, SELL, 100, 3)]),   # the market moved down a tick
        (2000, 2000, [(DEPTH, BUY, 98, 1)]),
    ]
    at_once = run(messages, dataclasses.replace(TOUCH, entry_latency_ns=0,
                                                response_latency_ns=500))
    assert fills(at_once) == [(1200, BUY, 100, 2, True)]
    # the report takes 500 ns: the position is ours at 1700, seen at the 2000 message
    assert at_once.records["position_lots"].tolist() == [0, 0, 0, 2]
    late = run(messages, dataclasses.replace(TOUCH, entry_latency_ns=500))
    # arriving at 1500 the bid at 100 meets the new ask at 100: post-only, rejected
    assert fills(late) == []
    assert late.records["position_lots"].tolist() == [0, 0, 0, 0]


def test_a_gtc_order_that_crosses_on_arrival_takes_then_rests():
    params = dataclasses.replace(TOUCH, entry_latency_ns=500, post_only=False)
    result = run([
        (1000, 1000, BOOK),                      # bid 100 sent, arrives at 1500
        (1200, 1200, [(DEPTH, BUY, 100, 0), (DEPTH, SELL, 101, 0),
                      (DEPTH, SELL, 100, 1)]),   # 1 lot offered at 100 now
        (1600, 1600, [(TRADE, SELL, 100, 1)]),   # the rest rests at the front: fills
    ], params)
    assert fills(result) == [(1500, BUY, 100, 1, False), (1600, BUY, 100, 1, True)]
    assert result.fills["fee"].tolist() == [100 * 5e-4, 100 * -1e-4]


def test_a_crossing_book_fills_only_the_size_it_offers_until_the_level_updates():
    slow = dataclasses.replace(TOUCH, entry_latency_ns=500)  # our cancels come late
    result = run([
        (1000, 1000, BOOK),                       # bid 100 x 2 rests from 1500
        (2000, 2000, [(DEPTH, BUY, 100, 0), (DEPTH, SELL, 101, 0),
                      (DEPTH, SELL, 100, 1)]),    # ask 100 x 1 reaches our bid: 1 lot
        (2100, 2100, [(DEPTH, SELL, 102, 20)]),   # same 100 level: already taken
        (2200, 2200, [(DEPTH, SELL, 100, 3)]),    # level updated: the last lot fills
    ], slow)
    assert fills(result) == [(2000, BUY, 100, 1, True), (2200, BUY, 100, 1, True)]
