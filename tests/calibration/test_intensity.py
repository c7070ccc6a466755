"""The intensity fit recovers known A and k, and its standard errors are the right size."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.calibration.synthetic import poisson_orders, table
from workbench.calibration import (
    calibrate,
    fit_exposure_intensity,
    fit_market_intensity,
    trade_depths,
)
from workbench.core import ValidationError
from workbench.data.binance.instruments import binance_instrument

A, K = 0.8, 0.6          # per side per second, per USD
T = 3600.0
MIN, MAX, TICK = 0.15, 5.0, 0.1


def _fit(depth, duration=T, max_depth=MAX, **kw):
    return fit_market_intensity(depth, duration, min_depth_price=MIN,
                                max_depth_price=max_depth, width_price=TICK, **kw)


def test_recovers_a_and_k_within_its_standard_errors():
    rng = np.random.default_rng(1)
    _, depth = poisson_orders(rng, A, K, T, MIN)
    fit = _fit(depth)
    assert fit.converged
    assert abs(fit.a_per_s - A) < 3 * fit.a_se
    assert abs(fit.k_per_price - K) < 3 * fit.k_se
    assert fit.k_se / K < 0.03  # ~5000 orders: the test has teeth
    assert fit.dispersion == pytest.approx(1.0, abs=0.35)  # Poisson data: no overdispersion
    assert fit.p_value > 0.001


def test_standard_errors_match_the_closed_form_fisher_information():
    # Unbinned, untruncated exponential depths: N ~ Poisson(L), L = 2·T·A·e^{-k·min};
    # var(k) = k²/L, var(ln A) = (1 + (k·min)²)/L.
    rng = np.random.default_rng(2)
    _, depth = poisson_orders(rng, A, K, T, MIN)
    fit = _fit(depth, max_depth=25.0)
    lam = 2 * T * A * math.exp(-K * MIN)
    assert fit.k_se == pytest.approx(fit.k_per_price / math.sqrt(lam), rel=0.05)
    assert fit.a_se == pytest.approx(
        fit.a_per_s * math.sqrt((1 + (fit.k_per_price * MIN) ** 2) / lam), rel=0.05)


def test_standard_errors_match_the_spread_over_repeated_simulations():
    rng = np.random.default_rng(3)
    fits = [_fit(poisson_orders(rng, A, K, 600.0, MIN)[1], duration=600.0)
            for _ in range(200)]
    k_hat = np.array([f.k_per_price for f in fits])
    a_hat = np.array([f.a_per_s for f in fits])
    assert k_hat.std(ddof=1) == pytest.approx(np.mean([f.k_se for f in fits]), rel=0.15)
    assert a_hat.std(ddof=1) == pytest.approx(np.mean([f.a_se for f in fits]), rel=0.15)
    z = (k_hat - K) / np.array([f.k_se for f in fits])
    assert 0.90 <= np.mean(np.abs(z) < 1.96) <= 0.99


def test_loglinear_cross_check_lands_near_the_likelihood_fit():
    rng = np.random.default_rng(4)
    fit = _fit(poisson_orders(rng, A, K, T, MIN)[1])
    assert fit.loglinear_k_per_price == pytest.approx(K, rel=0.15)
    assert fit.loglinear_a_per_s == pytest.approx(A, rel=0.2)


def test_own_fills_recover_a_and_k_from_time_quoted_and_fills():
    rng = np.random.default_rng(5)
    depth = rng.uniform(0.1, 4.0, 2000)
    exposure = rng.uniform(5.0, 15.0, 2000)
    fills = rng.poisson(A * np.exp(-K * depth) * exposure)
    fit = fit_exposure_intensity(depth, exposure, fills)
    assert fit.converged and fit.kind == "fills"
    assert abs(fit.a_per_s - A) < 3 * fit.a_se
    assert abs(fit.k_per_price - K) < 3 * fit.k_se
    spread = [fit_exposure_intensity(depth, exposure,
                                     rng.poisson(A * np.exp(-K * depth) * exposure))
              for _ in range(100)]
    assert np.std([f.k_per_price for f in spread], ddof=1) == pytest.approx(
        np.mean([f.k_se for f in spread]), rel=0.2)


def test_trades_simulated_in_a_market_recover_a_and_k_through_calibrate(tmp_path):
    # A flat mid (bid 600000, ask 600001 ticks of 0.1): an order reaching continuous depth
    # δ trades its last unit at the deepest level within δ.
    rng = np.random.default_rng(6)
    side, depth = poisson_orders(rng, A, K, 1800.0, MIN)
    t0 = 10**18
    ts = np.sort(rng.uniform(1.0, 1800.0, len(depth)))
    mid2 = 600000 + 600001
    level = np.floor(depth / TICK - 0.5).astype(np.int64)  # ticks beyond the touch side
    price = np.where(side > 0, 600001 + level, 600000 - level)
    assert np.all(side * (2 * price - mid2) * 0.05 <= depth + 1e-9)
    trades = [(t0 + int(t * 1e9), int(s), int(p), 1) for t, s, p in zip(ts, side, price)]
    tab = table("binance-usdm", "BTCUSDT", [(t0, 600000, 600001)], trades)
    inst = binance_instrument("binance-usdm", "BTCUSDT")
    d = trade_depths(tab, inst)
    fit = _fit(d.depth_price, duration=d.duration_s)
    assert abs(fit.a_per_s - A) < 3 * fit.a_se
    assert abs(fit.k_per_price - K) < 3 * fit.k_se
    # grid mode on a flat mid measures the same depths
    assert np.array_equal(trade_depths(tab, inst, grid_s=1.0).depth_price, d.depth_price)


def test_grid_mode_measures_from_the_mid_at_the_grid_time():
    t0 = 10**18
    bbo = [(t0, 1000, 1001), (t0 + 600_000_000, 1010, 1011)]  # mid moves up 1 USD at 0.6 s
    trades = [(t0 + 800_000_000, 1, 1015, 1)]                  # bought at 101.5
    tab = table("binance-usdm", "BTCUSDT", bbo, trades)
    inst = binance_instrument("binance-usdm", "BTCUSDT")
    assert trade_depths(tab, inst).depth_price == pytest.approx([0.45])
    assert trade_depths(tab, inst, grid_s=1.0).depth_price == pytest.approx([1.45])


def test_a_fit_that_does_not_converge_says_so():
    rng = np.random.default_rng(7)
    depth = poisson_orders(rng, A, K, T, MIN)[1]
    assert not _fit(depth, max_iter=1).converged
    rising = MAX - poisson_orders(rng, A, K, T, 0.0)[1]   # more orders deeper: k < 0
    fit = _fit(rising)
    assert not fit.converged and fit.k_per_price < 0


def test_too_few_bins_or_bad_bins_are_refused():
    with pytest.raises(ValidationError, match="two bins"):
        _fit(np.array([0.2, 0.21]))
    with pytest.raises(ValidationError, match="bin width"):
        fit_market_intensity(np.ones(5), 1.0, min_depth_price=0.1, max_depth_price=0.1,
                             width_price=0.1)
    with pytest.raises(ValidationError, match="duration"):
        _fit(np.ones(5), duration=0.0)
    with pytest.raises(ValidationError, match="two depths"):
        fit_exposure_intensity(np.ones(3), np.ones(3), np.ones(3))


def test_calibrate_refuses_a_fit_that_does_not_converge(tmp_path):
    from workbench.calibration import CalibrationError

    result = calibrate(max_iter=1, signals=False)
    assert not result.ok and result.params == {}
    assert "did not converge" in result.reasons[0]
    with pytest.raises(CalibrationError, match="did not converge"):
        result.write(tmp_path / "p.yaml")
    assert [p.name for p in tmp_path.iterdir()] == ["p.diagnostic.json"]


def test_own_fills_from_a_journal_recover_a_and_k(tmp_path):
    from workbench.calibration.fills import fit_own_fills
    from workbench.core.commands import Accepted, Canceled, Filled, Place, TimeInForce
    from workbench.core.events import Side
    from workbench.core.orders import Liquidity
    from workbench.execution.journal import SqliteJournal

    # A flat mid at 60000.05; quotes of 20 s at random depths, filled at A·e^{-k·δ}.
    rng = np.random.default_rng(8)
    t0, records, ts = 10**18, [], 10**18 + 10**9
    for oid in range(1, 1501):
        side = int(rng.choice([1, -1]))
        ticks = int(rng.integers(1, 40))
        price = 600000 - ticks + 1 if side > 0 else 600000 + ticks
        depth = (ticks - 0.5) * TICK
        wait = rng.exponential(1.0 / (A * math.exp(-K * depth)))
        records.append(Place(oid, "binance-usdm", "BTCUSDT", Side(side), price, 1,
                             TimeInForce.GTC, ts))
        records.append(Accepted(oid, ts))
        if wait < 20.0:
            records.append(Filled(oid, oid, "binance-usdm", "BTCUSDT", Side(side), price, 1,
                                  0, Liquidity.MAKER, 0.0, ts + int(wait * 1e9)))
        else:
            records.append(Canceled(oid, ts + 20 * 10**9))
        ts += 21 * 10**9
    path = tmp_path / "j.sqlite"
    with SqliteJournal(path) as journal:
        journal.append_many(records)
    tab = table("binance-usdm", "BTCUSDT", [(t0, 600000, 600001)], [])
    fit = fit_own_fills(path, tab, binance_instrument("binance-usdm", "BTCUSDT"))
    assert fit.kind == "fills" and fit.converged
    assert abs(fit.a_per_s - A) < 3 * fit.a_se
    assert abs(fit.k_per_price - K) < 3 * fit.k_se
    assert fit.k_se / K < 0.1
