"""A heat map of a sweep's results over two of its parameters (bokeh, imported lazily)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def plot_heatmap(frame: pd.DataFrame, x: str, y: str, value: str, title: str | None = None,
                 mark: tuple | None = None):
    """One cell per (``x``, ``y``) pair of ``frame``, coloured by ``value``.

    Parameters
    ----------
    frame : DataFrame
        One row per setting, e.g. :func:`workbench.engine.fast.sweep`'s result; a pair seen
        several times shows its mean.
    x, y : str
        The two parameter columns (shown as categories, in sorted order).
    value : str
        The figure to colour by (PnL, fills...).
    title : str, optional
    mark : (x value, y value), optional
        A setting to outline (the chosen point).

    Returns
    -------
    bokeh.plotting.figure

    Raises
    ------
    ImportError
        If bokeh is not installed (it is imported here only).
    KeyError
        If a column is missing.
    """
    from bokeh.models import ColorBar, LinearColorMapper
    from bokeh.palettes import RdYlGn11
    from bokeh.plotting import figure

    cells = frame.groupby([x, y], sort=True)[value].mean().reset_index()
    xs = [f"{v:g}" for v in sorted(cells[x].unique())]
    ys = [f"{v:g}" for v in sorted(cells[y].unique())]
    cells["x"] = [f"{v:g}" for v in cells[x]]
    cells["y"] = [f"{v:g}" for v in cells[y]]
    finite = cells[value][np.isfinite(cells[value])]
    lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    mapper = LinearColorMapper(palette=RdYlGn11[::-1], low=lo, high=hi if hi > lo else lo + 1)
    fig = figure(x_range=xs, y_range=ys, width=560, height=420,
                 title=title or f"{value} by {x} and {y}", x_axis_label=x, y_axis_label=y,
                 tooltips=[(x, "@x"), (y, "@y"), (value, f"@{{{value}}}")])
    fig.rect("x", "y", 1, 1, source=cells, fill_color={"field": value, "transform": mapper},
             line_color=None)
    if mark is not None:
        fig.rect([f"{mark[0]:g}"], [f"{mark[1]:g}"], 1, 1, fill_alpha=0, line_color="black",
                 line_width=3)
    fig.add_layout(ColorBar(color_mapper=mapper, title=value), "right")
    return fig
