"""Charts of a daily calibration: intensity by depth with its fit, volatility term, γ sweep.

bokeh is imported inside each function only (``workbench`` stays free of Jupyter
packages at import time).
"""

from __future__ import annotations

import numpy as np


def plot_intensity(fit, title: str = "Fill intensity by depth"):
    """Observed rate of orders reaching each depth (per side, per second) on a log axis,
    with the fitted ``A·exp(-k·δ)`` and the log-linear cross-check.

    Parameters
    ----------
    fit : IntensityFit

    Returns
    -------
    bokeh.plotting.figure
    """
    from bokeh.plotting import figure

    lo = fit.depth_price
    counts = fit.counts
    # Reach: orders whose depth is at least lo, per side per second (the λ(δ) itself).
    per = fit.exposure
    reach_obs = np.cumsum(counts[::-1])[::-1] / per
    reach_fit = np.cumsum(fit.expected[::-1])[::-1] / per
    ok = reach_obs > 0
    p = figure(title=title, y_axis_type="log", width=640, height=320,
               x_axis_label="depth from the mid (price units)",
               y_axis_label="orders reaching it, per side per second")
    p.scatter(lo[ok], reach_obs[ok], size=5, legend_label="observed (within the bins)")
    p.line(lo, reach_fit, line_width=2, color="firebrick",
           legend_label=f"Poisson ML: A={fit.a_per_s:.3g}/s, k={fit.k_per_price:.3g}")
    grid = np.linspace(lo[0], lo[-1], 100)
    p.line(grid, fit.intensity(grid), line_dash="dashed", color="firebrick",
           legend_label="A·exp(-k·δ) (no truncation)")
    if np.isfinite(fit.loglinear_k_per_price):
        p.line(grid, fit.loglinear_a_per_s * np.exp(-fit.loglinear_k_per_price * grid),
               line_dash="dotted", color="gray", legend_label="log-linear cross-check")
    p.legend.location = "top_right"
    return p


def plot_volatility_term(vol, title: str = "Volatility signature"):
    """Volatility per square root of a second against the sampling step (log x)."""
    from bokeh.plotting import figure

    t = vol.term
    p = figure(title=title, x_axis_type="log", width=640, height=280,
               x_axis_label="sampling step (s)", y_axis_label="σ per √s")
    p.line(t["step_s"], t["sigma_per_sqrt_s"], line_width=2)
    p.scatter(t["step_s"], t["sigma_per_sqrt_s"], size=6)
    p.line([t["step_s"].min(), t["step_s"].max()], [vol.sigma_per_sqrt_s] * 2,
           line_dash="dashed", color="firebrick", legend_label=f"used ({vol.grid_s:g} s grid)")
    return p


def plot_gamma_sweep(sweep, chosen: float | None = None, title: str = "γ sweep (fast path)"):
    """The sweep's objective and PnL against ``γ`` (log x), the chosen ``γ`` marked."""
    from bokeh.layouts import row
    from bokeh.plotting import figure

    t = sweep.table
    figs = []
    for col in (sweep.objective, "pnl", "max_abs_position_lots"):
        p = figure(title=f"{title}: {col}", x_axis_type="log", width=320, height=260,
                   x_axis_label="γ")
        p.line(t["gamma"], t[col], line_width=2)
        p.scatter(t["gamma"], t[col], size=6)
        if chosen is not None:
            p.line([chosen, chosen], [t[col].min(), t[col].max()], color="firebrick",
                   line_dash="dashed")
        figs.append(p)
    return row(*figs)
