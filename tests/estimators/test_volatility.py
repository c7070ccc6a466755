"""EWMA volatility against pandas, units, and the estimate right from the first returns."""

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


@pytest.mark.parametrize("debiased", [False, True])
@pytest.mark.parametrize(("grid_s", "half_life_s"), [(1.0, 60.0), (0.5, 7.0)])
def test_ewma_variance_matches_pandas_ewm(grid_s, half_life_s, debiased):
    """Seeded: pandas ``ewm(adjust=False)``; bias-corrected: ``ewm(adjust=True)``."""
    p = VolParams(grid_s=grid_s, half_life_s=half_life_s)
    ts, logp = _one_price_per_interval(7, 500, grid_s)
    vol = EwmaVolatility(p)
    got = []
    for t, lp in zip(ts.tolist(), logp.tolist()):
        before = vol.n_returns
        vol.on_price(t, lp)
        if vol.n_returns > before:
            got.append(vol.debiased_variance if debiased else vol.variance)
    r2 = pd.Series(np.diff(logp)) ** 2
    want = r2.ewm(halflife=half_life_s / grid_s, adjust=debiased).mean().to_numpy()
    # the streaming value after the grid closing at price k covers returns up to k-1
    np.testing.assert_allclose(got, want[: len(got)], rtol=1e-12)
    assert len(got) == len(want) - 1
    _grid, var = ewma_variance_grid(ts, logp, p, int(ts[-1]), debiased=debiased)
    np.testing.assert_allclose(var[1:], want[: len(var) - 1], rtol=1e-12)


def test_units_per_second_not_per_grid_step():
    """Returns of sd 1e-4 per 0.5 s step are 1.414e-4 per sqrt(second). With 4000 returns
    and a long half-life the estimate's relative standard error is about 1.1%; the
    per-step answer (1e-4, 29% off) fails, as would a variance read as a volatility."""
    p = VolParams(grid_s=0.5, half_life_s=1e6)
    vol = EwmaVolatility(p)
    ts, logp = _one_price_per_interval(3, 4000, 0.5)
    for t, lp in zip(ts.tolist(), logp.tolist()):
        vol.on_price(t, lp)
    per_s = math.sqrt(vol.debiased_variance / p.grid_s)
    se = 1e-4 / math.sqrt(0.5) * math.sqrt(0.5 / vol.n_returns)
    assert abs(per_s - 1e-4 / math.sqrt(0.5)) < 4 * se
    assert annualise(per_s) == pytest.approx(per_s * math.sqrt(365 * 86_400), rel=1e-15)
    assert SECONDS_PER_YEAR == 31_536_000


def test_right_from_the_first_returns_where_the_seeded_ewma_is_not():
    """A quiet first second (one zero return) then returns of known sd: after 30 returns
    the bias-corrected EWMA is within a few standard errors of the truth over many
    seeds; the seeded EWMA keeps 71% of its zero seed and reads ~0.3 of the variance."""
    p = VolParams(grid_s=1.0, half_life_s=60.0)
    sd = 2e-4
    deb, seeded = [], []
    for seed in range(300):
        rng = np.random.default_rng(1000 + seed)
        vol = EwmaVolatility(p)
        t0 = 1_700_000_000 * NS
        logp = np.concatenate([[0.0, 0.0], np.cumsum(rng.normal(0.0, sd, 30))])
        for k, lp in enumerate(logp):
            vol.on_price(t0 + k * NS + 1, float(lp))
        vol.on_time(t0 + len(logp) * NS + 1)
        assert vol.n_returns == 31
        deb.append(vol.debiased_variance)
        seeded.append(vol.variance)
    deb, seeded = np.array(deb), np.array(seeded)
    lam = p.lam
    w = lam ** np.arange(30, -1, -1) * (1 - lam)  # weights of the 31 returns, oldest first
    want = sd**2 * w[1:].sum() / w.sum()  # the zero return dilutes by its own weight only
    se = deb.std(ddof=1) / math.sqrt(len(deb))
    assert abs(deb.mean() - want) < 4 * se and want > 0.95 * sd**2
    assert seeded.mean() < 0.35 * sd**2


def test_fused_volatility_floor_and_first_ok_event():
    from workbench.core.events import BestBidOffer
    from workbench.estimators import FusedVolatility, StreamSet

    streams = StreamSet.of([("binance-usdm", "BTCUSDT")])
    p = VolParams(grid_s=1.0, half_life_s=60.0, min_returns=5, floor_per_sqrt_s=1e-5)
    fused = FusedVolatility(streams, p)
    t0 = 1_700_000_000 * NS
    for k in range(8):  # a frozen quote: zero returns
        fused.update(BestBidOffer(-1, t0 + k * NS + 1, "binance-usdm", "BTCUSDT", 600_000, 1,
                                  600_001, 1, t0 + k * NS + 1))
    vol, ok = fused.value(t0 + 8 * NS)
    assert ok and vol == 1e-5


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


def test_led_by_the_reference_then_the_median_when_it_goes_stale():
    from workbench.core.events import BestBidOffer
    from workbench.estimators import FusedVolatility, StreamSet

    keys = [("binance-usdm", "BTCUSDT"), ("binance-spot", "BTCUSDT"),
            ("binance-coinm", "BTCUSD_PERP")]
    streams = StreamSet.of(keys)
    p = VolParams(grid_s=1.0, half_life_s=30.0, min_returns=5, stale_s=3.0)
    fused = FusedVolatility(streams, p, reference=0)
    rng = np.random.default_rng(5)
    t0 = 1_700_000_000 * NS
    sd = {0: 3e-4, 1: 1e-4, 2: 2e-4}  # each venue its own noise: distinct variances
    logp = {i: math.log(60_000.0) for i in sd}
    for k in range(60):
        for i, (venue, sym) in enumerate(keys):
            if i == 0 and k >= 40:
                continue  # the reference goes silent at 40 s
            logp[i] += rng.normal(0.0, sd[i])
            tick = streams.tick_sizes[i]
            bid = int(math.exp(logp[i]) / tick)
            t = t0 + k * NS + 1 + i
            fused.update(BestBidOffer(-1, t, venue, sym, bid, 3, bid + 1, 3, t))
        if k == 39:
            vol, ok = fused.value(t0 + k * NS + 10)
            assert ok and vol == math.sqrt(fused._vols[0].debiased_variance)
    vol, ok = fused.value(t0 + 59 * NS + 10)
    others = sorted(v.debiased_variance for v in fused._vols[1:])
    assert ok and vol == pytest.approx(math.sqrt((others[0] + others[1]) / 2), rel=1e-12)
