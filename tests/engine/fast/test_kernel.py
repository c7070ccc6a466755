"""The numba kernel against its Python twin, and the properties a run must keep."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from workbench.core import ValidationError
from workbench.data.binance.instruments import COINM, KNOWN
from workbench.engine.fast import (
    SYNTHETIC_INSTRUMENT,
    FastParams,
    run_fast,
    run_reference,
    sweep,
    synthetic_events,
)

from .conftest import USDM_BTC, assert_same_run

SAMPLE_CASES = {
    "glft-ladder": FastParams(gamma=0.05, k_per_price=0.5, a_per_s=1.0, sigma_per_sqrt_s=2e-5,
                              levels=3, spacing_ticks=2, size_lots=2, max_long_lots=10,
                              max_short_lots=10, maker_fee_bps=-0.5, taker_fee_bps=4.5),
    "as-capped-ewma-gtc": FastParams(model="as", gamma=0.1, k_per_price=5.0, horizon_s=2.0,
                                     sigma_per_sqrt_s=3e-5, vol_mode="ewma", vol_grid_s=0.5,
                                     vol_half_life_s=10.0, vol_min_returns=5,
                                     skew_mode="capped", cap_fraction=0.5, post_only=False,
                                     size_lots=3, max_long_lots=9, max_short_lots=9,
                                     entry_latency_ns=3_000_000, response_latency_ns=1_000_000,
                                     maker_fee_bps=2.0, taker_fee_bps=5.0),
    # the calibrated defaults at 70% a year, leaning with a drift of 18 USD an hour
    "glft-drift": FastParams(sigma_per_sqrt_s=1.25e-4, drift_price_per_s=5e-3, levels=2,
                             max_long_lots=20, max_short_lots=20, maker_fee_bps=2.0,
                             taker_fee_bps=5.0),
}
# Tight quotes on the synthetic stream: every path of the exchange gets exercised.
BUSY = FastParams(gamma=0.2, k_per_price=20.0, a_per_s=1.0, sigma_per_sqrt_s=2e-5, levels=3,
                  spacing_ticks=1, size_lots=3, max_long_lots=12, max_short_lots=12,
                  entry_latency_ns=2_000_000, response_latency_ns=2_000_000,
                  maker_fee_bps=-0.5, taker_fee_bps=5.0, post_only=False)


@pytest.fixture(scope="module")
def busy_events():
    return synthetic_events(60_000, seed=11)


@pytest.mark.parametrize("case", sorted(SAMPLE_CASES))
def test_twin_and_kernel_agree_on_the_sample(usdm_events, case):
    params = SAMPLE_CASES[case]
    fast = run_fast(usdm_events, USDM_BTC, params)
    twin = run_reference(usdm_events, USDM_BTC, params)
    assert_same_run(fast, twin)
    assert len(fast.fills) >= 10
    assert len(fast.records) > 5000


def test_drift_changes_the_run(usdm_events):
    params = SAMPLE_CASES["glft-drift"]
    lean = run_fast(usdm_events, USDM_BTC, params).records
    flat = run_fast(usdm_events, USDM_BTC, dataclasses.replace(params, drift_price_per_s=0.0))
    flat = flat.records
    same = (lean["bid_ticks"] > 0) & (flat["bid_ticks"] > 0) & (
        lean["position_lots"] == flat["position_lots"])
    up = lean["bid_ticks"][same] - flat["bid_ticks"][same]
    # GLFT leans by μ/(γσ²)·ξ = 0.55 USD: 5.5 ticks, less where the touch clamps a quote
    assert np.count_nonzero(same) > 300 and np.median(up) >= 5


@pytest.mark.parametrize("seed", [1, 2])
def test_twin_and_kernel_agree_on_busy_synthetic_streams(seed):
    events = synthetic_events(25_000, seed=seed)
    for params in (BUSY, dataclasses.replace(BUSY, post_only=True, model="as",
                                             horizon_s=5.0, skew_mode="capped",
                                             vol_mode="ewma", vol_grid_s=0.05,
                                             vol_half_life_s=2.0, vol_min_returns=3,
                                             record_every_ns=50_000_000)):
        fast = run_fast(events, SYNTHETIC_INSTRUMENT, params)
        assert_same_run(fast, run_reference(events, SYNTHETIC_INSTRUMENT, params))
        assert len(fast.fills) > 20


def test_the_busy_run_uses_every_kind_of_fill(busy_events):
    result = run_fast(busy_events, SYNTHETIC_INSTRUMENT, BUSY)
    f = result.fills
    assert np.count_nonzero(~f["maker"]) > 0  # GTC orders took on arrival
    assert np.count_nonzero(f["size_lots"] < BUSY.size_lots) > 0  # partial fills
    assert np.count_nonzero(f["side"] > 0) > 0 and np.count_nonzero(f["side"] < 0) > 0


@pytest.mark.parametrize("size_lots, limit", [(1, 4), (3, 12)])
def test_the_position_never_passes_its_limits_even_with_orders_in_flight(busy_events,
                                                                         size_lots, limit):
    params = dataclasses.replace(BUSY, size_lots=size_lots, max_long_lots=limit,
                                 max_short_lots=limit)
    result = run_fast(busy_events, SYNTHETIC_INSTRUMENT, params)
    path = np.cumsum(result.fills["side"].astype(np.int64) * result.fills["size_lots"])
    assert path.max() <= limit and -path.min() <= limit
    assert max(path.max(), -path.min()) > limit - size_lots  # the limit did bind
    records = result.records
    assert np.all(records["bid_ticks"][records["position_lots"] >= limit] == -1)
    assert np.all(records["ask_ticks"][records["position_lots"] <= -limit] == -1)


def test_runs_and_streams_are_deterministic(busy_events):
    again = synthetic_events(60_000, seed=11)
    assert np.array_equal(busy_events, again)
    assert not np.array_equal(busy_events[:50_000], synthetic_events(60_000, seed=12)[:50_000])
    assert_same_run(run_fast(busy_events, SYNTHETIC_INSTRUMENT, BUSY),
                    run_fast(again, SYNTHETIC_INSTRUMENT, BUSY))


def test_pnl_summary_matches_an_independent_cash_flow_sum(busy_events):
    result = run_fast(busy_events, SYNTHETIC_INSTRUMENT, BUSY)
    f = result.fills_frame()
    sign = f["side"].astype(int)
    price = f["price_ticks"] * 0.1
    qty = f["size_lots"] * 0.001
    fee_rate = np.where(f["maker"], BUSY.maker_fee_bps, BUSY.taker_fee_bps) * 1e-4
    np.testing.assert_allclose(f["fee"], price * qty * fee_rate, rtol=1e-12)
    rec = result.records_frame().iloc[-1]
    mid = (rec["best_bid_ticks"] + rec["best_ask_ticks"]) / 2 * 0.1
    cash = -(sign * price * qty).sum() - f["fee"].sum()
    s = result.summary()
    assert s["position_lots"] == sign @ f["size_lots"]
    assert s["pnl"] == pytest.approx(cash + s["position_lots"] * 0.001 * mid, abs=1e-9)
    # the local view lags by the report latency but is right once the reports are in
    seen = f[f["local_ts_ns"] <= rec["ts_ns"]]
    assert rec["position_lots"] == (seen["side"].astype(int) * seen["size_lots"]).sum()


def test_sweep_runs_every_setting_serially_or_on_a_pool(busy_events):
    events = busy_events[:30_000]
    grid = {"gamma": [0.1, 0.3], "spacing_ticks": [1, 2]}
    serial = sweep(events, SYNTHETIC_INSTRUMENT, BUSY, grid)
    pooled = sweep(events, SYNTHETIC_INSTRUMENT, BUSY, grid, workers=2)
    pd.testing.assert_frame_equal(serial, pooled)
    assert list(serial[["gamma", "spacing_ticks"]].itertuples(index=False, name=None)) == [
        (0.1, 1), (0.1, 2), (0.3, 1), (0.3, 2)]
    direct = run_fast(events, SYNTHETIC_INSTRUMENT,
                      dataclasses.replace(BUSY, gamma=0.3, spacing_ticks=2)).summary()
    assert serial.iloc[3].drop(["gamma", "spacing_ticks"]).to_dict() == direct
    with pytest.raises(ValidationError):
        sweep(events, SYNTHETIC_INSTRUMENT, BUSY, {"gama": [0.1]})


def test_bad_inputs_are_refused(busy_events):
    with pytest.raises(ValidationError):
        FastParams(gamma=0.0)
    with pytest.raises(ValidationError):
        FastParams(model="glft2")
    with pytest.raises(ValidationError):
        FastParams(levels=65)
    with pytest.raises(ValidationError):
        FastParams(size_lots=1.5)
    assert FastParams.from_dict(BUSY.to_dict()) == BUSY
    with pytest.raises(ValidationError):
        run_fast(busy_events, KNOWN[(COINM, "BTCUSD_PERP")], BUSY)
    with pytest.raises(ValidationError):
        run_fast(busy_events.astype([(n, busy_events.dtype[n]) for n in busy_events.dtype.names]),
                 SYNTHETIC_INSTRUMENT, BUSY)
