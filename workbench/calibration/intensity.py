"""Fill intensity ``λ(δ) = A·exp(-k·δ)``: Poisson maximum likelihood on binned counts.

Two kinds of observation share one fitter, both Poisson with a mean that is ``A`` times a
known exposure times a function of ``k``:

* **market trades** (:func:`fit_market_intensity`): aggressive orders binned by the depth
  they reached; a quote resting at ``δ`` is filled by every order reaching ``δ`` or
  beyond, so the orders whose deepest unit lands in ``[lo, hi)`` arrive at the rate
  ``S·A·(e^{-k·lo} - e^{-k·hi})`` over ``S`` sides (``A`` per side);
* **our own fills** (:func:`fit_exposure_intensity`): time spent quoting at depth ``δ``
  (exposure ``E``, seconds) and the fills it got, ``Poisson(A·E·e^{-k·δ})``.

The likelihood is maximised in ``(ln A, k)`` by Fisher scoring with step halving; the
standard errors come from the inverse Fisher information at the maximum (the delta
method for ``A``), and a quasi-Poisson version scales them by the square root of the
Pearson dispersion where the counts are overdispersed. Goodness of fit: the deviance and
Pearson statistics on ``bins - 2`` degrees of freedom with the deviance's χ² p-value.
A log-linear regression, ``ln λ(lo) = ln A - k·lo`` on the cumulative rate of orders
reaching each bin (the textbook estimate), is reported beside it as a cross-check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from workbench.core.errors import ValidationError


@dataclass(frozen=True)
class IntensityFit:
    """``λ(δ) = A·exp(-k·δ)`` fitted by Poisson maximum likelihood.

    Attributes
    ----------
    a_per_s, k_per_price : float
        Intensity at zero depth (per side for market trades), per second, and its decay
        per unit of price.
    a_se, k_se : float
        Standard errors (inverse Fisher information at the maximum).
    a_se_quasi, k_se_quasi : float
        The same scaled by ``sqrt(max(1, dispersion))``.
    cov_log_a_k : numpy.ndarray
        2×2 covariance of ``(ln A, k)``.
    depth_price : numpy.ndarray
        Depth of each bin (lower edge for market trades, quote depth for own fills).
    counts, expected, exposure : numpy.ndarray
        Observed and fitted counts per bin, and the bin's exposure (seconds × sides).
    deviance, pearson, dispersion, p_value : float
        Goodness of fit: ``D``, Pearson χ², ``χ²/dof``, ``P(χ²_dof > D)``.
    dof : int
    converged : bool
    iterations : int
    loglinear_a_per_s, loglinear_k_per_price : float
        The log-linear regression's estimates (NaN when fewer than two bins are filled).
    kind : str
        ``"market"`` or ``"fills"``.
    """

    a_per_s: float
    k_per_price: float
    a_se: float
    k_se: float
    a_se_quasi: float
    k_se_quasi: float
    cov_log_a_k: np.ndarray
    depth_price: np.ndarray
    counts: np.ndarray
    expected: np.ndarray
    exposure: np.ndarray
    deviance: float
    pearson: float
    dispersion: float
    p_value: float
    dof: int
    converged: bool
    iterations: int
    loglinear_a_per_s: float
    loglinear_k_per_price: float
    kind: str = "market"
    width_price: float = field(default=float("nan"))

    @property
    def n_observed(self) -> int:
        """Orders (or fills) in the fitted bins."""
        return int(self.counts.sum())

    def intensity(self, depth_price: np.ndarray | float) -> np.ndarray | float:
        """``A·exp(-k·δ)``, per second (per side)."""
        return self.a_per_s * np.exp(-self.k_per_price * np.asarray(depth_price))

    def summary(self) -> dict[str, float]:
        """The figures, for a report or a parameter file's ``meta``."""
        return {"a_per_s": self.a_per_s, "a_se": self.a_se, "k_per_price": self.k_per_price,
                "k_se": self.k_se, "a_se_quasi": self.a_se_quasi,
                "k_se_quasi": self.k_se_quasi, "n_observed": self.n_observed,
                "bins": len(self.counts), "deviance": self.deviance,
                "pearson": self.pearson, "dispersion": self.dispersion,
                "p_value": self.p_value, "dof": self.dof, "converged": self.converged,
                "iterations": self.iterations,
                "loglinear_a_per_s": self.loglinear_a_per_s,
                "loglinear_k_per_price": self.loglinear_k_per_price}


