"""Inference on overlapping samples: Newey–West (HAC) errors, predictive regressions, IC.

Forward returns over a horizon ``h`` sampled every ``s < h`` overlap, so consecutive
errors are correlated over about ``h / s`` samples and plain OLS standard errors are too
small by about ``sqrt(h / s)``. Every interval here uses the Newey & West (1987)
estimator of the long-run variance with a Bartlett kernel,

    S = G_0 + sum_{l=1}^{L} (1 - l / (L + 1)) (G_l + G_l'),   G_l = sum_t u_t u_{t-l}' / n,

with ``L`` at least the overlap (``lags_for``), so the intervals hold on overlapping
forward returns. The information coefficient's interval comes from the HAC regression
of the standardised variables (for the Pearson IC) or their ranks (Spearman), whose
slope is the correlation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: Two-sided normal quantile of a 95% interval.
Z95 = float(stats.norm.ppf(0.975))


def lags_for(n: int, overlap: int = 1) -> int:
    """Bartlett lags for ``n`` samples whose errors overlap ``overlap`` samples.

    The larger of the overlap and the Newey–West (1994) plug-in ``4 (n / 100)^(2/9)``.
    """
    return max(int(overlap), math.floor(4.0 * (max(n, 1) / 100.0) ** (2.0 / 9.0)))


def long_run_covariance(u: np.ndarray, lags: int) -> np.ndarray:
    """Newey–West long-run covariance of the rows of ``u`` (n × k, already centred
    or scores), Bartlett weights, divided by ``n``.

    Parameters
    ----------
    u : numpy.ndarray
        Shape ``(n,)`` or ``(n, k)``.
    lags : int
        Bartlett lags ``L >= 0``.

    Returns
    -------
    numpy.ndarray
        ``(k, k)`` matrix (``(1, 1)`` for a vector).
    """
    u = np.asarray(u, dtype=np.float64)
    if u.ndim == 1:
        u = u[:, None]
    n = len(u)
    s = u.T @ u / n
    for lag in range(1, min(lags, n - 1) + 1):
        g = u[lag:].T @ u[:-lag] / n
        s += (1.0 - lag / (lags + 1.0)) * (g + g.T)
    return s


@dataclass(frozen=True)
class HacFit:
    """An OLS fit with Newey–West standard errors.

    Attributes
    ----------
    params, se : numpy.ndarray
        Coefficients (intercept first when fitted) and their HAC standard errors.
    n, lags : int
        Observations and Bartlett lags.
    r2 : float
    """

    params: np.ndarray
    se: np.ndarray
    n: int
    lags: int
    r2: float

    @property
    def t_stats(self) -> np.ndarray:
        """Coefficients over their HAC standard errors."""
        return self.params / self.se

    def interval(self, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
        """``(low, high)`` of each coefficient at the normal quantile ``z``."""
        return self.params - z * self.se, self.params + z * self.se


def hac_ols(y: np.ndarray, x: np.ndarray, lags: int, intercept: bool = True) -> HacFit:
    """OLS of ``y`` on ``x`` with Newey–West (Bartlett) covariance.

    The covariance is ``(X'X)^-1 (n S) (X'X)^-1`` with ``S`` the long-run covariance of
    the scores ``x_t u_t`` (no small-sample scaling), as statsmodels'
    ``cov_type="HAC"`` with ``use_correction=False``.

    Parameters
    ----------
    y : numpy.ndarray, shape (n,)
    x : numpy.ndarray, shape (n,) or (n, k)
    lags : int
        Bartlett lags (see :func:`lags_for`).
    intercept : bool
        Add a constant column first.

    Raises
    ------
    ValueError
        With fewer observations than coefficients plus one, or non-finite input.
    """
    y = np.asarray(y, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if intercept:
        x = np.column_stack([np.ones(len(y)), x])
    n, k = x.shape
    if n != len(y) or n <= k:
        raise ValueError(f"need more observations ({n}) than coefficients ({k})")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(x))):
        raise ValueError("y and x must be finite")
    xtx_inv = np.linalg.pinv(x.T @ x)
    beta = xtx_inv @ (x.T @ y)
    u = y - x @ beta
    s = long_run_covariance(x * u[:, None], lags)
    cov = xtx_inv @ (n * s) @ xtx_inv
    yc = y - y.mean() if intercept else y
    tss = float(yc @ yc)
    r2 = 1.0 - float(u @ u) / tss if tss > 0 else float("nan")
    return HacFit(beta, np.sqrt(np.maximum(np.diag(cov), 0.0)), n, lags, r2)


def hac_mean(x: np.ndarray, lags: int) -> tuple[float, float]:
    """Mean of ``x`` and its Newey–West standard error (a Diebold–Mariano statistic's
    parts when ``x`` is a loss differential)."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    if n < 2:
        return float("nan"), float("nan")
    m = float(x.mean())
    s = float(long_run_covariance(x - m, lags)[0, 0])
    return m, math.sqrt(max(s, 0.0) / n)


@dataclass(frozen=True)
class IcResult:
    """An information coefficient with its HAC interval."""

    ic: float
    low: float
    high: float
    n: int

    @property
    def t_stat(self) -> float:
        """IC over its HAC standard error."""
        se = (self.high - self.low) / (2.0 * Z95)
        return self.ic / se if se > 0 else float("nan")


def information_coefficient(signal: np.ndarray, forward: np.ndarray, lags: int,
                            method: str = "spearman", z: float = Z95) -> IcResult:
    """Correlation of a signal with forward returns and its HAC interval.

    The slope of the HAC regression of the standardised forward return on the
    standardised signal (ranks first for ``"spearman"``) is the correlation; its
    Newey–West standard error gives the interval, which is clipped to [-1, 1].

    Parameters
    ----------
    signal, forward : numpy.ndarray
        Paired samples; pairs with a non-finite member are dropped.
    lags : int
        Bartlett lags (at least the forward horizon over the sampling step).
    method : {"spearman", "pearson"}
    z : float
        Normal quantile of the interval (1.96: 95%).

    Raises
    ------
    ValueError
        On an unknown method.
    """
    if method not in ("spearman", "pearson"):
        raise ValueError("method must be 'spearman' or 'pearson'")
    x = np.asarray(signal, dtype=np.float64)
    y = np.asarray(forward, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = len(x)
    if n < 3 or np.ptp(x) == 0.0 or np.ptp(y) == 0.0:
        return IcResult(float("nan"), float("nan"), float("nan"), n)
    if method == "spearman":
        x, y = stats.rankdata(x), stats.rankdata(y)
    x = (x - x.mean()) / x.std()
    y = (y - y.mean()) / y.std()
    fit = hac_ols(y, x, lags, intercept=False)
    ic, se = float(fit.params[0]), float(fit.se[0])
    return IcResult(ic, max(ic - z * se, -1.0), min(ic + z * se, 1.0), n)
