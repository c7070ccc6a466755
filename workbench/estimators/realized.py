"""Realised variance over a window: plain, two-scale, bipower, and range-based bars.

These are window estimators for research: each takes the prices of one window (or bars)
and returns a variance of log returns over the window, in squared log units (divide by
the window length in seconds for a variance per second). All work on log prices, so
they do not depend on the price's currency or scale.

* :func:`realized_variance`: ``sum r_i^2`` of consecutive log returns.
* :func:`two_scale_realized_variance`: Zhang, Mykland & Aït-Sahalia (2005), with their
  small-sample adjustment ``(1 - n_bar / n)^-1``; :func:`tsrv_noise` also returns the
  noise variance it implies.
* :func:`bipower_variation`: Barndorff-Nielsen & Shephard (2004), ``(pi / 2) sum
  |r_i| |r_{i-1}|``, robust to jumps.
* :func:`ohlc_bars` then :func:`parkinson_variance` (high/low range) or
  :func:`garman_klass_variance` (open/high/low/close), per bar; pass the previous
  bar's close to include the jump between bars (``ln(O_k / C_{k-1})^2``), which the
  in-bar ranges alone miss.
* :func:`signature_plot`: realised variance per second against the sampling step, for
  choosing the step above which microstructure noise stops inflating it.
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

    ``TSRV = (1 - n_bar / n)^-1 (RV_avg - (n_bar / n) RV_all)`` where ``RV_avg`` is the
    mean over offsets ``j = 0..k-1`` of the realised variance of every ``k``-th price from
    ``j``, ``n`` the number of all-tick returns and ``n_bar = (n - k + 1) / k``. Without
    the first factor the estimate is ``1 - n_bar / n`` of the integrated variance (0.90 at
    ``k = 10``).

    Raises
    ------
    ValueError
        If ``k`` is not in ``[2, len(prices) - 1]`` or a price is invalid.
    """
    return tsrv_noise(prices, k)[0]


def tsrv_noise(prices: np.ndarray, k: int) -> tuple[float, float]:
    """Two-scale realised variance and the noise variance it implies.

    The all-tick realised variance is ``IV + 2 n omega^2`` in expectation, so
    ``omega^2 = (RV_all - TSRV) / (2 n)`` (squared log units, one observation's noise).

    Returns
    -------
    (tsrv, noise_var) : tuple of float

    Raises
    ------
    ValueError
        If ``k`` is not in ``[2, len(prices) - 1]`` or a price is invalid.
    """
    logp = _log_prices(prices)
    n = len(logp) - 1
    if not 2 <= k <= n:
        raise ValueError(f"k must be in [2, {n}]")
    rv_all = float(np.sum(np.diff(logp) ** 2))
    sparse = logp[k:] - logp[:-k]  # every k-step return, all offsets together
    rv_avg = float(np.sum(sparse**2)) / k
    n_bar = (n - k + 1) / k
    tsrv = (rv_avg - (n_bar / n) * rv_all) / (1.0 - n_bar / n)
    return tsrv, max(rv_all - tsrv, 0.0) / (2.0 * n)


def bipower_variation(prices: np.ndarray) -> float:
    """Bipower variation ``(pi / 2) n / (n - 1) sum_{i>=2} |r_i| |r_{i-1}|`` of log returns.

    Estimates the integrated variance without the jumps' squares, which the realised
    variance includes (``RV - BV`` estimates the jump part).

    Raises
    ------
    ValueError
        With fewer than three prices or an invalid price.
    """
    r = np.abs(np.diff(_log_prices(prices)))
    n = len(r)
    if n < 2:
        raise ValueError("need at least three prices")
    return float(math.pi / 2.0 * n / (n - 1) * np.sum(r[1:] * r[:-1]))