def depth_bins(min_depth_price: float, max_depth_price: float,
               width_price: float) -> np.ndarray:
    """Lower edges of the bins ``[lo, lo + width)`` from ``min`` to ``max`` (inclusive).

    Raises
    ------
    ValidationError
        Unless ``width > 0`` and there are at least two bins.
    """
    if not (width_price > 0 and math.isfinite(min_depth_price)
            and max_depth_price >= min_depth_price + width_price):
        raise ValidationError("the intensity fit needs a positive bin width and at least "
                              f"two bins: [{min_depth_price}, {max_depth_price}] by "
                              f"{width_price}")
    n = math.floor((max_depth_price - min_depth_price) / width_price + 1e-9) + 1
    return min_depth_price + width_price * np.arange(n)


def fit_market_intensity(depth_price: np.ndarray, duration_s: float, *,
                         min_depth_price: float, max_depth_price: float,
                         width_price: float, sides: int = 2,
                         max_iter: int = 100) -> IntensityFit:
    """Fit ``A`` (per side) and ``k`` to the depths aggressive orders reached.

    Parameters
    ----------
    depth_price : numpy.ndarray
        Depth of each order (both sides pooled), price units; those outside the bins are
        left out.
    duration_s : float
        Time observed, seconds, > 0.
    min_depth_price, max_depth_price, width_price : float
        The bins (see :func:`depth_bins`).
    sides : int
        Sides pooled in ``depth_price`` (``A`` is per side).
    max_iter : int
        Fisher-scoring iterations before the fit is declared not converged.

    Raises
    ------
    ValidationError
        On a bad duration or bins.
    """
    if not (duration_s > 0 and math.isfinite(duration_s)):
        raise ValidationError(f"duration_s must be finite and > 0: {duration_s!r}")
    lo = depth_bins(min_depth_price, max_depth_price, width_price)
    d = np.asarray(depth_price, dtype=np.float64)
    d = d[np.isfinite(d)]
    idx = np.floor((d - min_depth_price) / width_price + 1e-9)
    idx = idx[(idx >= 0) & (idx < len(lo))].astype(np.int64)
    counts = np.bincount(idx, minlength=len(lo)).astype(np.float64)
    exposure = np.full(len(lo), float(sides) * duration_s)
    fit = _fit(counts, exposure, lo, width_price, max_iter)
    # Cross-check: the rate of orders reaching each bin's depth or beyond, per side.
    reach = (len(d) - np.searchsorted(np.sort(d), lo - 1e-9 * width_price)) / (
        sides * duration_s)
    return IntensityFit(**fit, **_loglinear(lo, reach), depth_price=lo, counts=counts,
                        exposure=exposure, kind="market", width_price=width_price)


def fit_exposure_intensity(depth_price: np.ndarray, exposure_s: np.ndarray,
                           fills: np.ndarray, max_iter: int = 100) -> IntensityFit:
    """Fit ``A`` and ``k`` to our own quotes: time quoted at each depth and fills got.

    Parameters
    ----------
    depth_price : numpy.ndarray
        Depth of each observation (a quote, or a bin of quotes), price units.
    exposure_s : numpy.ndarray
        Seconds quoted there, >= 0.
    fills : numpy.ndarray
        Fills (first fills of an order) during that time, >= 0.

    Raises
    ------
    ValidationError
        If the arrays differ in length, hold negative or non-finite values, or fewer
        than two distinct depths carry exposure.
    """
    d = np.asarray(depth_price, dtype=np.float64)
    e = np.asarray(exposure_s, dtype=np.float64)
    n = np.asarray(fills, dtype=np.float64)
    if not (d.shape == e.shape == n.shape) or d.ndim != 1:
        raise ValidationError("depth_price, exposure_s and fills must be 1-d and of one "
                              "length")
    if not (np.isfinite(d).all() and np.isfinite(e).all() and np.isfinite(n).all()):
        raise ValidationError("own-fill observations must be finite")
    if (e < 0).any() or (n < 0).any():
        raise ValidationError("exposure and fills must be >= 0")
    keep = e > 0
    if len(np.unique(d[keep])) < 2:
        raise ValidationError("own fills need exposure at two depths at least")
    d, e, n = d[keep], e[keep], n[keep]
    fit = _fit(n, e, d, None, max_iter)
    with np.errstate(divide="ignore"):
        rate = n / e
    return IntensityFit(**fit, **_loglinear(d, rate), depth_price=d, counts=n, exposure=e,
                        kind="fills")


