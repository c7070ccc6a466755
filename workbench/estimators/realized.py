"""Realised variance over a window: plain, two-scale (noise-robust), and range-based bars.

These are window estimators for research: each takes the prices of one window (or bars)
and returns a variance of log returns over the window, in squared log units. Divide by
the window length in seconds for a variance per second.

* :func:`realized_variance`: ``sum r_i^2`` of consecutive log returns.
* :func:`two_scale_realized_variance`: Zhang, Mykland & Aït-Sahalia (2005). The average
  of the ``K`` sparse-grid realised variances, minus ``(n_bar / n)`` times the all-tick one,
  which removes the bias microstructure noise puts in ``sum r_i^2``.
* :func:`ohlc_bars` then :func:`parkinson_variance` (high/low range) or
  :func:`garman_klass_variance` (open/high/low/close), per bar.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from workbench.estimators.decay import NS_PER_S


def realized_variance(prices: np.ndarray) -> float:
    """Sum of squared log returns of consecutive prices.

    Raises
    ------
    ValueError
        If a price is not positive and finite.
    """
    logp = _log_prices(prices)
    return float(np.sum(np.diff(logp) ** 2))


def two_scale_realized_variance(prices: np.ndarray, k: int) -> float:
    """Two-scale realised variance (ZMA 2005) with ``k`` sparse sub-grids.

    ``TSRV = RV_avg - (n_bar / n) RV_all`` where ``RV_avg`` is the mean over offsets
    ``j = 0..k-1`` of the realised variance of every ``k``-th price from ``j``, ``n`` the
    number of all-tick returns and ``n_bar = (n - k + 1) / k``.

    Raises
    ------
    ValueError
        If ``k`` is not in ``[1, len(prices) - 1]`` or a price is invalid.
    """
    logp = _log_prices(prices)
    n = len(logp) - 1
    if not 1 <= k <= n:
        raise ValueError(f"k must be in [1, {n}]")
    rv_all = float(np.sum(np.diff(logp) ** 2))
    sparse = logp[k:] - logp[:-k]  # every k-step return, all offsets together
    rv_avg = float(np.sum(sparse**2)) / k
    n_bar = (n - k + 1) / k
    return rv_avg - (n_bar / n) * rv_all


def ohlc_bars(ts_ns: np.ndarray, prices: np.ndarray, bar_s: float) -> pd.DataFrame:
    """Open/high/low/close bars of ``bar_s`` seconds (bars start at multiples of it).

    Returns
    -------
    pandas.DataFrame
        ``bar_start_ns, open, high, low, close, count``; bars without a price are absent.
    """
    bar_ns = round(bar_s * NS_PER_S)
    frame = pd.DataFrame({"bar_start_ns": (np.asarray(ts_ns) // bar_ns) * bar_ns,
                          "price": np.asarray(prices, dtype=np.float64)})
    g = frame.groupby("bar_start_ns", sort=True)["price"]
    out = g.agg(["first", "max", "min", "last", "count"]).reset_index()
    return out.rename(columns={"first": "open", "max": "high", "min": "low", "last": "close"})


def parkinson_variance(high: np.ndarray, low: np.ndarray) -> np.ndarray:
    """Parkinson (1980) variance per bar: ``(ln(H/L))^2 / (4 ln 2)``."""
    hl = np.log(np.asarray(high, dtype=np.float64) / np.asarray(low, dtype=np.float64))
    return hl**2 / (4.0 * math.log(2.0))


def garman_klass_variance(open_: np.ndarray, high: np.ndarray, low: np.ndarray,
                          close: np.ndarray) -> np.ndarray:
    """Garman–Klass (1980) variance per bar: ``0.5 ln(H/L)^2 - (2 ln 2 - 1) ln(C/O)^2``."""
    hl = np.log(np.asarray(high, dtype=np.float64) / np.asarray(low, dtype=np.float64))
    co = np.log(np.asarray(close, dtype=np.float64) / np.asarray(open_, dtype=np.float64))
    return 0.5 * hl**2 - (2.0 * math.log(2.0) - 1.0) * co**2


def _log_prices(prices: np.ndarray) -> np.ndarray:
    p = np.asarray(prices, dtype=np.float64)
    if len(p) < 2:
        raise ValueError("need at least two prices")
    if not np.all(np.isfinite(p) & (p > 0)):
        raise ValueError("prices must be positive and finite")
    return np.log(p)
