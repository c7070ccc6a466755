"""Research helpers over estimator output: predictive power of signals with HAC inference,
the out-of-sample scorecard (:mod:`workbench.analytics.scorecard`), plots (bokeh lazily)."""

from workbench.analytics.backtest_plot import plot_run
from workbench.analytics.hac import (
    HacFit,
    IcResult,
    hac_mean,
    hac_ols,
    information_coefficient,
    lags_for,
)
from workbench.analytics.heatmap import plot_heatmap
from workbench.analytics.predictive import (
    COLUMNS,
    forward_returns_bps,
    plot_predictive_power,
    predictive_power,
    sample_grid,
)

__all__ = [
    "COLUMNS",
    "HacFit",
    "IcResult",
    "forward_returns_bps",
    "hac_mean",
    "hac_ols",
    "information_coefficient",
    "lags_for",
    "plot_heatmap",
    "plot_predictive_power",
    "plot_run",
    "predictive_power",
    "sample_grid",
]
