"""Realised variance, two-scale RV and range estimators against direct computations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from workbench.estimators import (
    garman_klass_variance,
    ohlc_bars,
    parkinson_variance,
    realized_variance,
    two_scale_realized_variance,
)


def test_realized_variance_is_sum_of_squared_log_returns():
    rng = np.random.default_rng(11)
    p = 100.0 * np.exp(np.cumsum(rng.normal(0, 1e-3, 1000)))
    want = sum((math.log(p[i + 1]) - math.log(p[i])) ** 2 for i in range(len(p) - 1))
    assert realized_variance(p) == pytest.approx(want, rel=1e-12)


def test_two_scale_matches_its_definition():
    rng = np.random.default_rng(12)
    p = 100.0 * np.exp(np.cumsum(rng.normal(0, 1e-3, 301)))
    k = 5
    logp = np.log(p)
    n = len(p) - 1
    sub = [np.sum(np.diff(logp[j::k]) ** 2) for j in range(k)]
    n_bar = (n - k + 1) / k
    want = np.mean(sub) - n_bar / n * np.sum(np.diff(logp) ** 2)
    assert two_scale_realized_variance(p, k) == pytest.approx(want, rel=1e-12)


def test_two_scale_removes_noise_bias():
    rng = np.random.default_rng(13)
    n = 20_000
    sigma = 1e-4  # per step
    efficient = np.cumsum(rng.normal(0.0, sigma, n))
    observed = np.exp(efficient + rng.normal(0.0, 5e-4, n))  # noise dominates
    true_iv = sigma**2 * (n - 1)
    rv = realized_variance(observed)
    tsrv = two_scale_realized_variance(observed, 60)
    assert rv > 5 * true_iv
    assert abs(tsrv - true_iv) < 0.3 * true_iv


def test_range_estimators_on_bars():
    rng = np.random.default_rng(14)
    ts = np.sort(rng.integers(0, 60 * 10**9, 3000))
    price = 100 * np.exp(np.cumsum(rng.normal(0, 1e-4, 3000)))
    bars = ohlc_bars(ts, price, 10.0)
    frame = pd.DataFrame({"price": price}, index=pd.to_datetime(ts, unit="ns"))
    ref = frame["price"].resample("10s").ohlc().dropna()
    np.testing.assert_allclose(bars[["open", "high", "low", "close"]].to_numpy(), ref.to_numpy())
    hl = np.log(ref["high"] / ref["low"]).to_numpy()
    co = np.log(ref["close"] / ref["open"]).to_numpy()
    np.testing.assert_allclose(parkinson_variance(bars["high"], bars["low"]),
                               hl**2 / (4 * math.log(2)), rtol=1e-12)
    np.testing.assert_allclose(garman_klass_variance(bars["open"], bars["high"], bars["low"],
                                                     bars["close"]),
                               0.5 * hl**2 - (2 * math.log(2) - 1) * co**2, rtol=1e-12)


def test_invalid_prices_raise():
    with pytest.raises(ValueError):
        realized_variance(np.array([1.0, np.nan, 2.0]))
    with pytest.raises(ValueError):
        two_scale_realized_variance(np.array([1.0, 2.0, 3.0]), 5)