def _shape(k: float, lo: np.ndarray, width: float | None) -> tuple[np.ndarray, np.ndarray]:
    """``(ln g(k), d ln g / dk)`` per bin: a bin ``[lo, lo + w)`` or a point ``lo``."""
    if width is None:
        return -k * lo, -lo
    # g = e^{-k lo} (1 - e^{-k w}); d ln g/dk = -lo + w e^{-k w} / (1 - e^{-k w})
    if k == 0:
        return np.full_like(lo, math.log(width)), -lo + width / 2.0
    one_minus = -math.expm1(-k * width)
    return (-k * lo + math.log(abs(one_minus)) * np.ones_like(lo),
            -lo + width * math.exp(-k * width) / one_minus)


def _fit(counts: np.ndarray, exposure: np.ndarray, x: np.ndarray, width: float | None,
         max_iter: int) -> dict:
    if np.count_nonzero(counts) < 2:
        raise ValidationError("the intensity fit needs observations in two bins at least "
                              f"(got {int(counts.sum())} in {np.count_nonzero(counts)})")
    ll = _loglinear(x, counts / exposure)
    k0 = ll["loglinear_k_per_price"]
    k = k0 if math.isfinite(k0) and k0 > 0 else 1.0 / max(float(np.ptp(x)), 1e-12)

    def loglik(theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        lg, dlg = _shape(theta[1], x, width)
        log_mu = theta[0] + np.log(exposure) + lg
        mu = np.exp(log_mu)
        return float(counts @ log_mu - mu.sum()), mu, dlg

    a0 = counts.sum() / np.exp(np.log(exposure) + _shape(k, x, width)[0]).sum()
    theta = np.array([math.log(a0), k])
    value, mu, dlg = loglik(theta)
    converged, it = False, 0
    for it in range(1, max_iter + 1):  # noqa: B007 (the count is reported)
        r = counts - mu
        grad = np.array([r.sum(), r @ dlg])
        info = np.array([[mu.sum(), mu @ dlg], [mu @ dlg, mu @ (dlg * dlg)]])
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            break
        t = 1.0
        while t > 1e-8:
            cand = theta + t * step
            cv, cmu, cdlg = loglik(cand)
            if np.isfinite(cv) and cv >= value - 1e-12 * abs(value):
                break
            t *= 0.5
        theta, value, mu, dlg = cand, cv, cmu, cdlg
        if np.max(np.abs(t * step)) < 1e-10 * max(1.0, abs(theta[1])):
            converged = True
            break
    info = np.array([[mu.sum(), mu @ dlg], [mu @ dlg, mu @ (dlg * dlg)]])
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        cov, converged = np.full((2, 2), np.nan), False
    a, k = math.exp(theta[0]), float(theta[1])
    a_se, k_se = a * math.sqrt(max(cov[0, 0], 0.0)), math.sqrt(max(cov[1, 1], 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(counts > 0, counts * np.log(counts / mu), 0.0)
    deviance = float(2.0 * np.sum(term - (counts - mu)))
    pearson = float(np.sum((counts - mu) ** 2 / mu))
    dof = len(counts) - 2
    dispersion = pearson / dof if dof > 0 else float("nan")
    scale = math.sqrt(max(1.0, dispersion)) if dof > 0 else 1.0
    p_value = float(stats.chi2.sf(deviance, dof)) if dof > 0 else float("nan")
    return {"a_per_s": a, "k_per_price": k, "a_se": a_se, "k_se": k_se,
            "a_se_quasi": a_se * scale, "k_se_quasi": k_se * scale, "cov_log_a_k": cov,
            "expected": mu, "deviance": deviance, "pearson": pearson,
            "dispersion": dispersion, "p_value": p_value, "dof": dof,
            "converged": converged and k > 0 and math.isfinite(a), "iterations": it}


def _loglinear(x: np.ndarray, rate: np.ndarray) -> dict:
    ok = np.isfinite(rate) & (rate > 0)
    if np.count_nonzero(ok) < 2 or np.ptp(x[ok]) == 0:
        return {"loglinear_a_per_s": float("nan"), "loglinear_k_per_price": float("nan")}
    slope, intercept = np.polyfit(x[ok], np.log(rate[ok]), 1)
    return {"loglinear_a_per_s": float(math.exp(intercept)),
            "loglinear_k_per_price": float(-slope)}
