"""Equity on a time grid, its Sharpe ratio and drawdown.

Equity at a grid time is the fills so far marked at that time (fair mid for the quoted
instrument, the venue's mid elsewhere), net of their fees, in quote currency: the
portfolio's equity as the engine keeps it, sampled. The Sharpe ratio is that of the
equity's increments per grid step, annualised by ``sqrt(steps per year)`` (a market maker
has no capital base to make returns of); drawdown is the distance below the running
maximum (which starts at 0, as the portfolio's high-water mark does).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from workbench.analytics.post_trade.tape import MarketTape

SECONDS_PER_YEAR = 365.0 * 24 * 3600


def sharpe_ratio(increments: np.ndarray, periods_per_year: float) -> float:
    """Annualised Sharpe ratio of PnL increments: ``mean / sd (ddof 1) * sqrt(periods)``;
    NaN with fewer than two increments or none varying."""
    x = np.asarray(increments, dtype=np.float64)
    if len(x) < 2:
        return float("nan")
    sd = x.std(ddof=1)
    return float(x.mean() / sd * np.sqrt(periods_per_year)) if sd > 0 else float("nan")


def drawdown(equity: np.ndarray) -> np.ndarray:
    """Distance below the running maximum, which starts at 0."""
    e = np.asarray(equity, dtype=np.float64)
    return np.maximum.accumulate(np.maximum(e, 0.0)) - e


def equity_on_grid(fills: pd.DataFrame, tape: MarketTape, grid_ns: np.ndarray,
                   final_marks: Mapping[tuple[str, str], float] | None = None) -> pd.Series:
    """Marked equity net of fees at each grid time, quote currency (priced fills).

    Where a mark is missing (no quote yet) the last fill price stands in; the last grid
    time may be marked at ``final_marks`` (the run's), so that it ends at the run's figure.
    """
    total = np.zeros(len(grid_ns))
    for key, f in fills.groupby(["venue", "symbol"], sort=True):
        t = f["ts_ns"].to_numpy(np.int64)
        j = np.searchsorted(t, grid_ns, side="right") - 1
        seen = j >= 0
        jj = np.maximum(j, 0)
        s = f["side"].to_numpy(np.float64)
        price = f["price"].to_numpy()
        size = f["size"].to_numpy()
        held = np.cumsum(s * size)[jj]
        fees = np.cumsum(f["fee"].to_numpy())[jj]
        mark = tape.fair_at(grid_ns) if key == tape.quote else tape.mid_at(key, grid_ns)
        mark = np.where(np.isfinite(mark), mark, price[jj])
        if final_marks is not None and key in final_marks:
            mark[-1] = final_marks[key]
        if bool(f["inverse"].iloc[0]):  # coin PnL of the face value, at the mark
            face = s * f["notional_quote"].to_numpy()
            coin = np.cumsum(face / price)[jj] - np.cumsum(face)[jj] / mark - fees
            value = coin * mark
        else:
            value = held * mark - np.cumsum(s * size * price)[jj] - fees
        total += np.where(seen, value, 0.0)
    return pd.Series(total, index=pd.Index(grid_ns, name="ts_ns"), name="equity_quote")


def performance(equity: pd.Series, step_s: float) -> dict:
    """Sharpe (annualised), max drawdown, final equity and PnL volatility of a grid."""
    e = equity.to_numpy()
    inc = np.diff(e)
    dd = drawdown(e)
    return {"equity_quote": float(e[-1]) if len(e) else 0.0,
            "sharpe_annualised": sharpe_ratio(inc, SECONDS_PER_YEAR / step_s),
            "pnl_sd_per_step_quote": float(inc.std(ddof=1)) if len(inc) > 1 else float("nan"),
            "max_drawdown_quote": float(dd.max()) if len(dd) else 0.0}
