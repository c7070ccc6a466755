"""VPIN against its published definition on constructed buckets."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.core.events import EventKind
from workbench.estimators import EventArrays, StreamSet, Vpin, VpinParams, vpin_frame

COINM = ("binance-coinm", "BTCUSD_PERP")  # 100 USD a contract: notional = 100 * lots


def _trades(seed: int, v_usd: float, n_buckets: int):
    """Random trades, and each bucket's buy volume by expanding trades into contracts."""
    rng = np.random.default_rng(seed)
    per_bucket = int(v_usd / 100)
    sizes, sides = [], []
    while sum(sizes) < per_bucket * n_buckets:
        sizes.append(int(rng.integers(1, 40)))
        sides.append(1 if rng.random() < 0.7 else -1)
    units = np.repeat(sides, sizes)  # one entry per 100 USD contract
    full = len(units) // per_bucket
    buckets = units[: full * per_bucket].reshape(full, per_bucket)
    return np.array(sizes), np.array(sides), (buckets > 0).sum(axis=1) * 100.0


def test_vpin_matches_definition():
    v, n = 10_000.0, 20
    sizes, sides, bucket_buy = _trades(5, v, 60)
    p = VpinParams(bucket_notional=v, n_buckets=n)
    vpin = Vpin(p)
    for q, s in zip(sizes.tolist(), sides.tolist()):
        vpin.on_trade(q * 100.0, s)
    done = vpin.buckets
    assert done == len(bucket_buy)
    b = bucket_buy[done - n:done]
    s = v - b
    assert vpin.value == pytest.approx(np.sum(np.abs(b - s)) / (n * v), rel=1e-9)
    assert vpin.buy == pytest.approx(np.sum(np.maximum(b - s, 0)) / (n * v), rel=1e-9)

    m = len(sizes)
    arrays = EventArrays(
        StreamSet.of([COINM]), np.arange(m, dtype=np.int64) * 1000, np.zeros(m, np.int64),
        np.full(m, EventKind.TRADE, np.uint8), *(np.zeros(m, np.int64) for _ in range(4)),
        np.full(m, 600_000, np.int64), sizes.astype(np.int64), sides.astype(np.int64))
    frame = vpin_frame(arrays, p)
    assert frame["vpin"].iloc[-1] == pytest.approx(vpin.value, rel=1e-9)
    assert frame["buckets"].iloc[-1] == done


def test_vpin_of_balanced_and_one_sided_flow():
    p = VpinParams(bucket_notional=1000.0, n_buckets=4)
    one_sided, balanced = Vpin(p), Vpin(p)
    for _ in range(40):
        one_sided.on_trade(250.0, 1)
        balanced.on_trade(250.0, 1)
        balanced.on_trade(250.0, -1)
    assert one_sided.value == pytest.approx(1.0) and one_sided.sell == 0.0
    assert balanced.value == pytest.approx(0.0, abs=1e-12)


def test_streaming_equals_vectorised_on_recorded_trades(btc_events, btc_arrays):
    from workbench.estimators import TradeFlowImbalance

    p = VpinParams(bucket_notional=100_000.0, n_buckets=30)
    streams = btc_arrays.streams
    index = streams.index()
    flow, vpin = TradeFlowImbalance(streams), Vpin(p)
    got = np.zeros(len(btc_events))
    for j, e in enumerate(btc_events):
        if type(e).__name__ == "Trade":
            x = flow.on_trade(index[(e.venue, e.symbol)], e.local_ts_ns, e.price_ticks,
                              e.size_lots, e.aggressor)
            vpin.on_trade(x, e.aggressor)
        got[j] = vpin.value
    want = vpin_frame(btc_arrays, p)["vpin"].to_numpy()
    assert vpin.buckets > 100
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
