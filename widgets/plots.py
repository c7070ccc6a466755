"""Streaming bokeh charts of a session: prices and fills, inventory and PnL, signals, depth.

Each chart is a bokeh figure inside a jupyter_bokeh widget, fed by the session's shared
:class:`~widgets.pump.Pump` (at most 4 updates a second, one row each): the data sources
stream the new row with a rollover of :data:`~widgets.pump.HISTORY_ROWS`, so memory stays
bounded in the kernel and in the browser. A chart made late starts with the pump's
history; every few seconds the whole window is sent again, which heals updates a browser
view missed (those sent before it existed are lost), and a browser tab that reconnects
asks for the widget's state, which is rebuilt then with the current data.

BokehJS is put in the page inline (no CDN) the first time a chart is made in a kernel.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from bokeh.models import ColumnDataSource, DataRange1d, HoverTool, LinearAxis, Range1d
from bokeh.plotting import figure
from jupyter_bokeh import BokehModel

from widgets import theme
from widgets.pump import HISTORY_ROWS, View, pump_for

#: Updates between two full re-sends of a chart's window.
RESYNC_EVERY = 20
_TOOLS = "pan,xwheel_zoom,box_zoom,reset,save"
_bokehjs_loaded = False


def load_bokehjs() -> None:
    """Put BokehJS in the notebook's page, inline, once per kernel (no-op outside one)."""
    global _bokehjs_loaded
    if _bokehjs_loaded:
        return
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return
    from bokeh.io import output_notebook
    from bokeh.resources import INLINE

    output_notebook(INLINE, hide_banner=True)
    _bokehjs_loaded = True


class ChartModel(BokehModel):
    """jupyter_bokeh's widget without its echo, and with a state rebuilt on reconnect.

    jupyter_bokeh 4.1 applies every ``stream`` the browser echoes back to the Python data
    a second time; those echoes (``ColumnsStreamed``, ``ColumnsPatched``) are ignored here.
    When a browser asks for the widget's state (a tab reopened), the render bundle is
    rebuilt first, so the new view starts with the current data, not the first.
    """

    def _sync_model(self, model: Any, content: dict[str, Any], buffers: list[Any]) -> None:
        if content.get("kind") in ("ColumnsStreamed", "ColumnsPatched"):
            return
        super()._sync_model(model, content, buffers)

    def _handle_msg(self, msg: dict) -> None:
        data = msg.get("content", {}).get("data", {})
        if data.get("method") == "request_state":
            self.render_bundle = self._model_to_traits(self._model)
        super()._handle_msg(msg)


def _figure(title: str, height: int = theme.CHART_HEIGHT, **kw: Any):
    fig = figure(title=title, height=height, sizing_mode="stretch_width", tools=_TOOLS,
                 toolbar_location="right", **kw)
    fig.title.text_font_size = "11px"
    fig.toolbar.logo = None
    return fig


class _Chart:
    """One figure and its widget; :meth:`update` takes a view."""

    css = ""

    def __init__(self, pump: Any) -> None:
        self.pump = pump
        self.fig = self.build()
        self.widget = ChartModel(self.fig)
        self.widget.add_class(self.css)
        self.updates = 0

    def build(self):  # pragma: no cover - every chart defines it
        raise NotImplementedError

    def update(self, view: View) -> None:
        raise NotImplementedError


class _SeriesChart(_Chart):
    """A chart over the pump's rows (streamed), resent whole every :data:`RESYNC_EVERY`."""

    def __init__(self, pump: Any) -> None:
        self.names = ["t_ms", *self.columns(pump)]
        self.source = ColumnDataSource(self._history(pump), name=self.source_name)
        self._last_t = pump.rows[-1]["t_ms"] if pump.rows else -np.inf
        super().__init__(pump)

    source_name = ""

    def columns(self, pump: Any) -> list[str]:  # pragma: no cover - every chart defines it
        raise NotImplementedError

    def _history(self, pump: Any) -> dict[str, np.ndarray]:
        columns = pump.columns()
        return {n: columns[n] for n in self.names}

    def update(self, view: View) -> None:
        self.updates += 1
        if self.updates % RESYNC_EVERY == 0:
            self.source.data = self._history(self.pump)
            self._last_t = self.pump.rows[-1]["t_ms"] if self.pump.rows else -np.inf
            return
        row = view.row
        if row and row["t_ms"] > self._last_t:
            self._last_t = row["t_ms"]
            # plain lists: one JSON message, where arrays would add two per column
            self.source.stream({k: [row.get(k, np.nan)] for k in self.names},
                               rollover=HISTORY_ROWS)


