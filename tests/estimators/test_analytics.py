"""Predictive-power helpers: a planted signal is found; tidy output; bokeh plot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.analytics import COLUMNS, forward_returns_bps, predictive_power

NS = 1_000_000_000


def _planted(seed: int = 4, n: int = 4000):
    """A fair mid that moves 0.5 bps per unit of the signal 5 s after it, plus noise."""
    rng = np.random.default_rng(seed)
    ts = np.arange(n, dtype=np.int64) * NS + 1_700_000_000 * NS
    signal = rng.normal(size=n)
    steps = rng.normal(0, 0.2e-4, n)
    steps[5:] += 0.5e-4 * signal[:-5]
    log_mid = np.log(60_000) + np.cumsum(steps)
    noise = rng.normal(size=n)
    return pd.DataFrame({"ts_ns": ts, "fair_mid": np.exp(log_mid), "signal": signal,
                         "noise": noise})


def test_planted_signal_has_ic_and_noise_has_none():
    frame = _planted()
    table = predictive_power(frame, ["signal", "noise"], horizons_s=(5.0, 30.0))
    assert tuple(table.columns) == COLUMNS and len(table) == 4
    sig = table[(table.signal == "signal") & (table.horizon_s == 5.0)].iloc[0]
    noise = table[(table.signal == "noise") & (table.horizon_s == 5.0)].iloc[0]
    assert sig.ic_spearman > 0.3 and sig.t_stat > 10
    assert abs(noise.ic_spearman) < 0.06
    assert sig.beta_bps == pytest.approx(0.5, rel=0.2)


def test_forward_returns_are_nan_past_the_end():
    ts = np.arange(10, dtype=np.int64) * NS
    fair = np.linspace(100, 109, 10)
    fwd = forward_returns_bps(ts, fair, ts, 3.0)
    assert np.isnan(fwd[-3:]).all()
    assert fwd[0] == pytest.approx(np.log(103 / 100) * 1e4)


def test_plot_builds_a_bokeh_figure():
    pytest.importorskip("bokeh")
    from workbench.analytics import plot_predictive_power

    table = predictive_power(_planted(), ["signal"], horizons_s=(1.0, 5.0))
    fig = plot_predictive_power(table)
    assert fig.title.text.startswith("ic_spearman")


def test_t_stat_on_overlapping_returns_is_newey_west():
    """At 30 s sampled every 1 s the reported t-statistic is statsmodels' HAC one with
    at least 30 lags, not the OLS one of the overlapping sample."""
    sm = pytest.importorskip("statsmodels.api")
    frame = _planted(seed=9)
    row = predictive_power(frame, ["signal"], horizons_s=(30.0,)).iloc[0]
    ts = frame["ts_ns"].to_numpy()
    at = ts[1:]  # the 1 s grid: every row but the first
    fwd = forward_returns_bps(ts, frame["fair_mid"].to_numpy(), at, 30.0)
    x = frame["signal"].to_numpy()[1:]
    keep = np.isfinite(fwd)
    want = sm.OLS(fwd[keep], sm.add_constant(x[keep])).fit(
        cov_type="HAC", cov_kwds={"maxlags": int(row.lags), "use_correction": False})
    naive = sm.OLS(fwd[keep], sm.add_constant(x[keep])).fit()
    assert row.lags >= 30 and row.n == keep.sum()
    assert row.t_stat == pytest.approx(want.tvalues[1], rel=1e-9)
    assert row.t_stat != pytest.approx(naive.tvalues[1], rel=0.02)
    assert row.ic_low < row.ic_spearman < row.ic_high
