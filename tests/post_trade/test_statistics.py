"""Half-life, Sharpe and drawdown against independent references; exact sums against
Python's Fraction."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

from workbench.analytics.post_trade import (
    ar1_half_life,
    drawdown,
    exact_dot,
    exact_ratio_sum,
    exact_sum,
    performance,
    sharpe_ratio,
)


@pytest.mark.parametrize("phi", [0.8, 0.95])
def test_half_life_of_a_simulated_ar1(phi):
    rng = np.random.default_rng(42)
    n, step_s = 40_000, 0.5
    x = np.zeros(n)
    e = rng.normal(0.0, 3.0, n)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    known = -np.log(2) / np.log(phi) * step_s  # 1.55 s, 6.76 s
    # The estimate of phi has sd sqrt((1 - phi^2) / n): under 0.2% here.
    assert ar1_half_life(x, step_s) == pytest.approx(known, rel=0.04)
    assert np.isnan(ar1_half_life(np.cumsum(e), step_s)) or ar1_half_life(
        np.cumsum(e), step_s) > 100 * known  # a random walk does not revert


def test_half_life_of_a_constant_or_explosive_series_is_nan():
    assert np.isnan(ar1_half_life(np.ones(100)))
    assert np.isnan(ar1_half_life(1.1 ** np.arange(50)))


def test_sharpe_and_drawdown_against_numpy():
    rng = np.random.default_rng(7)
    inc = rng.normal(0.02, 1.0, 5_000)
    equity = np.concatenate([[0.0], np.cumsum(inc)])
    periods = 365 * 24 * 3600 / 10.0
    direct = inc.mean() / inc.std(ddof=1) * np.sqrt(periods)
    assert sharpe_ratio(inc, periods) == pytest.approx(direct, rel=1e-12)
    peak = np.maximum.accumulate(equity)
    assert drawdown(equity).max() == pytest.approx((peak - equity).max(), rel=1e-12)
    # A known path: up to 3, down to -2, up to 1: the worst drawdown is 5.
    assert drawdown(np.array([0.0, 3.0, -2.0, 1.0])).max() == 5.0
    # Starting below zero: the high-water mark starts at 0, as the portfolio's does.
    assert drawdown(np.array([-1.0, -4.0])).tolist() == [1.0, 4.0]
    import pandas as pd
    perf = performance(pd.Series(equity), 10.0)
    assert perf["sharpe_annualised"] == pytest.approx(direct, rel=1e-12)


def test_exact_sums_equal_fraction_arithmetic_where_floats_round():
    rng = np.random.default_rng(3)
    x = rng.normal(0.0, 1.0, 2_000) * 10.0 ** rng.integers(-12, 6, 2_000)
    w = rng.integers(-1_000_000, 1_000_000, 2_000)
    ref = sum((int(a) * F(b) for a, b in zip(w, x)), F(0))
    assert exact_dot(w, x) == ref
    assert exact_sum(np.array([0.1] * 10)) == 10 * F(0.1) != 1
    assert exact_ratio_sum([1, 2, -3], [7, 7, 11]) == F(3, 7) - F(3, 11)


def test_exact_sums_refuse_nan():
    from workbench.core.errors import ValidationError

    with pytest.raises(ValidationError, match="finite"):
        exact_sum(np.array([1.0, np.nan]))
