"""Volatility rows: forecasting the quoted venue's realised variance over the next minute.

Every second from the quoted venue's 60th second on, the target is the sum of its next
60 squared 1 s mid log returns (the mid sampled as the volatility estimators sample it,
the last valid one before each second). Forecasts of that variance (``60 vol^2``):

* ``fused_vol``: the stack's volatility (bias-corrected EWMA, led by the quoted venue,
  the median over the fresh venues when it is not usable) with the half-life chosen on
  the calibration day among :data:`HALF_LIVES_S` by QLIKE;
* ``ewma_single``: the quoted venue's seeded EWMA with a 60 s half-life (the estimate
  before bias correction);
* ``rv_single``: the quoted venue's realised variance over the previous minute.

Losses: QLIKE ``y / f - ln(y / f) - 1`` (windows without a move, ``y = 0``, are left
out) and the squared error in (bps²)². Calibrated on one day, scored on the other.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from workbench.analytics.scorecard.data import Day, as_of, quote_mid
from workbench.analytics.scorecard.rows import loss_row
from workbench.estimators.decay import NS_PER_S
from workbench.estimators.volatility import VolParams, ewma_variance_grid, volatility_frame

WINDOW_S = 60
HALF_LIVES_S = (30.0, 60.0, 120.0)


def _targets(day: Day, quote: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grid times, next-minute RV and previous-minute RV of the quoted venue."""
    ts, logmid, _ = quote_mid(day.arrays, quote)
    grid = np.arange((ts[0] // NS_PER_S + 1) * NS_PER_S, ts[-1] + 1, NS_PER_S)
    sample = as_of(ts, logmid, grid, strict=True)
    r2 = np.concatenate(([np.nan], np.diff(sample) ** 2))
    c = np.concatenate(([0.0], np.nancumsum(r2)))
    n, w = len(grid), WINDOW_S
    nxt = np.full(n, np.nan)
    prev = np.full(n, np.nan)
    nxt[: n - w] = c[w + 1: n + 1] - c[1: n - w + 1]
    prev[w:] = c[w + 1:] - c[1: n - w + 1]
    return grid, nxt, prev


def _fused(day: Day, hl: float, grid: np.ndarray, quote: str) -> np.ndarray:
    p = dataclasses.replace(VolParams(), half_life_s=hl)
    frame = volatility_frame(day.arrays, p, day.arrays.streams.names.index(quote))
    vol = np.where(frame["ok"], frame["vol_per_sqrt_s"], np.nan)
    return as_of(np.maximum.accumulate(day.arrays.ts_ns), vol, grid) ** 2 * WINDOW_S


def qlike(y: np.ndarray, f: np.ndarray) -> np.ndarray:
    """QLIKE loss per sample (NaN where ``y`` or ``f`` is not positive)."""
    ok = (y > 0) & (f > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ok, y / np.where(ok, f, 1.0), np.nan)
    return ratio - np.log(ratio) - 1.0


def calibrate_half_life(day: Day, quote: str) -> float:
    """The half-life of :data:`HALF_LIVES_S` with the least mean QLIKE on ``day``."""
    grid, nxt, _ = _targets(day, quote)
    start = grid >= grid[0] + WINDOW_S * NS_PER_S
    scores = [np.nanmean(np.where(start, qlike(nxt, _fused(day, hl, grid, quote)), np.nan))
              for hl in HALF_LIVES_S]
    return HALF_LIVES_S[int(np.nanargmin(scores))]


def volatility_rows(cal: Day, score: Day, quote: str, chosen: dict | None = None
                    ) -> list[dict]:
    """Rows of ``score`` with the half-life calibrated on ``cal``."""
    hl = calibrate_half_life(cal, quote)
    if chosen is not None:
        chosen[(score.asset, cal.day)] = hl
    grid, nxt, prev = _targets(score, quote)
    fused = _fused(score, hl, grid, quote)
    ts, logmid, _ = quote_mid(score.arrays, quote)
    g, var = ewma_variance_grid(ts, logmid, VolParams(half_life_s=60.0), int(grid[-1]))
    ewma = as_of(g, var, grid) * WINDOW_S / VolParams().grid_s
    start = grid >= grid[0] + WINDOW_S * NS_PER_S
    split = f"{cal.day}->{score.day} {quote}"
    rows = []
    for name, f in (("ewma_single", ewma), ("rv_single", prev)):
        for metric, loss in (("qlike", qlike), ("mse_bps4", _mse)):
            le = np.where(start, loss(nxt, fused), np.nan)
            lb = np.where(start, loss(nxt, f), np.nan)
            rows.append(loss_row("volatility", score.asset, split, f"fused_vol(hl={hl:g}s)",
                                 name, metric, float(WINDOW_S), le, lb, WINDOW_S))
    return rows


def _mse(y: np.ndarray, f: np.ndarray) -> np.ndarray:
    return ((y - f) * 1e8) ** 2  # variances in bps^2
