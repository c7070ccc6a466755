"""Research helpers over estimator output: predictive power of signals, plots (bokeh lazily)."""

from workbench.analytics.backtest_plot import plot_run
from workbench.analytics.predictive import (
    COLUMNS,
    forward_returns_bps,
    plot_predictive_power,
    predictive_power,
    sample_grid,
)

__all__ = [
    "COLUMNS",
    "forward_returns_bps",
    "plot_predictive_power",
    "plot_run",
    "predictive_power",
    "sample_grid",
]
