"""Realised, two-scale, bipower and range estimators against simulated paths with a known
integrated variance (tolerances: a few standard errors measured across the simulations)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from workbench.estimators import (
    bipower_variation,
    garman_klass_variance,
    ohlc_bars,
    parkinson_variance,
    realized_variance,
    signature_plot,
    tsrv_noise,
    two_scale_realized_variance,
)

NS = 1_000_000_000
SIGMA = 1e-4  # per step
REPS = 200


def _paths(seed: int, n: int, noise: float = 0.0, reps: int = REPS):
    """``reps`` efficient log-price random walks of ``n`` steps, observed with iid noise."""
    rng = np.random.default_rng(seed)
    efficient = np.cumsum(rng.normal(0.0, SIGMA, (reps, n + 1)), axis=1)
    return 60_000.0 * np.exp(efficient + rng.normal(0.0, noise, (reps, n + 1)))


def _within(values: np.ndarray, truth: float, n_se: float = 3.5) -> bool:
    se = values.std(ddof=1) / math.sqrt(len(values))
    return abs(values.mean() - truth) < n_se * se


def test_realized_variance_is_unbiased_without_noise_and_scale_free():
    paths = _paths(11, 2000)
    rv = np.array([realized_variance(p) for p in paths])
    assert _within(rv, 2000 * SIGMA**2)
    # log returns: the same prices in cents give the same variance (a price-difference
    # variance would grow 10^4-fold)
    assert realized_variance(paths[0] * 100) == pytest.approx(rv[0], rel=1e-9)


def test_two_scale_with_small_sample_correction_is_unbiased_under_noise():
    n, k, noise = 3000, 10, 3 * SIGMA
    paths = _paths(12, n, noise)
    iv = n * SIGMA**2
    out = np.array([tsrv_noise(p, k) for p in paths])
    tsrv, omega2 = out[:, 0], out[:, 1]
    rv = np.array([realized_variance(p) for p in paths])
    assert rv.mean() > 5 * iv  # noise dominates the all-tick realised variance
    assert _within(tsrv, iv)
    n_bar = (n - k + 1) / k
    assert not _within(tsrv * (1 - n_bar / n), iv)  # the uncorrected estimator: 0.90 IV
    assert _within(omega2, noise**2)
    assert two_scale_realized_variance(paths[0], k) == tsrv[0]


def test_two_scale_matches_its_definition():
    p = _paths(13, 300, reps=1)[0]
    k = 5
    logp = np.log(p)
    n = len(p) - 1
    sub = [np.sum(np.diff(logp[j::k]) ** 2) for j in range(k)]
    n_bar = (n - k + 1) / k
    want = (np.mean(sub) - n_bar / n * np.sum(np.diff(logp) ** 2)) / (1 - n_bar / n)
    assert two_scale_realized_variance(p, k) == pytest.approx(want, rel=1e-12)


def test_bipower_is_unbiased_and_ignores_jumps_that_realized_variance_counts():
    n = 4000
    paths = _paths(14, n)
    bv = np.array([bipower_variation(p) for p in paths])
    assert _within(bv, n * SIGMA**2)
    jumps = np.zeros(n + 1)
    jumps[[1000, 2500, 3300]] = [30 * SIGMA, -25 * SIGMA, 40 * SIGMA]
    jumped = paths * np.exp(np.cumsum(jumps))[None, :]
    rv_j = np.array([realized_variance(p) for p in jumped])
    bv_j = np.array([bipower_variation(p) for p in jumped])
    jump2 = float(np.sum(jumps**2))  # 0.8 of the integrated variance
    assert _within(rv_j, n * SIGMA**2 + jump2)
    # each jump enters two products |J| |r| with E|r| = sigma sqrt(2/pi): a contamination
    # of sqrt(2 pi) sigma sum|J| (6% here), against the 80% the jumps add to RV
    contamination = math.sqrt(2 * math.pi) * SIGMA * np.abs(jumps).sum() * n / (n - 1)
    assert _within(bv_j, n * SIGMA**2 + contamination)
    assert rv_j.mean() > 1.5 * bv_j.mean()


def _bars_with_gaps(seed: int, n_bars: int, per_bar: int, gap_sd: float):
    """Dense in-bar paths; between bars the price moves by N(0, gap_sd^2) unobserved."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, SIGMA, (n_bars, per_bar))
    steps[:, 0] = rng.normal(0.0, gap_sd, n_bars)  # the move between bars
    steps[0, 0] = 0.0
    logp = np.cumsum(steps.ravel())
    ts = np.repeat(np.arange(n_bars) * 10 * NS, per_bar) + np.tile(
        np.arange(per_bar) * (10 * NS // per_bar), n_bars)
    iv = n_bars * (per_bar - 1) * SIGMA**2 + (n_bars - 1) * gap_sd**2
    return ts, 60_000.0 * np.exp(logp), iv


def test_range_estimators_include_the_jump_between_bars():
    """Summed over bars, Parkinson and Garman–Klass with the previous close recover the
    whole integrated variance; without it they miss the moves between bars. The 3%
    allowance is the discretisation of 2000 samples a bar (a sampled range is shorter)."""
    per_bar, gap_sd = 2000, 25 * SIGMA  # the gaps carry about a quarter of the variance
    pk, gk, gk_open = [], [], []
    for seed in range(60):
        ts, price, iv = _bars_with_gaps(100 + seed, 20, per_bar, gap_sd)
        bars = ohlc_bars(ts, price, 10.0)
        pk.append(parkinson_variance(bars.high, bars.low, bars.open, bars.prev_close).sum() / iv)
        gk.append(garman_klass_variance(bars.open, bars.high, bars.low, bars.close,
                                        bars.prev_close).sum() / iv)
        gk_open.append(garman_klass_variance(bars.open, bars.high, bars.low, bars.close).sum()
                       / iv)
    for ratios in (np.array(pk), np.array(gk)):
        se = ratios.std(ddof=1) / math.sqrt(len(ratios))
        assert abs(ratios.mean() - 1.0) < 3 * se + 0.03
    assert np.mean(gk_open) < 0.85


def test_range_estimators_on_bars_match_pandas_ohlc():
    rng = np.random.default_rng(14)
    ts = np.sort(rng.integers(0, 60 * NS, 3000))
    price = 100 * np.exp(np.cumsum(rng.normal(0, 1e-4, 3000)))
    bars = ohlc_bars(ts, price, 10.0)
    frame = pd.DataFrame({"price": price}, index=pd.to_datetime(ts, unit="ns"))
    ref = frame["price"].resample("10s").ohlc().dropna()
    np.testing.assert_allclose(bars[["open", "high", "low", "close"]].to_numpy(), ref.to_numpy())
    np.testing.assert_allclose(bars["prev_close"].to_numpy()[1:], ref["close"].to_numpy()[:-1])
    hl = np.log(ref["high"] / ref["low"]).to_numpy()
    co = np.log(ref["close"] / ref["open"]).to_numpy()
    np.testing.assert_allclose(parkinson_variance(bars["high"], bars["low"]),
                               hl**2 / (4 * math.log(2)), rtol=1e-12)
    np.testing.assert_allclose(garman_klass_variance(bars["open"], bars["high"], bars["low"],
                                                     bars["close"]),
                               0.5 * hl**2 - (2 * math.log(2) - 1) * co**2, rtol=1e-12)


def test_signature_plot_shows_the_noise_term():
    """E[RV at step s] / T = sigma^2 + 2 omega^2 / s per second: the plot recovers both."""
    rng = np.random.default_rng(15)
    n, dt_s, noise = 200_000, 0.01, 2 * SIGMA
    ts = np.arange(n + 1, dtype=np.int64) * int(dt_s * NS) + 1
    efficient = np.cumsum(rng.normal(0.0, SIGMA, n + 1))
    price = 60_000 * np.exp(efficient + rng.normal(0.0, noise, n + 1))
    sig = signature_plot(ts, price, [0.01, 0.1, 1.0, 10.0])
    per_s = SIGMA**2 / dt_s
    want = per_s + 2 * noise**2 / sig["step_s"].to_numpy()
    # relative standard error of a realised variance of m returns: sqrt(2 / m)
    tol = 3.5 * np.sqrt(2.0 / sig["returns"].to_numpy())
    assert np.all(np.abs(sig["rv_per_s"].to_numpy() / want - 1) < tol)
    assert sig["rv_per_s"].iloc[0] > 5 * sig["rv_per_s"].iloc[-1]


def test_invalid_prices_raise():
    with pytest.raises(ValueError):
        realized_variance(np.array([1.0, np.nan, 2.0]))
    with pytest.raises(ValueError):
        two_scale_realized_variance(np.array([1.0, 2.0, 3.0]), 5)
    with pytest.raises(ValueError):
        bipower_variation(np.array([1.0, 2.0]))
    with pytest.raises(ValueError):
        garman_klass_variance([1.0], [1.1], [0.9], [1.0], prev_close=None) + parkinson_variance(
            [1.1], [0.9], None, [1.0])
