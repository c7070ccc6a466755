"""A backtest or paper run on one page: price and our quotes and fills, inventory, equity."""

from __future__ import annotations

import pandas as pd


def plot_run(series: pd.DataFrame, fills: pd.DataFrame, title: str = "run"):
    """Three linked bokeh figures over time.

    Parameters
    ----------
    series : DataFrame
        One row per sample: ``ts_ns``, ``mid``, ``bid`` and ``ask`` (our best quotes,
        NaN when not quoting), ``inventory``, ``equity``.
    fills : DataFrame
        One row per fill: ``ts_ns``, ``side`` (+1 buy, -1 sell), ``price``.
    title : str
        Title of the top figure.

    Returns
    -------
    bokeh.models.LayoutDOM
        A column of the price, inventory and equity figures sharing the time axis.

    Raises
    ------
    ImportError
        If bokeh is not installed (it is imported here only).
    """
    from bokeh.layouts import column
    from bokeh.models import ColumnDataSource
    from bokeh.plotting import figure

    data = series.assign(time=pd.to_datetime(series["ts_ns"], unit="ns"))
    source = ColumnDataSource(data)
    price = figure(title=title, x_axis_type="datetime", height=320, width=900,
                   y_axis_label="price")
    price.line("time", "mid", source=source, color="gray", legend_label="mid")
    price.line("time", "bid", source=source, color="green", alpha=0.6, legend_label="our bid")
    price.line("time", "ask", source=source, color="red", alpha=0.6, legend_label="our ask")
    marks = fills.assign(time=pd.to_datetime(fills["ts_ns"], unit="ns"))
    for side, color, marker, label in ((1, "green", "triangle", "buys"),
                                       (-1, "red", "inverted_triangle", "sells")):
        part = marks[marks["side"] == side]
        price.scatter(part["time"], part["price"], color=color, marker=marker, size=7,
                      legend_label=label)
    price.legend.location = "top_left"
    price.legend.click_policy = "hide"
    inventory = figure(x_axis_type="datetime", x_range=price.x_range, height=160, width=900,
                       y_axis_label="inventory")
    inventory.step("time", "inventory", source=source, mode="after")
    equity = figure(x_axis_type="datetime", x_range=price.x_range, height=160, width=900,
                    y_axis_label="equity")
    equity.line("time", "equity", source=source)
    return column(price, inventory, equity)
