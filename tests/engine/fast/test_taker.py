"""The fast path's taker: hand-worked IOC cases, its twin, and its limits.

Instrument grid 1 x 1 at a price of 100, so one tick of spread is 49.75 bps of half
spread; the taker's move is ``take_imbalance_bps · (book + flow) / 2``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from workbench.engine.fast import (
    DEPTH,
    TRADE,
    FastParams,
    run_fast,
    run_reference,
    synthetic_events,
)
from workbench.engine.fast.synthetic import SYNTHETIC_INSTRUMENT

from .conftest import UNIT, USDM_BTC, assert_same_run, build, snapshot

BUY, SELL = 1, -1
TAKER = FastParams(strategy="taker", take_imbalance_bps=200.0, take_margin_bps=1.0,
                   take_edge_per_size_bps=2.0, take_max_size_lots=5, taker_fee_bps=5.0,
                   max_long_lots=100, max_short_lots=100, entry_latency_ns=10,
                   response_latency_ns=10)
# bid 100 x 10 against ask 101 x 2: book imbalance 8/12
HEAVY_BID = snapshot({100: 10, 99: 10}, {101: 2, 102: 10})


def run(messages, params=TAKER):
    events = build(messages)
    fast = run_fast(events, UNIT, params)
    assert_same_run(fast, run_reference(events, UNIT, params))
    return fast


def fills(result):
    f = result.fills
    return list(zip(f["exch_ts_ns"].tolist(), f["side"].tolist(), f["price_ticks"].tolist(),
                    f["size_lots"].tolist(), f["maker"].tolist(), f["ioc"].tolist()))


def test_an_ioc_takes_what_the_touch_offers_and_the_rest_is_cancelled():
    # move = 200 · (8/12 + 1)/2 = 166.7 bps; cost = 5 + 49.75 + 1; edge 110.9 bps:
    # size min(5, ceil(110.9 / 2)) = 5, bought at 101 where 2 lots are offered
    result = run([
        (1000, 1000, HEAVY_BID),               # flow 0: the signals do not agree yet
        (2000, 2000, [(TRADE, BUY, 101, 1)]),  # buyers lift: flow +1, the taker buys
        (3000, 3000, [(DEPTH, BUY, 98, 1)]),   # after the IOC's reports (2020)
    ])
    assert fills(result) == [(2010, BUY, 101, 2, False, True)]
    assert result.fills["fee"].tolist() == [101 * 2 * 5e-4]
    # its 3 lots left were cancelled, so a second IOC goes out at 3000 (still in flight
    # when the data ends)
    assert result.n_orders == 2
    assert result.records["position_lots"].tolist() == [0, 0, 2]
    s = result.summary()
    assert s["taker_fills"] == 1 and s["pnl"] == pytest.approx(s["taker_pnl"])
    assert s["taker_fees"] == pytest.approx(101 * 2 * 5e-4)


def test_no_take_within_the_cost_or_against_disagreeing_signals():
    calm = [(1000, 1000, HEAVY_BID), (2000, 2000, [(TRADE, BUY, 101, 1)])]
    costly = dataclasses.replace(TAKER, take_imbalance_bps=60.0)  # move 50 bps < 55.75
    assert fills(run(calm, costly)) == []
    against = [(1000, 1000, HEAVY_BID), (2000, 2000, [(TRADE, SELL, 100, 1)]),
               (2500, 2500, [(DEPTH, BUY, 98, 1)])]
    # book +8/12, flow -1: the mean (-1/6) points down but the book disagrees
    loose = dataclasses.replace(TAKER, take_imbalance_bps=1000.0)  # move -166.7 bps
    assert fills(run(against, loose)) == []
    # without agreement the book alone buys at once (333 bps), then the mean sells
    anyway = dataclasses.replace(loose, take_require_agreement=False)
    assert fills(run(against, anyway)) == [(1010, BUY, 101, 2, False, True),
                                           (2010, SELL, 100, 5, False, True)]


@pytest.mark.parametrize("strategy", ["taker", "both"])
@pytest.mark.parametrize("seed", [4, 5])
def test_twin_and_kernel_agree_with_the_taker(strategy, seed):
    events = synthetic_events(20_000, seed=seed)
    params = FastParams(strategy=strategy, gamma=0.2, k_per_price=20.0, a_per_s=1.0,
                        sigma_per_sqrt_s=2e-5, levels=2, size_lots=2, max_long_lots=12,
                        max_short_lots=12, entry_latency_ns=2_000_000,
                        response_latency_ns=2_000_000, maker_fee_bps=-0.5, taker_fee_bps=0.0,
                        take_imbalance_bps=4.0, take_margin_bps=0.0, take_max_size_lots=3,
                        take_flow_half_life_s=2.0)
    fast = run_fast(events, SYNTHETIC_INSTRUMENT, params)
    assert_same_run(fast, run_reference(events, SYNTHETIC_INSTRUMENT, params))
    f = fast.fills
    assert np.count_nonzero(f["ioc"]) > 5
    assert not f["maker"][f["ioc"]].any()
    if strategy == "taker":
        assert f["ioc"].all()
    else:
        assert np.count_nonzero(~f["ioc"]) > 5
    path = np.cumsum(f["side"].astype(np.int64) * f["size_lots"])
    assert np.abs(path).max() <= 12


def test_the_taker_on_recorded_btc(usdm_events):
    params = FastParams(strategy="both", sigma_per_sqrt_s=1.25e-4, taker_fee_bps=5.0,
                        maker_fee_bps=2.0, take_imbalance_bps=12.0, take_margin_bps=0.0,
                        max_long_lots=20, max_short_lots=20)
    fast = run_fast(usdm_events, USDM_BTC, params)
    assert_same_run(fast, run_reference(usdm_events, USDM_BTC, params))
    s = fast.summary()
    assert s["taker_fills"] > 0
    assert s["pnl"] == pytest.approx(s["maker_pnl"] + s["taker_pnl"], abs=1e-9)
    ioc = fast.fills[fast.fills["ioc"]]
    notional = ioc["price_ticks"] * 0.1 * ioc["size_lots"] * 0.001
    np.testing.assert_allclose(ioc["fee"], notional * 5e-4, rtol=1e-12)
