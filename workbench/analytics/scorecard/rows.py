"""The scorecard's tidy rows and the loss comparison every family shares.

One row compares an estimator with one baseline on one metric, horizon and split. For a
loss (squared error, QLIKE) ``diff`` is the mean loss differential ``baseline -
estimator`` (positive: the estimator is better) with its 95% Newey–West interval: a
Diebold–Mariano comparison on overlapping forecasts. For an information coefficient or
a markout, ``value`` and ``baseline_value`` carry their own HAC intervals.
"""

from __future__ import annotations

import math

import numpy as np

from workbench.analytics.hac import Z95, hac_mean, lags_for

#: Columns of the scorecard table, in order.
COLUMNS = ("family", "asset", "split", "estimator", "baseline", "metric", "horizon_s", "n",
           "value", "value_low", "value_high", "baseline_value", "baseline_low",
           "baseline_high", "diff", "diff_low", "diff_high", "better")

NAN = float("nan")


def row(family: str, asset: str, split: str, estimator: str, baseline: str, metric: str,
        horizon_s: float, n: int, value: float, baseline_value: float = NAN,
        diff: float = NAN, diff_se: float = NAN, value_ci: tuple[float, float] = (NAN, NAN),
        baseline_ci: tuple[float, float] = (NAN, NAN), better: bool | None = None) -> dict:
    """One row; ``better`` defaults to ``diff > 0``."""
    return {
        "family": family, "asset": asset, "split": split, "estimator": estimator,
        "baseline": baseline, "metric": metric, "horizon_s": float(horizon_s), "n": int(n),
        "value": float(value), "value_low": value_ci[0], "value_high": value_ci[1],
        "baseline_value": float(baseline_value), "baseline_low": baseline_ci[0],
        "baseline_high": baseline_ci[1], "diff": float(diff),
        "diff_low": diff - Z95 * diff_se if math.isfinite(diff_se) else NAN,
        "diff_high": diff + Z95 * diff_se if math.isfinite(diff_se) else NAN,
        "better": bool(diff > 0) if better is None else bool(better),
    }


def loss_row(family: str, asset: str, split: str, estimator: str, baseline: str,
             metric: str, horizon_s: float, loss: np.ndarray, base_loss: np.ndarray,
             overlap: int) -> dict:
    """A row comparing two per-sample losses (finite pairs only)."""
    keep = np.isfinite(loss) & np.isfinite(base_loss)
    le, lb = loss[keep], base_loss[keep]
    n = len(le)
    if n < 3:
        return row(family, asset, split, estimator, baseline, metric, horizon_s, n, NAN, NAN)
    diff, se = hac_mean(lb - le, lags_for(n, overlap))
    return row(family, asset, split, estimator, baseline, metric, horizon_s, n,
               float(le.mean()), float(lb.mean()), diff, se)


def mean_ci(x: np.ndarray, overlap: int) -> tuple[float, tuple[float, float]]:
    """Mean of ``x`` with its 95% HAC interval."""
    x = x[np.isfinite(x)]
    if len(x) < 3:
        return NAN, (NAN, NAN)
    m, se = hac_mean(x, lags_for(len(x), overlap))
    return m, (m - Z95 * se, m + Z95 * se)