def signature_plot(ts_ns: np.ndarray, prices: np.ndarray, steps_s) -> pd.DataFrame:
    """Realised variance per second at each sampling step (the volatility signature).

    At each step the prices are sampled on a grid (the last price at or before each grid
    time) and the realised variance averaged over every grid offset of one base step
    (the finest step), then divided by the span in seconds. Where microstructure noise
    matters the curve rises as the step shrinks (``2 n omega^2`` more per span); choose
    a step where it has flattened.

    Parameters
    ----------
    ts_ns, prices : numpy.ndarray
        Non-decreasing times and positive prices.
    steps_s : sequence of float
        Sampling steps, seconds; each a multiple of the smallest.

    Returns
    -------
    pandas.DataFrame
        ``step_s, rv_per_s, returns`` (returns per offset), one row per step.
    """
    ts = np.asarray(ts_ns, dtype=np.int64)
    logp = _log_prices(prices)
    steps = sorted(float(s) for s in steps_s)
    base = round(steps[0] * NS_PER_S)
    grid = np.arange(ts[0] // base * base + base, ts[-1] + 1, base, dtype=np.int64)
    sampled = logp[np.searchsorted(ts, grid, side="right") - 1]
    span_s = (grid[-1] - grid[0]) / NS_PER_S if len(grid) > 1 else float("nan")
    rows = []
    for step in steps:
        k = round(step * NS_PER_S / base)
        r = sampled[k:] - sampled[:-k]  # k-step returns from every base offset
        rows.append((step, float(np.sum(r**2)) / k / span_s, len(r) // k))
    return pd.DataFrame(rows, columns=["step_s", "rv_per_s", "returns"])


def ohlc_bars(ts_ns: np.ndarray, prices: np.ndarray, bar_s: float) -> pd.DataFrame:
    """Open/high/low/close bars of ``bar_s`` seconds (bars start at multiples of it).

    Returns
    -------
    pandas.DataFrame
        ``bar_start_ns, open, high, low, close, count, prev_close`` (the close of the
        previous bar with a price, NaN for the first); bars without a price are absent.
    """
    bar_ns = round(bar_s * NS_PER_S)
    frame = pd.DataFrame({"bar_start_ns": (np.asarray(ts_ns) // bar_ns) * bar_ns,
                          "price": np.asarray(prices, dtype=np.float64)})
    g = frame.groupby("bar_start_ns", sort=True)["price"]
    out = g.agg(["first", "max", "min", "last", "count"]).reset_index()
    out = out.rename(columns={"first": "open", "max": "high", "min": "low", "last": "close"})
    out["prev_close"] = out["close"].shift(1)
    return out


def parkinson_variance(high: np.ndarray, low: np.ndarray, open_: np.ndarray | None = None,
                       prev_close: np.ndarray | None = None) -> np.ndarray:
    """Parkinson (1980) variance per bar: ``(ln(H/L))^2 / (4 ln 2)``.

    With ``open_`` and ``prev_close`` (the previous bar's close, NaN for the first bar)
    the jump between bars ``ln(O_k / C_{k-1})^2`` is added (0 where NaN), so a sum over
    bars covers the whole span and not only the time inside bars.
    """
    hl = np.log(np.asarray(high, dtype=np.float64) / np.asarray(low, dtype=np.float64))
    return hl**2 / (4.0 * math.log(2.0)) + _jump2(open_, prev_close)


def garman_klass_variance(open_: np.ndarray, high: np.ndarray, low: np.ndarray,
                          close: np.ndarray, prev_close: np.ndarray | None = None
                          ) -> np.ndarray:
    """Garman–Klass (1980) variance per bar: ``0.5 ln(H/L)^2 - (2 ln 2 - 1) ln(C/O)^2``.

    With ``prev_close`` the jump between bars ``ln(O_k / C_{k-1})^2`` is added (see
    :func:`parkinson_variance`).
    """
    hl = np.log(np.asarray(high, dtype=np.float64) / np.asarray(low, dtype=np.float64))
    co = np.log(np.asarray(close, dtype=np.float64) / np.asarray(open_, dtype=np.float64))
    return 0.5 * hl**2 - (2.0 * math.log(2.0) - 1.0) * co**2 + _jump2(open_, prev_close)


def _jump2(open_: np.ndarray | None, prev_close: np.ndarray | None) -> np.ndarray | float:
    if prev_close is None:
        return 0.0
    if open_ is None:
        raise ValueError("the jump between bars needs the open as well as the previous close")
    j = np.log(np.asarray(open_, dtype=np.float64) / np.asarray(prev_close, dtype=np.float64))
    return np.where(np.isfinite(j), j * j, 0.0)


def _log_prices(prices: np.ndarray) -> np.ndarray:
    p = np.asarray(prices, dtype=np.float64)
    if len(p) < 2:
        raise ValueError("need at least two prices")
    if not np.all(np.isfinite(p) & (p > 0)):
        raise ValueError("prices must be positive and finite")
    return np.log(p)
