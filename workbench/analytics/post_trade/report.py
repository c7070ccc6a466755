"""``PostTradeReport``: the figures of one session, as DataFrames, a summary and a plot."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.analytics.post_trade.activity import order_activity
from workbench.analytics.post_trade.attribution import TERMS, attribution, attribution_totals
from workbench.analytics.post_trade.fills import priced_fills
from workbench.analytics.post_trade.inventory import inventory_on_grid, inventory_stats, time_grid
from workbench.analytics.post_trade.markouts import markout_table, markouts
from workbench.analytics.post_trade.performance import equity_on_grid, performance
from workbench.analytics.post_trade.risk import risk_report
from workbench.analytics.post_trade.tape import MarketTape
from workbench.core.instruments import Instrument

Key = tuple[str, str]


@dataclass
class PostTradeReport:
    """What a session did, measured after the fact.

    Attributes
    ----------
    fills : DataFrame
        Priced fills, one row each.
    orders : DataFrame
        One row per order placed.
    marks : DataFrame
        Markouts of every fill (:func:`~workbench.analytics.post_trade.markouts.markouts`).
    pnl : DataFrame
        Exact attribution per (venue, symbol, origin); terms as ``Fraction``.
    activity : DataFrame
        Fill rates, waits, order-to-trade ratio.
    inventory : DataFrame
        Inventory on the grid, lots, one column per instrument.
    equity : Series
        Marked equity on the grid, quote currency.
    grid_s : float
        Grid step, seconds.
    quote : (venue, symbol)
        The quoted instrument.
    instruments : dict of (venue, symbol) to Instrument
        Every instrument traded.
    final_marks : dict of (venue, symbol) to float
        The marks the attribution used.
    source : str
        Where the fills came from (the journal's path).
    """

    fills: pd.DataFrame
    orders: pd.DataFrame
    marks: pd.DataFrame
    pnl: pd.DataFrame
    activity: pd.DataFrame
    inventory: pd.DataFrame
    equity: pd.Series
    grid_s: float
    quote: Key
    instruments: dict = field(default_factory=dict)
    final_marks: dict = field(default_factory=dict)
    source: str = ""

    def attribution(self, exact: bool = False) -> pd.Series:
        """Spread capture, inventory, hedge, fees, funding and their total, quote currency
        (``Fraction`` if ``exact``, else float)."""
        totals = attribution_totals(self.pnl)
        return totals if exact else totals.astype(float)

    def markout_table(self, by: str | Sequence[str] = "venue", reference: str = "fair"
                      ) -> pd.DataFrame:
        """Markouts grouped ``by`` (see
        :func:`~workbench.analytics.post_trade.markouts.markout_table`)."""
        return markout_table(self.marks, by, reference)

    def risk(self, options: pd.DataFrame | None = None,
             margin: Mapping[Key, float] | None = None) -> pd.DataFrame:
        """The book's exposures at the end of the session
        (:func:`~workbench.analytics.post_trade.risk.risk_report`), with ``options`` and
        ``margin`` where known."""
        held = self.fills.assign(s=self.fills["side"] * self.fills["size_lots"]).groupby(
            ["venue", "symbol"])["s"].sum()
        return risk_report({k: int(v) for k, v in held.items()}, self.instruments,
                           self.final_marks, options, margin)

    def inventory_stats(self) -> pd.DataFrame:
        """Distribution and half-life of each instrument's inventory."""
        return inventory_stats(self.inventory, self.grid_s)

    def performance(self) -> dict:
        """Sharpe ratio, max drawdown and final equity on the grid."""
        return performance(self.equity, self.grid_s)

    def summary(self) -> dict:
        """Key figures: PnL and its attribution, markouts, activity, inventory, risk."""
        pnl = self.attribution()
        quoted = self.marks[self.marks["role"] == "quoted"]
        horizons = [c.removeprefix("fair_bps_") for c in self.marks.columns
                    if c.startswith("fair_bps_")]
        w = quoted["notional_quote"]
        out = {"source": self.source, "quote": " ".join(self.quote),
               "fills": len(self.fills), "hedge_fills": int((self.fills["role"] == "hedge").sum()),
               "volume_quote": float(self.fills["notional_quote"].sum()),
               "total_pnl_quote": float(pnl["total"])}
        out |= {f"{t}_quote": float(pnl[t]) for t in TERMS}
        for h in horizons:
            for ref in ("fair", "mid"):
                bps = quoted[f"{ref}_bps_{h}"]
                ok = bps.notna()
                out[f"markout_{ref}_{h}_bps"] = (float((bps[ok] * w[ok]).sum() / w[ok].sum())
                                                 if ok.any() else float("nan"))
        act = self.activity
        if len(act):
            out["placed"] = int(act["placed"].sum())
            out["fill_rate"] = float(act["filled"].sum() / max(act["accepted"].sum(), 1))
            out["order_to_trade"] = float((act["placed"] + act["cancels_sent"]
                                           + act["amends"]).sum() / max(act["fills"].sum(), 1))
        key = " ".join(self.quote)
        if key in self.inventory:
            stats = self.inventory_stats().loc[key]
            out["inventory_half_life_s"] = float(stats["half_life_s"])
            out["inventory_sd_lots"] = float(stats["sd_lots"])
        out |= self.performance()
        return out

    def plot(self, title: str | None = None):
        """A bokeh layout: equity with its attribution, inventory, markouts by horizon."""
        from workbench.analytics.post_trade.plot import plot_report

        return plot_report(self, title or f"post-trade: {' '.join(self.quote)}")


def build_report(fills: pd.DataFrame, orders: pd.DataFrame,
                 instruments: Mapping[Key, Instrument], quote: Key, tape: MarketTape,
                 marks: Mapping[Key, float], *, funding: pd.DataFrame | None = None,
                 horizons_s: Sequence[float] = (1.0, 5.0, 30.0, 60.0), grid_s: float = 1.0,
                 source: str = "") -> PostTradeReport:
    """Every figure of the report from the fills and orders frames and the tape.

    Raises
    ------
    ValidationError
        On a fills frame that cannot be analysed, or marks missing for a traded
        instrument.
    """
    priced = priced_fills(fills, instruments, quote)
    marked = markouts(priced, tape, horizons_s)
    ref = marked["fair_at_fill"].to_numpy()
    pnl = attribution(priced, instruments, marks, ref, funding)
    start = min(int(tape.ts_ns[0]), int(priced["ts_ns"].iloc[0]))
    end = max(tape.end_ns, int(priced["ts_ns"].iloc[-1]))
    grid = time_grid(start, end, grid_s)
    if grid[-1] != end:
        grid = np.append(grid, end)
    return PostTradeReport(priced, orders, marked, pnl, order_activity(orders),
                           inventory_on_grid(priced, grid),
                           equity_on_grid(priced, tape, grid, marks), grid_s, quote,
                           dict(instruments), dict(marks), source)
