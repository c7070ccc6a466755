"""The kernel's quotes against the closed forms of workbench.quoting; its EWMA volatility
against the estimators' vectorised grid EWMA."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from workbench.engine.fast import FastParams, run_fast
from workbench.engine.fast.maker import quote_ticks
from workbench.estimators.volatility import VolParams, ewma_variance_grid
from workbench.quoting import approx_offsets, optimal_quotes, quotes_to_ticks
from workbench.quoting.inventory import saturating_skew_price

from .conftest import USDM_BTC

TICK = USDM_BTC.tick_size_float


def _states(seed: int, n: int = 40):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        mid_ticks2 = int(rng.integers(1_200_000, 1_240_000))  # twice the mid, in ticks
        spread = int(rng.integers(1, 4)) if mid_ticks2 % 2 else 2 * int(rng.integers(1, 3))
        bb = (mid_ticks2 - spread) // 2
        ba = bb + spread
        yield ((bb + ba) * 0.5 * TICK, float(rng.integers(-8, 9)),
               float(rng.uniform(5e-6, 6e-5)), bb, ba)


def _expected(bid_price: float, ask_price: float, bb: int, ba: int) -> tuple[int, int]:
    bid, ask = quotes_to_ticks(bid_price, ask_price, USDM_BTC, bb, ba)
    return (bid if bid is not None else -1), (ask if ask is not None else -1)


@pytest.mark.parametrize("seed, drift", [(0, 0.0), (1, 0.0), (2, 0.02), (3, -0.05)])
def test_glft_quotes_are_gueant_closed_form_on_the_tick_grid(seed, drift):
    p = FastParams(gamma=0.05, k_per_price=0.8, a_per_s=1.3, drift_price_per_s=drift)
    fp, ip = p.packed()
    moved = 0
    for mid, q, sigma, bb, ba in _states(seed):
        d_bid, d_ask = approx_offsets(q, p.gamma, p.k_per_price, p.a_per_s, mid * sigma, drift)
        want = _expected(mid - d_bid, mid + d_ask, bb, ba)
        assert quote_ticks(mid, q, sigma, bb, ba, fp, ip, TICK) == want
        moved += want[0] < bb - 1
    assert moved > 10  # most states quote away from the touch, so the model decides


def test_drift_leans_the_calibrated_quotes():
    """The defaults at 70% a year with a drift of 18 USD an hour: the quotes lean up by
    μ/(γσ²) units of inventory times ξ, 0.55 USD."""
    mid, sigma, bb, ba = 61_000.05, 1.25e-4, 610_000, 610_001
    flat = FastParams()
    lean = FastParams(drift_price_per_s=5e-3)
    d_bid, d_ask = approx_offsets(0.0, lean.gamma, lean.k_per_price, lean.a_per_s,
                                  mid * sigma, 5e-3)
    got = quote_ticks(mid, 0.0, sigma, bb, ba, *lean.packed(), TICK)
    assert got == _expected(mid - d_bid, mid + d_ask, bb, ba)
    base = quote_ticks(mid, 0.0, sigma, bb, ba, *flat.packed(), TICK)
    assert got[0] - base[0] in (5, 6) and got[1] - base[1] in (5, 6)


def test_avellaneda_stoikov_and_capped_skew_quotes():
    p = FastParams(model="as", gamma=0.1, k_per_price=2.0, horizon_s=4.0)
    capped = dataclasses.replace(p, skew_mode="capped", cap_fraction=0.6)
    for params in (p, capped):
        fp, ip = params.packed()
        for mid, q, sigma, bb, ba in _states(7):
            bid, ask = optimal_quotes(mid, q, p.gamma, mid * sigma, p.k_per_price, p.horizon_s)
            if params.skew_mode == "capped":
                half = (ask - bid) / 2
                skew = saturating_skew_price(mid - (bid + ask) / 2, half, 0.6)
                bid, ask = mid - skew - half, mid - skew + half
            assert quote_ticks(mid, q, sigma, bb, ba, fp, ip, TICK) == _expected(bid, ask, bb, ba)


def test_ewma_volatility_is_the_estimators_grid_ewma(usdm_events):
    p = FastParams(vol_mode="ewma", vol_grid_s=0.25, vol_half_life_s=5.0, vol_min_returns=4,
                   sigma_per_sqrt_s=1e-3)
    rec = run_fast(usdm_events, USDM_BTC, p).records
    valid = (rec["best_bid_ticks"] >= 0) & (rec["best_ask_ticks"] > rec["best_bid_ticks"])
    ts = rec["ts_ns"][valid]
    log_mid = np.log((rec["best_bid_ticks"][valid] + rec["best_ask_ticks"][valid]) * 0.5 * TICK)
    grid, var = ewma_variance_grid(ts, log_mid, VolParams(grid_s=0.25, half_life_s=5.0),
                                   int(ts[-1]))
    closed = np.searchsorted(grid, ts, side="right")  # grid times closed at each record
    warm = closed - 1 >= p.vol_min_returns            # returns = index of the last grid time
    sigma = rec["sigma_per_sqrt_s"][valid]
    assert np.count_nonzero(warm) > 1000 and np.count_nonzero(~warm) > 10
    np.testing.assert_allclose(sigma[warm], np.sqrt(var[closed[warm] - 1] / 0.25), rtol=1e-9)
    assert np.all(sigma[~warm] == 1e-3)
    assert 5e-6 < np.median(sigma[warm]) < 1e-4  # BTC moves ~2e-5 per sqrt(s)
