"""Calibration of A, k, σ, γ: against simulations with known answers, a hand-made stream,
the models' own skew rule, and (recorded data) independent recomputations and the
defaults they produced."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from workbench.core import EventKind, ValidationError
from workbench.data.binance.instruments import KNOWN, USDM
from workbench.data.table import MESSAGE_COLUMNS, ROW_COLUMNS, EventTable
from workbench.engine.fast import FastParams
from workbench.estimators.signals import Signals
from workbench.quoting import ASParams, GLFTParams, approx_scale_price, base_offset_price
from workbench.quoting.calibration import (
    DEFAULT_FILES,
    aggressor_orders,
    calibrate,
    calibrate_recorded,
    fit_fill_intensity,
    gamma_for_limit_skew,
)
from workbench.strategies import MakerParams, TopOfBook, quote

BTC = KNOWN[(USDM, "BTCUSDT")]
TICK = BTC.tick_size_float


def _simulated_depths(rng, a_per_s, k, duration_s, lo):
    """Orders of a Poisson process, both sides, depths beyond ``lo`` exponential(k)."""
    n = rng.poisson(2 * a_per_s * duration_s * math.exp(-k * lo))
    return lo + rng.exponential(1.0 / k, n)


def test_fill_fit_recovers_a_and_k_with_honest_standard_errors():
    rng = np.random.default_rng(7)
    a, k, duration, lo = 0.9, 0.75, 800.0, 0.15
    z_k, z_a = [], []
    for _ in range(200):
        fit = fit_fill_intensity(_simulated_depths(rng, a, k, duration, lo), duration, lo,
                                 5.0, 0.1)
        z_k.append((fit.k_per_price - k) / fit.k_se)
        z_a.append((fit.a_per_s - a) / fit.a_se)
    # unbiased to a tenth of a standard error, and the errors are the scatter's size
    for z in (np.array(z_k), np.array(z_a)):
        assert abs(z.mean()) < 0.25
        assert 0.8 < z.std() < 1.2
    fit = fit_fill_intensity(_simulated_depths(rng, a, k, duration, lo), duration, lo, 5.0,
                             0.1)
    assert np.all(np.abs(fit.counts - fit.expected) < 5 * np.sqrt(fit.expected) + 3)


def test_fill_fit_refuses_too_few_bins():
    """Bad input: orders in a single bin, or a single bin."""
    with pytest.raises(ValidationError):
        fit_fill_intensity(np.array([0.2, 0.2]), 10.0, 0.15, 5.0, 0.1)
    with pytest.raises(ValidationError):
        fit_fill_intensity(np.array([0.2, 0.3]), 10.0, 0.15, 0.2, 0.1)


def _table(messages):
    """An EventTable from ``(kind, exch_ms, [(side, price_ticks, size_lots), ...])``."""
    cols = {c: [] for c in MESSAGE_COLUMNS}
    rows = {c: [] for c in ROW_COLUMNS}
    for i, (kind, ms, levels) in enumerate(messages):
        for name, value in (("kind", kind), ("local_ts_ns", ms * 10**6), ("exch_ts_ns",
                            ms * 10**6), ("seq_first", i), ("seq_last", i), ("seq_prev", -1),
                            ("row_start", len(rows["side"])), ("n_rows", len(levels))):
            cols[name].append(value)
        for side, price, size in levels:
            rows["side"].append(side)
            rows["price_ticks"].append(price)
            rows["size_lots"].append(size)
    return EventTable(USDM, "BTCUSDT", {c: np.array(v, dtype=MESSAGE_COLUMNS[c])
                                        for c, v in cols.items()},
                      {c: np.array(v, dtype=ROW_COLUMNS[c]) for c, v in rows.items()})


BBO, TRADE = EventKind.BBO, EventKind.TRADE


def test_orders_are_sweeps_measured_from_the_mid_before_them():
    table = _table([
        (BBO, 1, [(1, 1000, 5), (-1, 1001, 5)]),                  # mid 1000.5 ticks
        (TRADE, 2, [(1, 1001, 1)]), (TRADE, 2, [(1, 1003, 2)]),   # one buy sweeping 3 ticks
        (BBO, 2, [(1, 1002, 1), (-1, 1004, 1)]),                  # same time: not before
        (TRADE, 3, [(-1, 1000, 4)]),                              # sells 3 ticks under 1003
        (BBO, 4, [(1, 1002, 1), (-1, 1004, 1)]),
        (TRADE, 5, [(-1, 1003, 1)]),                              # at the mid: depth 0
    ])
    one = aggressor_orders(table, BTC, unit_lots=1)
    assert one.side.tolist() == [1, -1, -1]
    np.testing.assert_allclose(one.depth_price, [2.5 * TICK, 3.0 * TICK, 0.0])
    assert one.duration_s == pytest.approx(0.003)
    # two lots: the sweep filled a 2-lot unit at 1003 (2 lots there), the 1-lot sell is out
    two = aggressor_orders(table, BTC, unit_lots=2)
    np.testing.assert_allclose(two.depth_price, [2.5 * TICK, 3.0 * TICK])
    three = aggressor_orders(table, BTC, unit_lots=3)  # needs the print at 1001 too
    np.testing.assert_allclose(three.depth_price, [0.5 * TICK, 3.0 * TICK])


def test_streams_that_cannot_be_calibrated_raise():
    from workbench.core import DataError
    from workbench.quoting.calibration import realised_variance

    quotes_only = _table([(BBO, 1, [(1, 1000, 5), (-1, 1001, 5)]),
                          (BBO, 2, [(1, 1000, 5), (-1, 1001, 5)])])
    with pytest.raises(DataError, match="trades"):
        aggressor_orders(quotes_only, BTC)
    trade_first = _table([(TRADE, 1, [(1, 1001, 1)]), (BBO, 2, [(1, 1000, 5), (-1, 1001, 5)])])
    with pytest.raises(DataError, match="no trade after"):
        aggressor_orders(trade_first, BTC)
    with pytest.raises(DataError, match="shorter"):
        realised_variance(quotes_only, BTC, 1.0)
    with pytest.raises(ValidationError):
        aggressor_orders(quotes_only, BTC, unit_lots=0)
    with pytest.raises(ValidationError):
        calibrate([], BTC)


@pytest.mark.parametrize("model", ["as", "glft"])
def test_gamma_puts_the_ask_at_the_fair_mid_at_the_position_limit(model):
    """The rule checked through the maker itself, at 70% a year on BTC."""
    k, a, vol, mid, limit = 0.743, 0.891, 1.25e-4, 61_000.0, 100
    gamma = gamma_for_limit_skew(model, k, a, mid * vol, limit)
    params = MakerParams(model=model, as_params=ASParams(gamma=gamma, k_per_price=k, a_per_s=a),
                         glft_params=GLFTParams(gamma=gamma, k_per_price=k, a_per_s=a))
    s = Signals(ts_ns=1, fair_mid=mid, fair_mid_ok=True, vol_per_sqrt_s=vol, vol_ok=True)
    wide = TopOfBook(500_000, 1, 700_000, 1)
    at_limit = quote(s, wide, limit, params, BTC)
    assert at_limit.bids == () and at_limit.asks[0][0] == round(mid / TICK)
    flat = quote(s, wide, 0, params, BTC)
    half = (flat.asks[0][0] - flat.bids[0][0]) * TICK / 2
    assert half == pytest.approx(1.0 / k, abs=2 * TICK)  # γ is small: half ≈ 1/k
    if model == "glft":
        xi = approx_scale_price(gamma, k, a, mid * vol)
        assert (limit - 0.5) * xi == pytest.approx(base_offset_price(gamma, k), rel=1e-9)


@pytest.fixture(scope="module")
def recorded(binance_dir):
    from workbench.data.binance.feed import read_raw_feed

    return [read_raw_feed([binance_dir / f for f in files], workers=1).streams[BTC.key]
            for files in DEFAULT_FILES]


def _independent_depths(table):
    """Order depths with pandas: prints of one time and side are one order, measured
    from the last bookTicker strictly before it."""
    frame = table.to_frame()
    bbo = frame[frame["kind"] == "bbo"]
    quotes = pd.DataFrame({"t": bbo["exch_ts_ns"].to_numpy()[::2],
                           "bid": bbo["price_ticks"].to_numpy()[::2],
                           "ask": bbo["price_ticks"].to_numpy()[1::2]})
    trades = frame[frame["kind"] == "trade"][["exch_ts_ns", "side", "price_ticks"]]
    trades = trades.rename(columns={"exch_ts_ns": "t"}).reset_index(drop=True)
    merged = pd.merge_asof(trades, quotes, on="t", allow_exact_matches=False).dropna()
    merged = merged[merged["bid"] < merged["ask"]]
    merged["depth"] = merged["side"] * (merged["price_ticks"] - (merged["bid"]
                                                                  + merged["ask"]) / 2) * TICK
    order = ((merged["t"] != merged["t"].shift()) | (merged["side"] != merged["side"].shift()))
    depth = merged.groupby(order.cumsum())["depth"].max().to_numpy()
    return depth, (trades["t"].iloc[-1] - trades["t"].iloc[0]) / 1e9


@pytest.fixture(scope="module")
def independent_fit(recorded):
    """``(A, k, n_orders)``: an independent Poisson likelihood (scipy) on orders rebuilt
    with pandas, bins of one tick from one tick beyond the touch to 5 USD."""
    parts = [_independent_depths(t) for t in recorded]
    depth = np.concatenate([p[0] for p in parts])
    duration = sum(p[1] for p in parts)
    lo = np.arange(0.15, 5.0 + 1e-9, 0.1)
    counts = np.histogram(depth, np.append(lo, lo[-1] + 0.1) - 1e-9)[0]

    def nll(theta):
        a, k = theta
        mu = 2 * a * duration * (np.exp(-k * lo) - np.exp(-k * (lo + 0.1)))
        return float((mu - counts * np.log(mu)).sum())

    a_hat, k_hat = minimize(nll, [1.0, 1.0], method="Nelder-Mead",
                            options={"xatol": 1e-9, "fatol": 1e-12}).x
    return a_hat, k_hat, int(counts.sum())


@pytest.mark.shared_data
def test_calibration_of_the_recorded_data_and_the_defaults_it_gave(recorded, independent_fit):
    cal = calibrate(recorded, BTC)
    a_hat, k_hat, n_orders = independent_fit
    assert cal.fill.k_per_price == pytest.approx(k_hat, rel=1e-4)
    assert cal.fill.a_per_s == pytest.approx(a_hat, rel=1e-4)
    assert cal.fill.counts.sum() == n_orders > 1000
    # realised variance of the bookTicker mid on a 1-second grid, with pandas
    ss, total = 0.0, 0.0
    for table in recorded:
        frame = table.to_frame()
        bbo = frame[frame["kind"] == "bbo"]
        mid = pd.Series((bbo["price_ticks"].to_numpy()[::2] + bbo["price_ticks"].to_numpy()[1::2])
                        / 2, index=pd.to_datetime(bbo["exch_ts_ns"].to_numpy()[::2]))
        mid = mid[~mid.index.duplicated(keep="last")]  # the last published at each time
        grid = pd.date_range(mid.index[0], mid.index[-1], freq="1s")
        sampled = np.log(mid.reindex(mid.index.union(grid)).ffill().loc[grid])
        ss += float((sampled.diff().dropna() ** 2).sum())
        total += (grid[-1] - grid[0]).total_seconds()
    assert cal.sigma_per_sqrt_s == pytest.approx(math.sqrt(ss / total), rel=1e-9)
    assert 0.3 < cal.summary()["sigma_annualised"] < 0.9  # BTC's 30-90% a year
    # the defaults are this calibration, to the three figures they are written with
    for default, fitted in ((ASParams().gamma, cal.gamma_as),
                            (ASParams().k_per_price, cal.fill.k_per_price),
                            (ASParams().a_per_s, cal.fill.a_per_s),
                            (GLFTParams().gamma, cal.gamma_glft),
                            (GLFTParams().k_per_price, cal.fill.k_per_price),
                            (GLFTParams().a_per_s, cal.fill.a_per_s),
                            (GLFTParams().sigma_price_per_sqrt_s, cal.sigma_price_per_sqrt_s),
                            (FastParams().sigma_per_sqrt_s, cal.sigma_per_sqrt_s),
                            (FastParams().gamma, cal.gamma_glft),
                            (FastParams().k_per_price, cal.fill.k_per_price),
                            (FastParams().a_per_s, cal.fill.a_per_s)):
        assert default == pytest.approx(fitted, rel=5e-3)
    assert GLFTParams().max_inventory_units == cal.glft_params().max_inventory_units == 100


@pytest.mark.shared_data
def test_how_gamma_and_a_scale_with_the_unit(binance_dir):
    one = calibrate_recorded(binance_dir, unit_lots=1)
    five = calibrate_recorded(binance_dir, unit_lots=5)
    # fewer orders fill five lots at once; the depth profile barely moves
    assert five.fill.a_per_s < one.fill.a_per_s - 2 * one.fill.a_se
    assert five.fill.k_per_price == pytest.approx(one.fill.k_per_price, abs=3 * one.fill.k_se)
    # the skew rule: γ per unit ∝ unit for Avellaneda–Stoikov; for GLFT ξ ∝ √(γ/A), so
    # γ ∝ unit² · A
    assert five.gamma_as / one.gamma_as == pytest.approx(5.0, rel=0.03)
    assert five.gamma_glft / one.gamma_glft == pytest.approx(
        25.0 * five.fill.a_per_s / one.fill.a_per_s, rel=0.1)


@pytest.mark.shared_data
def test_default_quotes_on_the_recorded_btc_data(recorded, independent_fit):
    """The default maker, fed each second's bookTicker mid and the trailing minute's
    realised volatility, quotes the spread the data's own fill decay implies (2/k of the
    independent fit, plus the risk term γσ²τ, plus up to two ticks of rounding: the bid
    rounds down, the ask up), and 50 lots (half the limit) lean it by 50·γσ²τ."""
    k_data = independent_fit[1]
    params = MakerParams()
    a = params.as_params
    rows = []
    for table in recorded:
        frame = table.to_frame()
        bbo = frame[frame["kind"] == "bbo"]
        t = bbo["exch_ts_ns"].to_numpy()[::2]
        bid, ask = bbo["price_ticks"].to_numpy()[::2], bbo["price_ticks"].to_numpy()[1::2]
        grid = np.arange(t[0], t[-1], 10**9)
        i = np.searchsorted(t, grid, side="right") - 1
        mid = (bid[i] + ask[i]) / 2 * TICK
        r2 = np.diff(np.log(mid)) ** 2
        for j in range(60, len(grid)):
            sigma_price = mid[j] * math.sqrt(r2[j - 60:j].mean())
            s = Signals(ts_ns=int(grid[j]), fair_mid=mid[j], fair_mid_ok=True,
                        vol_per_sqrt_s=sigma_price / mid[j], vol_ok=True)
            top = TopOfBook(int(bid[i[j]]), 1, int(ask[i[j]]), 1)
            flat = quote(s, top, 0, params, BTC)
            long = quote(s, top, 50, params, BTC)
            risk = a.gamma * sigma_price**2 * a.horizon_s
            clamped = long.asks[0][0] == top.bid_ticks + 1  # leaned onto the bid
            rows.append(((flat.asks[0][0] - flat.bids[0][0]) * TICK, 2 / k_data + risk,
                         (flat.asks[0][0] - long.asks[0][0]) * TICK, 50 * risk, mid[j],
                         clamped))
    spread, model, skew, lean, mid, clamped = np.array(rows).T
    clamped = clamped.astype(bool)
    assert len(spread) > 600 and np.count_nonzero(~clamped) > 500
    assert np.all(spread >= model - 0.01) and np.all(spread <= model + 2 * TICK + 0.01)
    assert np.all(np.abs(skew - lean)[~clamped] <= TICK + 1e-9)
    # what that is on BTC: a spread of 0.4-0.5 bps, leaning up to half of it at 50 lots
    spread_bps = spread / mid * 1e4
    assert 0.4 < spread_bps.min() and spread_bps.max() < 0.55
    assert np.median(skew) > 0.3