class PriceChart(_SeriesChart):
    """Fair mid, each source's mid, our bid and ask, our fills by side."""

    css = "price-plot"
    source_name = "prices"

    def columns(self, pump: Any) -> list[str]:
        return ["fair", "bid", "ask", *(f"mid_{i}" for i in range(len(pump.keys))),
                "params_rev"]

    def __init__(self, pump: Any) -> None:
        self.fills = ColumnDataSource(self._fill_columns(pump.fills), name="fills")
        super().__init__(pump)

    @staticmethod
    def _fill_columns(fills) -> dict[str, list]:
        fills = list(fills)
        return {"t_ms": [f["t_ms"] for f in fills], "price": [f["price"] for f in fills],
                "size": [f["size"] for f in fills],
                "colour": [theme.side_colour(f["side"]) for f in fills],
                "marker": ["triangle" if f["side"] > 0 else "inverted_triangle"
                           for f in fills]}

    def build(self):
        spec = self.pump.session.spec
        fig = _figure(f"{spec.quote[1]} on {spec.quote[0]}: our quotes, the market, fills",
                      height=theme.CHART_HEIGHT + 70, x_axis_type="datetime")
        for i, inst in enumerate(spec.instruments):
            fig.line("t_ms", f"mid_{i}", source=self.source, line_width=1,
                     line_dash="dashed", color=theme.MARKET[i % len(theme.MARKET)],
                     legend_label=f"mid {inst.venue}")
        fig.line("t_ms", "fair", source=self.source, color=theme.FAIR, line_width=1.5,
                 legend_label="fair mid")
        fig.step("t_ms", "bid", source=self.source, color=theme.BID, line_width=2.5,
                 mode="after", legend_label="our bid")
        fig.step("t_ms", "ask", source=self.source, color=theme.ASK, line_width=2.5,
                 mode="after", legend_label="our ask")
        fig.scatter("t_ms", "price", source=self.fills, marker="marker", color="colour",
                    size=9, line_color="black", legend_label="fills")
        fig.add_tools(HoverTool(tooltips=[("price", "@price{0.0}"), ("lots", "@size")],
                                renderers=fig.renderers[-1:]))
        fig.legend.location = "top_left"
        fig.legend.click_policy = "hide"
        fig.legend.label_text_font_size = "10px"
        return fig

    def update(self, view: View) -> None:
        super().update(view)
        if self.updates % RESYNC_EVERY == 0:
            self.fills.data = self._fill_columns(self.pump.fills)
        elif view.new_fills:
            self.fills.stream(self._fill_columns(view.new_fills), rollover=HISTORY_ROWS)


class RiskChart(_SeriesChart):
    """Inventory (lots, left axis) and PnL net of fees (quote currency, right axis)."""

    css = "risk-plot"
    source_name = "risk"

    def columns(self, pump: Any) -> list[str]:
        return ["inventory", "pnl"]

    def build(self):
        currency = self.pump.session.spec.quoted.quote
        fig = _figure("inventory and PnL", x_axis_type="datetime")
        fig.step("t_ms", "inventory", source=self.source, color=theme.INVENTORY,
                 line_width=2, mode="after", legend_label="inventory (lots)")
        fig.yaxis.axis_label = "lots"
        pnl = fig.line("t_ms", "pnl", source=self.source, color=theme.PNL, line_width=2,
                       legend_label=f"PnL ({currency})", y_range_name="pnl")
        fig.extra_y_ranges = {"pnl": DataRange1d(renderers=[pnl])}
        fig.add_layout(LinearAxis(y_range_name="pnl", axis_label=currency), "right")
        fig.legend.location = "top_left"
        return fig


