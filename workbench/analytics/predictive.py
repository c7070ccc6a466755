"""Predictive power of signals: information coefficients and regressions on forward returns.

For each signal and horizon ``h``, on a time grid of ``sample_s`` seconds: the forward
fair-mid log return ``r_h(t) = ln fair(t + h) - ln fair(t)`` in basis points, its Spearman
and Pearson correlation with the signal (the information coefficient, with a 95% HAC
interval), and the OLS slope of ``r_h`` on the signal with its Newey–West t-statistic
and R². Forward returns overlap over ``h / sample_s`` samples, so every error uses at
least that many Bartlett lags (:mod:`workbench.analytics.hac`); plain OLS errors would
overstate the t-statistic by about ``sqrt(h / sample_s)``. ``fair(t)`` is the fair mid
after the last event at or before ``t``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench.analytics.hac import hac_ols, information_coefficient, lags_for
from workbench.estimators.decay import NS_PER_S

#: Columns of :func:`predictive_power` (``t_stat`` is Newey–West; ``ic_low``/``ic_high``
#: bound the Spearman IC's 95% HAC interval; ``lags`` the Bartlett lags used).
COLUMNS = ("signal", "horizon_s", "n", "ic_spearman", "ic_pearson", "beta_bps",
           "t_stat", "r2", "ic_low", "ic_high", "lags")


def sample_grid(frame: pd.DataFrame, sample_s: float) -> pd.DataFrame:
    """Rows of ``frame`` (with ``ts_ns``) as of each grid time (last row at or before it)."""
    ts = frame["ts_ns"].to_numpy()
    step = round(sample_s * NS_PER_S)
    grid = np.arange((ts[0] // step + 1) * step, ts[-1] + 1, step, dtype=np.int64)
    idx = np.searchsorted(ts, grid, side="right") - 1
    out = frame.iloc[idx].reset_index(drop=True)
    out["ts_ns"] = grid
    return out


def forward_returns_bps(ts_ns: np.ndarray, fair_mid: np.ndarray, at_ns: np.ndarray,
                        horizon_s: float) -> np.ndarray:
    """Forward log return of the fair mid from each ``at_ns`` over ``horizon_s``, bps.

    NaN where ``at + h`` is past the data or a fair mid is not positive.
    """
    h = round(horizon_s * NS_PER_S)
    i0 = np.searchsorted(ts_ns, at_ns, side="right") - 1
    i1 = np.searchsorted(ts_ns, at_ns + h, side="right") - 1
    f0 = np.where(i0 >= 0, fair_mid[np.maximum(i0, 0)], np.nan)
    f1 = fair_mid[i1]
    valid = (at_ns + h <= ts_ns[-1]) & (f0 > 0) & (f1 > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(valid, np.log(f1 / f0) * 1e4, np.nan)


def predictive_power(frame: pd.DataFrame, signals: Sequence[str],
                     horizons_s: Sequence[float] = (1.0, 5.0, 30.0),
                     sample_s: float = 1.0, fair_col: str = "fair_mid") -> pd.DataFrame:
    """Information coefficients and regressions of forward fair-mid returns on signals.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per event with ``ts_ns``, the fair mid and the signal columns (e.g.
        :func:`workbench.estimators.signals_frame`).
    signals : sequence of str
        Signal columns to assess.
    horizons_s : sequence of float
        Forward horizons, seconds.
    sample_s : float
        Grid step on which signals are sampled, seconds.
    fair_col : str
        Column of the fair mid.

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per (signal, horizon): see :data:`COLUMNS`.
    """
    ts = frame["ts_ns"].to_numpy()
    fair = frame[fair_col].to_numpy(dtype=np.float64)
    grid = sample_grid(frame[["ts_ns", *signals]], sample_s)
    rows = []
    for h in horizons_s:
        fwd = forward_returns_bps(ts, fair, grid["ts_ns"].to_numpy(), h)
        for name in signals:
            x = grid[name].to_numpy(dtype=np.float64)
            keep = np.isfinite(x) & np.isfinite(fwd)
            lags = lags_for(int(keep.sum()), math.ceil(h / sample_s))
            rows.append((name, float(h), *_fit(x[keep], fwd[keep], lags), lags))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _fit(x: np.ndarray, y: np.ndarray, lags: int) -> tuple:
    n = len(x)
    if n < 3 or np.ptp(x) == 0.0 or np.ptp(y) == 0.0:
        return n, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan
    spearman = information_coefficient(x, y, lags, "spearman")
    fit = hac_ols(y, x, lags)
    pearson = float(np.corrcoef(x, y)[0, 1])
    return (n, spearman.ic, pearson, float(fit.params[1]), float(fit.t_stats[1]), fit.r2,
            spearman.low, spearman.high)


def plot_predictive_power(table: pd.DataFrame, metric: str = "ic_spearman"):
    """A bokeh figure of ``metric`` by horizon, one line per signal.

    Bokeh is imported here only (it is a plotting dependency, not a core one).

    Raises
    ------
    ImportError
        If bokeh is not installed.
    """
    from bokeh.palettes import Category10_10
    from bokeh.plotting import figure

    fig = figure(title=f"{metric} of forward fair-mid returns", x_axis_label="horizon (s)",
                 y_axis_label=metric, x_axis_type="log", width=700, height=400)
    for n, (name, grp) in enumerate(table.groupby("signal", sort=False)):
        grp = grp.sort_values("horizon_s")
        color = Category10_10[n % 10]
        fig.line(grp["horizon_s"], grp[metric], legend_label=str(name), color=color)
        fig.scatter(grp["horizon_s"], grp[metric], color=color)
    fig.legend.location = "top_right"
    return fig
