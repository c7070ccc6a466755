"""Newey–West errors against statsmodels; HAC intervals hold on overlapping returns."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.analytics.hac import (
    hac_mean,
    hac_ols,
    information_coefficient,
    lags_for,
    long_run_covariance,
)

sm = pytest.importorskip("statsmodels.api")


def _overlapping(seed: int, n: int = 1500, overlap: int = 10):
    """A persistent signal and an ``overlap``-step forward sum of white noise."""
    rng = np.random.default_rng(seed)
    e = rng.normal(size=n + overlap)
    fwd = np.convolve(e, np.ones(overlap), "valid")[:n]
    x = np.convolve(rng.normal(size=n + overlap), np.ones(overlap), "valid")[:n]
    return x, fwd


@pytest.mark.parametrize("lags", [0, 4, 12])
def test_hac_ols_equals_statsmodels(lags):
    x, y = _overlapping(1)
    y = y + 0.2 * x
    z = np.column_stack([x, np.roll(x, 3)])
    want = sm.OLS(y, sm.add_constant(z)).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": False})
    got = hac_ols(y, z, lags)
    np.testing.assert_allclose(got.params, want.params, rtol=1e-10)
    np.testing.assert_allclose(got.se, want.bse, rtol=1e-10)
    assert got.r2 == pytest.approx(want.rsquared, rel=1e-10)


def test_hac_mean_equals_statsmodels_constant_regression():
    x, _ = _overlapping(2)
    want = sm.OLS(x, np.ones(len(x))).fit(cov_type="HAC",
                                          cov_kwds={"maxlags": 9, "use_correction": False})
    m, se = hac_mean(x, 9)
    assert m == pytest.approx(want.params[0], rel=1e-12)
    assert se == pytest.approx(want.bse[0], rel=1e-10)


def test_long_run_variance_of_an_ma_process_is_its_spectrum_at_zero():
    # MA(q) with unit weights and unit innovations: long-run variance (q + 1)^2
    rng = np.random.default_rng(3)
    q = 4
    e = rng.normal(size=400_000 + q)
    u = np.convolve(e, np.ones(q + 1), "valid")
    s = long_run_covariance(u - u.mean(), 60)[0, 0]
    assert s == pytest.approx((q + 1) ** 2, rel=0.05)
    assert long_run_covariance(u - u.mean(), 0)[0, 0] == pytest.approx(q + 1, rel=0.02)


def test_hac_interval_covers_a_null_ic_at_its_level_where_ols_does_not():
    """No predictive power, overlapping returns: a 95% HAC interval covers 0 about 95% of
    the time; the plain OLS interval (lags=0) rejects several times more often."""
    hac_miss = ols_miss = 0
    seeds = range(200)
    for seed in seeds:
        x, y = _overlapping(100 + seed, n=800)
        ic = information_coefficient(x, y, lags_for(len(x), 10), "pearson")
        naive = information_coefficient(x, y, 0, "pearson")
        hac_miss += not ic.low <= 0.0 <= ic.high
        ols_miss += not naive.low <= 0.0 <= naive.high
    assert hac_miss / len(seeds) < 0.12
    assert ols_miss / len(seeds) > 0.3


def test_ic_is_the_correlation_and_spearman_the_rank_correlation():
    from scipy import stats

    x, y = _overlapping(5)
    y = y + 0.5 * x
    p = information_coefficient(x, y, 10, "pearson")
    s = information_coefficient(x, y, 10, "spearman")
    assert p.ic == pytest.approx(np.corrcoef(x, y)[0, 1], rel=1e-12)
    assert s.ic == pytest.approx(stats.spearmanr(x, y).statistic, rel=1e-12)
    assert p.low < p.ic < p.high and p.t_stat > 2
