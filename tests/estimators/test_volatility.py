"""EWMA volatility against pandas, units, and the fused estimate's robustness."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from workbench.estimators import (
    SECONDS_PER_YEAR,
    EwmaVolatility,
    VolParams,
    annualise,
    ewma_variance_grid,
)

NS = 1_000_000_000


def _one_price_per_interval(seed: int, n: int, grid_s: float):
    """One price inside each grid interval: sample k (taken at grid k) is price k-1."""
    rng = np.random.default_rng(seed)
    g = int(grid_s * NS)
    t0 = 1_700_000_000 * NS
    t0 -= t0 % g
    ts = t0 + np.arange(n) * g + rng.integers(1, g, size=n)
    logp = np.log(60_000.0) + np.cumsum(rng.normal(0.0, 1e-4, size=n))
    return ts, logp


@pytest.mark.parametrize(("grid_s", "half_life_s"), [(1.0, 60.0), (0.5, 7.0)])
def test_ewma_variance_matches_pandas_ewm(grid_s, half_life_s):
    p = VolParams(grid_s=grid_s, half_life_s=half_life_s)
    ts, logp = _one_price_per_interval(7, 500, grid_s)
    vol = EwmaVolatility(p)
    got = []
    for t, lp in zip(ts.tolist(), logp.tolist()):
        before = vol.n_returns
        vol.on_price(t, lp)
        if vol.n_returns > before:
            got.append(vol.variance)
    r2 = pd.Series(np.diff(logp)) ** 2
    want = r2.ewm(halflife=half_life_s / grid_s, adjust=False).mean().to_numpy()
    # the streaming value after the grid closing at price k covers returns up to k-1
    np.testing.assert_allclose(got, want[: len(got)], rtol=1e-12)
    assert len(got) == len(want) - 1
    _grid, var = ewma_variance_grid(ts, logp, p, int(ts[-1]))
    np.testing.assert_allclose(var[1:], want[: len(var) - 1], rtol=1e-12)


def test_units_per_second_and_annualised():
    p = VolParams(grid_s=0.5, half_life_s=10.0)
    vol = EwmaVolatility(p)
    ts, logp = _one_price_per_interval(3, 200, 0.5)
    for t, lp in zip(ts.tolist(), logp.tolist()):
        vol.on_price(t, lp)
    per_s = math.sqrt(vol.variance / p.grid_s)
    # returns have sd 1e-4 per 0.5 s step: about 1.41e-4 per sqrt(second)
    assert 0.7e-4 < per_s < 2.5e-4
    assert annualise(per_s) == pytest.approx(per_s * math.sqrt(365 * 86_400))
    assert SECONDS_PER_YEAR == 31_536_000


def test_gap_closes_every_grid_time_with_zero_returns():
    p = VolParams(grid_s=1.0, half_life_s=5.0)
    vol = EwmaVolatility(p)
    t0 = 1_700_000_000 * NS
    vol.on_price(t0 + 1, 0.0)
    vol.on_price(t0 + NS + 1, 0.01)  # closes grid 1 (first sample)
    vol.on_price(t0 + 5 * NS + 1, 0.01)  # closes grids 2..5: one return 0.01, then zeros
    lam = p.lam
    assert vol.n_returns == 4
    assert vol.variance == pytest.approx(0.01**2 * lam**3, rel=1e-12)
