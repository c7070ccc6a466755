"""Markouts of our fills: how the market moved after each, against the fair and venue mids.

A fill of side ``s`` (+1 buy) at price ``p`` marked out ``h`` seconds later against a
reference ``r(t + h)`` (the last value at or before ``t + h``) is

    markout_bps = s * (r(t + h) - p) / p * 1e4,   markout_quote = s * notional_base * (r - p)

positive when the fill made money, the same formula for inverse contracts (their coin
PnL ``s·n·V·(1/p - 1/r)`` is ``s·(n·V/p)·(r - p)`` in quote at ``r``). Two references:
the fair mid (off the quoted instrument scaled by the basis ``mid(t) / fair(t)`` at the
fill, so that it is in the fill's venue units) and the fill venue's own mid. A horizon
that ends after the tape is NaN. :func:`markout_table` averages them by venue, side, size
bucket and toxicity state at the fill.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench.analytics.post_trade.tape import MarketTape

NS_PER_S = 1_000_000_000
#: Toxicity states by the score facing the filled order: the toxic-flow guard's default
#: ``widen_on``, ``pull_on`` and ``join_on`` thresholds.
TOXICITY_EDGES = (0.5, 0.75, 0.9)
TOXICITY_STATES = ("quiet", "widen", "pull", "join")
#: Size buckets, lots: upper edges (inclusive).
SIZE_EDGES_LOTS = (1, 2, 5, 10, 50, 100)


def size_bucket(size_lots: np.ndarray, edges: Sequence[int] = SIZE_EDGES_LOTS) -> np.ndarray:
    """Label of each size: ``"1"``, ``"2"``, ``"3-5"``, ..., ``">100"`` lots."""
    labels, lo = [], 1
    for hi in edges:
        labels.append(f"{hi}" if hi == lo else f"{lo}-{hi}")
        lo = hi + 1
    labels.append(f">{edges[-1]}")
    return np.asarray(labels, dtype=object)[np.searchsorted(edges, size_lots, side="left")]


def toxicity_state(score: np.ndarray, edges: Sequence[float] = TOXICITY_EDGES) -> np.ndarray:
    """State of each toxicity score (``"unknown"`` where NaN)."""
    states = np.asarray(TOXICITY_STATES, dtype=object)[np.searchsorted(edges, score,
                                                                        side="right")]
    return np.where(np.isfinite(score), states, "unknown")


def reference_mids(fills: pd.DataFrame, tape: MarketTape) -> tuple[np.ndarray, np.ndarray]:
    """Fair mid (in each fill venue's units) and venue mid just before each fill."""
    t = fills["ts_ns"].to_numpy(np.int64)
    fair = tape.fair_at(t, strict=True)
    venue = np.full(len(fills), np.nan)
    for key, idx in fills.groupby(["venue", "symbol"], sort=False).indices.items():
        venue[idx] = tape.mid_at(key, t[idx], strict=True)
        if key != tape.quote:
            fair[idx] = venue[idx]  # the basis at the fill is the venue's own mid
    return fair, venue


def markouts(fills: pd.DataFrame, tape: MarketTape,
             horizons_s: Sequence[float] = (1.0, 5.0, 30.0, 60.0)) -> pd.DataFrame:
    """One row per fill: its groups and its markouts at every horizon.

    Parameters
    ----------
    fills : DataFrame
        Priced fills (:func:`~workbench.analytics.post_trade.fills.priced_fills`).
    tape : MarketTape
    horizons_s : sequence of float
        Horizons, seconds.

    Returns
    -------
    pandas.DataFrame
        ``ts_ns, venue, symbol, origin, role, side`` (``buy``/``sell``), ``size_lots,
        size_bucket, toxicity, toxicity_state, notional_quote, fair_at_fill,
        mid_at_fill``, and for each horizon ``h`` (as ``1s``, ``5s``...):
        ``fair_bps_<h>``, ``mid_bps_<h>``, ``fair_quote_<h>``, ``mid_quote_<h>``.
    """
    t = fills["ts_ns"].to_numpy(np.int64)
    side = fills["side"].to_numpy(np.int64)
    price = fills["price"].to_numpy()
    base = fills["notional_base"].to_numpy()
    tox = tape.toxicity_at(side, t)
    fair0, mid0 = reference_mids(fills, tape)
    out = pd.DataFrame({
        "ts_ns": t, "venue": fills["venue"].to_numpy(), "symbol": fills["symbol"].to_numpy(),
        "origin": fills["origin"].to_numpy(), "role": fills["role"].to_numpy(),
        "side": np.where(side > 0, "buy", "sell"),
        "size_lots": fills["size_lots"].to_numpy(),
        "size_bucket": size_bucket(fills["size_lots"].to_numpy()),
        "toxicity": tox, "toxicity_state": toxicity_state(tox),
        "notional_quote": fills["notional_quote"].to_numpy(),
        "fair_at_fill": fair0, "mid_at_fill": mid0,
    })
    quote_fair = tape.fair_at(t, strict=True)
    for h in horizons_s:
        at = t + round(h * NS_PER_S)
        beyond = at > tape.end_ns
        fair_h = tape.fair_at(at)
        mid_h = np.full(len(t), np.nan)
        for key, idx in fills.groupby(["venue", "symbol"], sort=False).indices.items():
            mid_h[idx] = tape.mid_at(key, at[idx])
            if key != tape.quote:
                fair_h[idx] = fair_h[idx] * mid0[idx] / quote_fair[idx]
        for name, ref in (("fair", fair_h), ("mid", mid_h)):
            ref = np.where(beyond, np.nan, ref)
            out[f"{name}_bps_{h:g}s"] = side * (ref - price) / price * 1e4
            out[f"{name}_quote_{h:g}s"] = side * base * (ref - price)
    return out


def markout_table(marks: pd.DataFrame, by: str | Sequence[str] = "venue",
                  reference: str = "fair") -> pd.DataFrame:
    """Mean markouts (bps, notional-weighted) and their sums (quote) by group.

    Parameters
    ----------
    marks : DataFrame
        :func:`markouts`' output.
    by : str or sequence of str
        Grouping columns: ``venue``, ``side``, ``size_bucket``, ``toxicity_state``,
        ``origin``, ``role``...
    reference : {"fair", "mid"}

    Returns
    -------
    pandas.DataFrame
        ``fills``, ``notional_quote`` and per horizon ``bps_<h>`` (the notional-weighted
        mean over fills whose horizon is inside the tape) and ``quote_<h>`` (the sum).
    """
    by = [by] if isinstance(by, str) else list(by)
    horizons = [c.removeprefix(f"{reference}_bps_") for c in marks.columns
                if c.startswith(f"{reference}_bps_")]
    w = marks["notional_quote"]
    cols = {"fills": ("notional_quote", "size"), "notional_quote": ("notional_quote", "sum")}
    frame = marks[by].copy()
    frame["notional_quote"] = w
    for h in horizons:
        bps = marks[f"{reference}_bps_{h}"]
        frame[f"wb_{h}"] = (bps * w).where(bps.notna(), 0.0)
        frame[f"w_{h}"] = w.where(bps.notna(), 0.0)
        frame[f"quote_{h}"] = marks[f"{reference}_quote_{h}"]
        cols |= {f"wb_{h}": (f"wb_{h}", "sum"), f"w_{h}": (f"w_{h}", "sum"),
                 f"quote_{h}": (f"quote_{h}", "sum")}
    g = frame.groupby(by, sort=True).agg(**cols)
    for h in horizons:
        g[f"bps_{h}"] = g.pop(f"wb_{h}") / g.pop(f"w_{h}").replace(0.0, np.nan)
    order = ["fills", "notional_quote"] + [f"bps_{h}" for h in horizons] + [
        f"quote_{h}" for h in horizons]
    return g[order]
