"""How our orders fared: fill rates, waits before the first fill, order-to-trade ratio.

From the orders frame (:mod:`~workbench.analytics.post_trade.fills`), per instrument and
origin: ``placed``; ``filled`` (orders with at least one fill) and ``fill_rate`` (their
share of the orders the venue accepted); ``volume_fill_rate`` (lots filled over lots
placed); the wait from the venue's acknowledgement (the place, where none came) to the
first fill, its median and 90th percentile in seconds; and the order-to-trade ratio,
commands sent (places, cancels, amends) per fill.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NS_PER_S = 1e9


def queue_waits_s(orders: pd.DataFrame) -> pd.Series:
    """Seconds from acknowledgement (or place) to the first fill of every filled order."""
    filled = orders[orders["first_fill_ns"] >= 0]
    start = np.where(filled["accepted_ns"] >= 0, filled["accepted_ns"], filled["placed_ns"])
    wait = (filled["first_fill_ns"].to_numpy() - start) / NS_PER_S
    return pd.Series(np.maximum(wait, 0.0), index=filled["order_id"].to_numpy(), name="wait_s")


def order_activity(orders: pd.DataFrame) -> pd.DataFrame:
    """Fill rates, waits and order-to-trade ratio by (venue, symbol, origin).

    Returns
    -------
    pandas.DataFrame
        ``placed, accepted, rejected, canceled, cancels_sent, amends, filled, fills,
        fill_rate, volume_fill_rate, wait_p50_s, wait_p90_s, order_to_trade``.
    """
    if orders.empty:
        return pd.DataFrame()
    o = orders.copy()
    o["accepted"] = o["accepted_ns"] >= 0
    o["filled"] = o["fills"] > 0
    o["wait_s"] = np.nan
    waits = queue_waits_s(orders)
    o.loc[o["first_fill_ns"] >= 0, "wait_s"] = waits.to_numpy()
    g = o.groupby(["venue", "symbol", "origin"], sort=True)
    out = g.agg(placed=("order_id", "size"), accepted=("accepted", "sum"),
                rejected=("rejected", "sum"), canceled=("canceled", "sum"),
                cancels_sent=("cancels_sent", "sum"), amends=("amends", "sum"),
                filled=("filled", "sum"), fills=("fills", "sum"),
                placed_lots=("size_lots", "sum"), filled_lots=("filled_lots", "sum"),
                wait_p50_s=("wait_s", "median"),
                wait_p90_s=("wait_s", lambda w: w.quantile(0.9)))
    out["fill_rate"] = out["filled"] / out["accepted"].replace(0, np.nan)
    out["volume_fill_rate"] = out["filled_lots"] / out["placed_lots"]
    sent = out["placed"] + out["cancels_sent"] + out["amends"]
    out["order_to_trade"] = sent / out["fills"].replace(0, np.nan)
    return out.drop(columns=["placed_lots"])
