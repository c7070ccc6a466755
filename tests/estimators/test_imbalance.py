"""OFI from its definition on a real excerpt; trade flow and top-of-book imbalance."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from workbench.core.events import EventKind
from workbench.estimators import (
    ImbalanceParams,
    OrderFlowImbalance,
    StreamSet,
    TradeFlowImbalance,
    imbalance_frame,
    ofi_increments,
)

COINM = ("binance-coinm", "BTCUSD_PERP")


def _excerpt(arrays, venue, n):
    i = arrays.streams.names.index(venue)
    k = np.flatnonzero((arrays.kind == EventKind.BBO) & (arrays.stream == i))[:n]
    return k, [tuple(int(c[j]) for c in (arrays.bid_ticks, arrays.bid_lots, arrays.ask_ticks,
                                         arrays.ask_lots)) for j in k]


def _hand_ofi(quotes):
    """Cont, Kukanov & Stoikov (2014), eq. for e_n, one branch at a time."""
    out = [0]
    for (pb, pqb, pa, pqa), (b, qb, a, qa) in itertools.pairwise(quotes):
        e = 0
        if b >= pb:
            e += qb
        if b <= pb:
            e -= pqb
        if a <= pa:
            e -= qa
        if a >= pa:
            e += pqa
        out.append(e)
    return out


def test_ofi_increments_match_hand_computation_on_real_quotes(btc_arrays):
    _, quotes = _excerpt(btc_arrays, "binance-coinm", 60)
    b, qb, a, qa = (np.array(c) for c in zip(*quotes))
    want = _hand_ofi(quotes)
    assert any(w != 0 for w in want) and any(w > 0 for w in want) and any(w < 0 for w in want)
    assert ofi_increments(b, qb, a, qa).tolist() == want


def test_streaming_ofi_is_the_normalised_sum_without_decay(btc_arrays):
    k, quotes = _excerpt(btc_arrays, "binance-coinm", 60)
    want = _hand_ofi(quotes)
    params = ImbalanceParams(ofi_half_life_s=1e9)  # no decay over a minute
    ofi = OrderFlowImbalance(StreamSet.of([COINM]), params)
    for j, (b, qb, a, qa) in zip(k.tolist(), quotes):
        ofi.on_quote(0, int(btc_arrays.ts_ns[j]), b, qb, a, qa)
    # COIN-M contracts are 100 USD each: notional is 100 * e, the ratio is unit-free
    assert ofi.value == pytest.approx(sum(want) / sum(abs(w) for w in want), rel=1e-9)


def test_trade_flow_and_top_of_book_on_constructed_events():
    streams = StreamSet.of([COINM, ("binance-usdm", "BTCUSDT")])
    flow = TradeFlowImbalance(streams, ImbalanceParams(trade_half_life_s=1.0))
    s = 1_000_000_000
    flow.on_trade(0, 0, 600_000, 10, 1)  # 1000 USD bought on COIN-M
    flow.on_trade(1, 0, 600_000, 10, -1)  # 0.010 BTC at 60000.0 = 600 USD sold on USD-M
    assert flow.value == pytest.approx((1000 - 600) / 1600, rel=1e-12)
    flow.on_trade(1, s, 600_000, 10, -1)  # one half-life later
    b, sl = 1000 * 0.5, 600 * 0.5 + 600
    assert flow.value == pytest.approx((b - sl) / (b + sl), rel=1e-12)
    assert flow.per_stream()["binance-usdm"] == -1.0
    assert flow.on_trade(0, s, 0, 10, 1) == 0.0 and flow.rejected == 1


def test_streaming_equals_vectorised_on_recorded_data(btc_events, btc_arrays):
    n = 60_000
    arrays = btc_arrays.take(np.arange(len(btc_arrays)) < n)
    streams = arrays.streams
    ofi, flow = OrderFlowImbalance(streams), TradeFlowImbalance(streams)
    got = np.zeros((n, 2))
    for j, e in enumerate(btc_events[:n]):
        ofi.update(e)
        flow.update(e)
        got[j] = ofi.value, flow.value
    want = imbalance_frame(arrays)
    np.testing.assert_allclose(got[:, 0], want["ofi"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got[:, 1], want["trade_imbalance"], rtol=1e-9, atol=1e-9)
    assert np.abs(got).max() <= 1.0
