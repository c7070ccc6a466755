"""Calibrating the reference-led fair mid: lead weights and the imbalance term by regression.

The reference-led fair mid (:mod:`workbench.estimators.fair_mid`) forecasts the
reference's own mid: ``ln fair - ln mid_ref = 1e-4 (c_imb I_ref + sum_i w_i f_i g_i)``.
:func:`calibrate_fair_mid` fits ``c_imb`` and ``w`` as the least-squares coefficients of
the reference's mid change over each scoring horizon on those terms, sampled on a grid
while the reference is usable, pooled over the horizons with each horizon's rows divided
by the standard deviation of its target (so the 5 s horizon, whose variance is 50 times
the 100 ms one's, does not decide alone), and shrunk by a small ridge. A venue whose
gap closes on the reference (a leader) gets a positive weight; a laggard whose gap the
reference does not follow gets about 0. The terms are exactly those the streaming
estimator uses (basis, staleness fade, outlier rejection), from :func:`fair_mid_terms`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench.estimators.arrays import EventArrays
from workbench.estimators.decay import NS_PER_S
from workbench.estimators.fair_mid import FairMidParams, fair_mid_terms


def grid_terms(terms: pd.DataFrame, grid_s: float) -> pd.DataFrame:
    """The terms as of each grid time (the last event at or before it)."""
    ts = terms["ts_ns"].to_numpy()
    step = round(grid_s * NS_PER_S)
    grid = np.arange((ts[0] // step + 1) * step, ts[-1] + 1, step, dtype=np.int64)
    out = terms.iloc[np.searchsorted(ts, grid, side="right") - 1].reset_index(drop=True)
    out["ts_ns"] = grid
    return out


def forward_mid_change_bps(grid: pd.DataFrame, horizon_s: float, grid_s: float) -> np.ndarray:
    """``(ln mid_ref(t + h) - ln mid_ref(t)) * 1e4`` on the grid; NaN past the end or where
    the reference is not usable at either end."""
    k = round(horizon_s / grid_s)
    m = grid["log_mid"].to_numpy()
    led = grid["led"].to_numpy()
    out = np.full(len(m), np.nan)
    if k < len(m):
        ok = led[:-k] & led[k:]
        out[:-k] = np.where(ok, (m[k:] - m[:-k]) * 1e4, np.nan)
    return out


def term_columns(grid: pd.DataFrame) -> list[str]:
    """The regressors: the reference's imbalance, then each other venue's gap."""
    return ["imbalance", *[c for c in grid.columns if c.startswith("gap_")]]


def fit_lead_weights(grid: pd.DataFrame, horizons_s: Sequence[float], grid_s: float,
                     ridge: float = 1e-3, rows: np.ndarray | None = None) -> np.ndarray:
    """Pooled, horizon-normalised ridge regression of forward mid changes on the terms.

    Parameters
    ----------
    grid : pandas.DataFrame
        :func:`grid_terms` output.
    horizons_s : sequence of float
        Forecast horizons, seconds (multiples of ``grid_s``).
    grid_s : float
        Grid step, seconds.
    ridge : float
        Penalty as a fraction of the mean diagonal of ``X'X``.
    rows : numpy.ndarray of bool, optional
        Grid rows to fit on (default: all).

    Returns
    -------
    numpy.ndarray
        Coefficients in :func:`term_columns` order (``c_imb`` first).
    """
    x_all = grid[term_columns(grid)].to_numpy(dtype=np.float64)
    sel = np.ones(len(grid), dtype=bool) if rows is None else rows
    xs, ys = [], []
    for h in horizons_s:
        y = forward_mid_change_bps(grid, h, grid_s)
        keep = sel & np.isfinite(y)
        sd = float(np.std(y[keep])) if keep.sum() > 1 else 0.0
        if sd > 0.0:
            xs.append(x_all[keep] / sd)
            ys.append(y[keep] / sd)
    if not xs:
        raise ValueError("no grid rows with a usable reference to fit on")
    x, y = np.vstack(xs), np.concatenate(ys)
    xtx = x.T @ x
    pen = ridge * float(np.mean(np.diag(xtx))) * np.eye(xtx.shape[0])
    return np.linalg.solve(xtx + pen, x.T @ y)


def calibrate_fair_mid(arrays: EventArrays, params: FairMidParams | None = None,
                       horizons_s: Sequence[float] = (0.1, 1.0, 5.0), grid_s: float = 0.1,
                       ridge: float = 1e-3) -> FairMidParams:
    """Fit the reference-led fair mid's lead weights and imbalance term on recorded events.

    Parameters
    ----------
    arrays : EventArrays
        The calibration events (several venues, the reference among them).
    params : FairMidParams, optional
        Everything but the weights (reference, price kind, basis, staleness).
    horizons_s : sequence of float
        Horizons whose forecast errors the weights minimise together.
    grid_s : float
        Sampling step, seconds.
    ridge : float
        See :func:`fit_lead_weights`.

    Returns
    -------
    FairMidParams
        ``params`` with ``reference_led=True``, ``lead_weights`` and ``imbalance_bps``.
    """
    p = dataclasses.replace(params or FairMidParams(), reference_led=True)
    grid = grid_terms(fair_mid_terms(arrays, p), grid_s)
    coef = fit_lead_weights(grid, horizons_s, grid_s, ridge)
    names = [c.removeprefix("gap_") for c in term_columns(grid)[1:]]
    return dataclasses.replace(p, imbalance_bps=float(coef[0]),
                               lead_weights=tuple(zip(names, map(float, coef[1:]))))
