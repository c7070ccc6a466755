"""Inventory on a time grid, its distribution and its half-life.

The inventory of an instrument at a grid time is the signed sum of its fills at or
before it. Its half-life fits an AR(1) to the grid, ``x[t+1] = c + φ x[t] + e`` by least
squares: ``half_life = -ln 2 / ln φ`` grid steps (NaN unless ``0 < φ < 1``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NS_PER_S = 1_000_000_000


def time_grid(start_ns: int, end_ns: int, step_s: float) -> np.ndarray:
    """Grid times from ``start_ns`` to ``end_ns`` inclusive of the start, ``step_s`` apart.

    Raises
    ------
    ValueError
        If ``step_s`` is not positive or ``end_ns < start_ns``.
    """
    if not step_s > 0:
        raise ValueError(f"grid step must be positive, got {step_s!r}")
    if end_ns < start_ns:
        raise ValueError("grid ends before it starts")
    step = round(step_s * NS_PER_S)
    return np.arange(start_ns, end_ns + 1, step, dtype=np.int64)


def inventory_on_grid(fills: pd.DataFrame, grid_ns: np.ndarray) -> pd.DataFrame:
    """Signed inventory in lots of every traded instrument at each grid time.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``ts_ns``; one column per ``"venue symbol"``.
    """
    out = {}
    for (venue, symbol), f in fills.groupby(["venue", "symbol"], sort=True):
        held = np.cumsum(f["side"].to_numpy(np.int64) * f["size_lots"].to_numpy(np.int64))
        j = np.searchsorted(f["ts_ns"].to_numpy(np.int64), grid_ns, side="right") - 1
        out[f"{venue} {symbol}"] = np.where(j >= 0, held[np.maximum(j, 0)], 0)
    return pd.DataFrame(out, index=pd.Index(grid_ns, name="ts_ns"))


def ar1_half_life(x: np.ndarray, step_s: float = 1.0) -> float:
    """Half-life in seconds of a series sampled every ``step_s`` by an AR(1) fit; NaN if
    it does not mean-revert (``φ`` outside (0, 1)) or is constant."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) < 3:
        return float("nan")
    a, b = x[:-1], x[1:]
    da = a - a.mean()
    var = float(da @ da)
    if var == 0.0:
        return float("nan")
    phi = float(da @ (b - b.mean())) / var
    if not 0.0 < phi < 1.0:
        return float("nan")
    return -np.log(2.0) / np.log(phi) * step_s


def inventory_stats(grid: pd.DataFrame, step_s: float) -> pd.DataFrame:
    """Distribution (mean, sd, quantiles, time flat) and half-life of each column, lots."""
    rows = {}
    for col in grid.columns:
        x = grid[col].to_numpy(np.float64)
        rows[col] = {"mean_lots": x.mean(), "sd_lots": x.std(ddof=1) if len(x) > 1 else 0.0,
                     "min_lots": x.min(), "p05_lots": np.quantile(x, 0.05),
                     "p50_lots": np.median(x), "p95_lots": np.quantile(x, 0.95),
                     "max_lots": x.max(), "flat_share": float((x == 0).mean()),
                     "half_life_s": ar1_half_life(x, step_s)}
    return pd.DataFrame.from_dict(rows, orient="index")
