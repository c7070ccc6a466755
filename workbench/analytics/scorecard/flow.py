"""Imbalance and flow rows: information coefficients, several venues against one.

On a 0.5 s grid of the day's three-venue span, each signal's Spearman correlation with
the quoted venue's forward mid return over 1 s and 5 s, with its 95% Newey–West
interval (lags at least the overlap ``h / 0.5 s``). Multi-venue signals aggregate
every venue (:func:`~workbench.estimators.imbalance_frame`: notional-summed OFI and
trade flow, the mean top-of-book imbalance of the fresh venues); single-venue ones are
the quoted venue's own. The sign of each IC is what the toxic-flow guard's
``flow_signs`` follow.
"""

from __future__ import annotations

import numpy as np

from workbench.analytics.hac import information_coefficient, lags_for
from workbench.analytics.scorecard.data import Day, as_of, quote_mid
from workbench.analytics.scorecard.rows import row
from workbench.estimators.decay import NS_PER_S
from workbench.estimators.imbalance import imbalance_frame

HORIZONS_S = (1.0, 5.0)
GRID_S = 0.5
SIGNALS = ("book_imbalance", "ofi", "trade_imbalance")


def flow_rows(day: Day, quote: str) -> list[dict]:
    """IC rows of one day (multi-venue against the quoted venue alone)."""
    arrays = day.arrays
    ts = np.maximum.accumulate(arrays.ts_ns)
    imb = imbalance_frame(arrays)
    qts, qmid, qk = quote_mid(arrays, quote)
    t0 = max(int(ts[(arrays.stream == i)][0]) for i in range(len(arrays.streams)))
    t1 = min(int(ts[(arrays.stream == i)][-1]) for i in range(len(arrays.streams)))
    step = round(GRID_S * NS_PER_S)
    grid = np.arange((t0 // step + 1) * step, t1, step, dtype=np.int64)
    qb, qa = arrays.bid_lots[qk], arrays.ask_lots[qk]
    single = {
        "book_imbalance": as_of(qts, (qb - qa) / (qb + qa), grid),
        "ofi": as_of(ts, imb[f"ofi_{quote}"].to_numpy(), grid),
        "trade_imbalance": as_of(ts, imb[f"trade_imbalance_{quote}"].to_numpy(), grid),
    }
    multi = {
        "book_imbalance": as_of(ts, imb["top_imbalance"].to_numpy(), grid),
        "ofi": as_of(ts, imb["ofi"].to_numpy(), grid),
        "trade_imbalance": as_of(ts, imb["trade_imbalance"].to_numpy(), grid),
    }
    m0 = as_of(qts, qmid, grid)
    rows = []
    for h in HORIZONS_S:
        hn = round(h * NS_PER_S)
        fwd = np.where(grid + hn <= t1, (as_of(qts, qmid, grid + hn) - m0) * 1e4, np.nan)
        lags = lags_for(len(grid), round(h / GRID_S))
        for name in SIGNALS:
            m = information_coefficient(multi[name], fwd, lags)
            s = information_coefficient(single[name], fwd, lags)
            rows.append(row("flow", day.asset, f"{day.day} {quote}", f"{name}:multi",
                            f"{name}:single", "ic_spearman", h, m.n, m.ic, s.ic,
                            diff=abs(m.ic) - abs(s.ic), value_ci=(m.low, m.high),
                            baseline_ci=(s.low, s.high)))
    return rows
