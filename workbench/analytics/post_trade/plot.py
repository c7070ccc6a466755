"""The post-trade report on one page (bokeh, imported only when a plot is asked for)."""

from __future__ import annotations

import pandas as pd


def plot_report(report, title: str = "post-trade"):
    """Equity and inventory over time, the PnL attribution and the markout curves.

    Parameters
    ----------
    report : PostTradeReport
    title : str

    Returns
    -------
    bokeh.models.LayoutDOM
        A column: equity (quote), inventory (lots), a row of the attribution bars and the
        mean markout (bps) by horizon against the fair and venue mids, by side.

    Raises
    ------
    ImportError
        If bokeh is not installed (it is imported here only).
    """
    from bokeh.layouts import column, row
    from bokeh.palettes import Category10_10
    from bokeh.plotting import figure

    time = pd.to_datetime(report.equity.index.to_numpy(), unit="ns")
    equity = figure(title=title, x_axis_type="datetime", height=240, width=900,
                    y_axis_label="equity (quote)")
    equity.line(time, report.equity.to_numpy(), color="black")
    inventory = figure(x_axis_type="datetime", x_range=equity.x_range, height=160,
                       width=900, y_axis_label="inventory (lots)")
    for col, color in zip(report.inventory.columns, Category10_10):
        inventory.step(time, report.inventory[col].to_numpy(), mode="after", color=color,
                       legend_label=col)
    inventory.legend.location = "top_left"
    terms = report.attribution()
    names = list(terms.index)
    bars = figure(x_range=names, height=260, width=440, title="PnL attribution (quote)")
    bars.vbar(x=names, top=terms.to_numpy(), width=0.7,
              color=["seagreen" if v >= 0 else "firebrick" for v in terms.to_numpy()])
    table = report.markout_table("side")
    curves = figure(height=260, width=440, title="mean markout (bps) by horizon",
                    x_axis_label="horizon (s)")
    horizons = [c.removeprefix("bps_") for c in table.columns if c.startswith("bps_")]
    xs = [float(h.removesuffix("s")) for h in horizons]
    for ref, dash in (("fair", "solid"), ("mid", "dashed")):
        t = report.markout_table("side", reference=ref)
        for side, color in (("buy", "green"), ("sell", "red")):
            if side in t.index:
                curves.line(xs, [t.loc[side, f"bps_{h}"] for h in horizons], color=color,
                            line_dash=dash, legend_label=f"{side} vs {ref}")
    curves.legend.location = "bottom_left"
    return column(equity, inventory, row(bars, curves))