class SignalsChart(_SeriesChart):
    """Book imbalance and toxicity of each side in [-1, 1], the guard's decisions (0 keep,
    1 widen, 2 pull, 3 join, right axis), volatility (bps per √s, as a faint line)."""

    css = "signals-plot"
    source_name = "signals"

    def columns(self, pump: Any) -> list[str]:
        return ["imbalance", "tox_bid", "tox_ask", "guard_bid", "guard_ask", "vol_bps"]

    def build(self):
        fig = _figure("signals and the guard's decisions", x_axis_type="datetime",
                      y_range=Range1d(-1.05, 1.05))
        fig.line("t_ms", "imbalance", source=self.source, color="#777", line_width=1,
                 legend_label="book imbalance")
        fig.line("t_ms", "tox_bid", source=self.source, color=theme.BID, line_width=1.5,
                 legend_label="toxicity bid")
        fig.line("t_ms", "tox_ask", source=self.source, color=theme.ASK, line_width=1.5,
                 legend_label="toxicity ask")
        fig.extra_y_ranges = {"guard": Range1d(-0.1, 3.2),
                              "vol": DataRange1d(start=0)}
        fig.step("t_ms", "guard_bid", source=self.source, color=theme.BID, line_dash="dotted",
                 line_width=2, y_range_name="guard", mode="after", legend_label="guard bid")
        fig.step("t_ms", "guard_ask", source=self.source, color=theme.ASK, line_dash="dotted",
                 line_width=2, y_range_name="guard", mode="after", legend_label="guard ask")
        vol = fig.line("t_ms", "vol_bps", source=self.source, color="#c9a227", alpha=0.7,
                       y_range_name="vol", legend_label="vol (bps/√s)")
        fig.extra_y_ranges["vol"].renderers = [vol]
        fig.add_layout(LinearAxis(y_range_name="guard", axis_label="guard 0-3"), "right")
        fig.legend.location = "top_left"
        fig.legend.label_text_font_size = "9px"
        return fig


class DepthChart(_Chart):
    """The quoted book's best levels (bids left, asks right, lots) with our orders."""

    css = "depth-plot"

    def __init__(self, pump: Any) -> None:
        self.bids = ColumnDataSource({"price": [], "lots": []}, name="depth_bids")
        self.asks = ColumnDataSource({"price": [], "lots": []}, name="depth_asks")
        self.ours = ColumnDataSource({"price": [], "lots": [], "colour": []},
                                     name="our_orders")
        super().__init__(pump)
        if pump.last is not None:
            self.update(pump.last)

    def build(self):
        fig = _figure("depth ladder (lots) with our orders", height=theme.CHART_HEIGHT + 70)
        tick = self.pump.tick
        fig.hbar(y="price", left="lots", right=0, height=tick * 0.8, source=self.bids,
                 color=theme.BID, alpha=0.45, legend_label="bids")
        fig.hbar(y="price", left=0, right="lots", height=tick * 0.8, source=self.asks,
                 color=theme.ASK, alpha=0.45, legend_label="asks")
        fig.scatter("lots", "price", source=self.ours, marker="diamond", size=12,
                    color="colour", line_color="black", legend_label="ours")
        fig.yaxis.formatter.use_scientific = False
        fig.legend.location = "top_right"
        return fig

    def update(self, view: View) -> None:
        self.updates += 1
        d = view.depth
        self.bids.data = {"price": d["bid_price"], "lots": [-x for x in d["bid_lots"]]}
        self.asks.data = {"price": d["ask_price"], "lots": d["ask_lots"]}
        self.ours.data = {"price": d["our_price"],
                          "lots": [-x if s > 0 else x for x, s in zip(d["our_lots"],
                                                                      d["our_side"])],
                          "colour": [theme.side_colour(s) for s in d["our_side"]]}


class Charts:
    """Every chart of a session, fed by its pump; :attr:`widget` lays them out.

    Parameters
    ----------
    session : Session
        A session built by :func:`workbench.session`.
    """

    def __init__(self, session: Any) -> None:
        import ipywidgets as w

        load_bokehjs()
        pump = pump_for(session)
        self.price = PriceChart(pump)
        self.risk = RiskChart(pump)
        self.signals = SignalsChart(pump)
        self.depth = DepthChart(pump)
        self.charts = (self.price, self.risk, self.signals, self.depth)
        top = w.HBox([self.price.widget, self.depth.widget])
        self.price.widget.layout = w.Layout(flex="3 1 0", min_width="0")
        self.depth.widget.layout = w.Layout(flex="1 1 0", min_width="220px")
        bottom = w.HBox([self.risk.widget, self.signals.widget])
        self.risk.widget.layout = w.Layout(flex="1 1 0", min_width="0")
        self.signals.widget.layout = w.Layout(flex="1 1 0", min_width="0")
        self.widget = w.VBox([top, bottom], layout=w.Layout(width="100%"))
        self.widget.add_class("wb-charts")
        pump.listen(self.update, first=True)

    def update(self, view: View) -> None:
        """Feed every chart one view."""
        for chart in self.charts:
            chart.update(view)


def charts(session: Any):
    """The charts of ``session`` as one widget (usable alone, or in the dashboard)."""
    return Charts(session).widget
