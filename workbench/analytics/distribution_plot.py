"""Histograms of several PnL distributions on one figure (bokeh, imported lazily)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def plot_distributions(frame: pd.DataFrame, title: str = "PnL by policy (USD)",
                       bins: int = 60):
    """One step histogram per column of ``frame`` over shared bins.

    Raises
    ------
    ImportError
        If bokeh is not installed (it is imported here only).
    """
    from bokeh.palettes import Category10_10
    from bokeh.plotting import figure

    fig = figure(width=800, height=320, title=title, x_axis_label="PnL (USD)",
                 y_axis_label="paths")
    edges = np.histogram_bin_edges(frame.to_numpy().ravel(), bins=bins)
    for name, color in zip(frame.columns, Category10_10):
        counts, _ = np.histogram(frame[name], bins=edges)
        fig.step(edges[1:], counts, mode="before", color=color, legend_label=str(name),
                 line_width=2)
    fig.legend.location = "top_left"
    fig.legend.click_policy = "hide"
    return fig
