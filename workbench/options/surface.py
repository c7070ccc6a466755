"""A volatility surface fitted to a recorded option chain, moved with the underlying.

Each expiry's smile is Gatheral's raw SVI curve of the total implied variance ``w = σ² t``
in log-moneyness ``k = ln(K / F)``,

    w(k) = a + b·(ρ·(k - m) + sqrt((k - m)² + s²)),

fitted by least squares (scipy, on the volatilities) to the out-of-the-money options'
mark IVs (puts below the forward, calls above; the chain's own forward per expiry), held
flat beyond the strikes it was fitted on and floored at a small positive variance. Between
expiries the total variance is interpolated linearly in time at constant ``k``; before
the first and after the last expiry the nearest smile's implied volatility is kept.

The surface is indexed by time to expiry, so it is the same surface however much time
has passed (the smile rolls down the term structure). How it moves with the underlying
is a choice:

* ``"sticky_strike"``: a strike keeps its volatility: ``k`` is taken against the forward
  at the fit, whatever the forward is now;
* ``"sticky_delta"``: the smile moves with the forward: ``k`` is taken against the forward
  now, so an option of a given moneyness (for a fixed expiry and volatility, a given
  delta) keeps its volatility.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from workbench.core import ValidationError

DYNAMICS = ("sticky_strike", "sticky_delta")
#: Smallest total variance a smile may give (σ = 1% over a year).
MIN_TOTAL_VARIANCE = 1e-4


def svi_total_variance(params, k):
    """Raw SVI total variance ``a + b·(ρ·(k - m) + sqrt((k - m)² + s²))``."""
    a, b, rho, m, s = params
    d = np.asarray(k, dtype=np.float64) - m
    return a + b * (rho * d + np.sqrt(d * d + s * s))


def fit_svi(k: np.ndarray, iv: np.ndarray, t_years: float) -> np.ndarray:
    """Raw SVI parameters ``(a, b, ρ, m, s)`` fitted to implied volatilities ``iv`` at
    ``k`` with ``t_years`` to expiry: least squares on the volatilities (so the wings'
    large variances do not outweigh the money), ``b >= 0``, ``|ρ| < 1``, ``s > 0``."""
    k = np.asarray(k, dtype=np.float64)
    iv = np.asarray(iv, dtype=np.float64)
    w = iv * iv * t_years
    floor = MIN_TOTAL_VARIANCE * t_years

    def error(p):
        return np.sqrt(np.maximum(svi_total_variance(p, k), floor) / t_years) - iv

    span = max(float(np.ptp(k)), 1e-3)
    lo = np.array([-float(w.max()), 0.0, -0.999, k.min() - span, 1e-4])
    hi = np.array([float(w.max()), np.inf, 0.999, k.max() + span, 10.0 * span])
    best = None
    for m0, s0 in ((float(k[np.argmin(w)]), 0.1 * span), (0.0, 0.5 * span), (0.0, 0.02 * span)):
        x0 = np.clip([float(w.min()), 0.1, 0.0, m0, s0], lo, hi)
        fit = least_squares(error, x0, bounds=(lo, hi),
                            x_scale="jac", xtol=1e-14, ftol=1e-14, gtol=1e-14,
                            max_nfev=20_000)
        if best is None or fit.cost < best.cost:
            best = fit
    return best.x


@dataclass(frozen=True)
class VolSurface:
    """SVI total-variance smiles, one per expiry.

    Attributes
    ----------
    t_years : ndarray
        Time to each expiry at the fit, years, increasing.
    forwards : ndarray
        The chain's forward of each expiry at the fit.
    coeffs : ndarray, shape (n, 5)
        ``(a, b, ρ, m, s)`` of each expiry's raw SVI smile.
    k_range : ndarray, shape (n, 2)
        The log-moneyness range each smile was fitted on (flat beyond).
    """

    t_years: np.ndarray
    forwards: np.ndarray
    coeffs: np.ndarray
    k_range: np.ndarray

    @staticmethod
    def fit(chain: pd.DataFrame, min_t_years: float = 2.0 / 365.0,
            min_points: int = 5) -> VolSurface:
        """Fit the smiles of a chain (:func:`~workbench.options.chain.load_deribit_chain`).

        Expiries closer than ``min_t_years`` or with fewer than ``min_points`` usable
        out-of-the-money marks are left out.

        Raises
        ------
        ValidationError
            If no expiry can be fitted.
        """
        rows = []
        for _, g in chain.groupby("expiry_ns", sort=True):
            t = float(g["t_years"].median())
            if t < min_t_years:
                continue
            fwd = float(g["forward"].median())
            k = np.log(g["strike"].to_numpy(np.float64) / fwd)
            iv = g["mark_iv"].to_numpy(np.float64)
            otm = np.where(g["is_call"].to_numpy(bool), k >= 0, k < 0)
            ok = otm & np.isfinite(iv) & (iv > 0)
            if ok.sum() < min_points:
                continue
            rows.append((t, fwd, fit_svi(k[ok], iv[ok], t), (k[ok].min(), k[ok].max())))
        if not rows:
            raise ValidationError("no expiry of the chain has enough marks to fit a smile")
        t, f, c, r = zip(*rows)
        return VolSurface(np.array(t), np.array(f), np.array(c), np.array(r))

    @staticmethod
    def from_smiles(t_years, forwards, coeffs, k_range) -> VolSurface:
        """A surface from given smiles (for tests and what-ifs)."""
        return VolSurface(np.asarray(t_years, np.float64), np.asarray(forwards, np.float64),
                          np.asarray(coeffs, np.float64), np.asarray(k_range, np.float64))

    def _total_variance(self, i: int, k: np.ndarray) -> np.ndarray:
        lo, hi = self.k_range[i]
        w = svi_total_variance(self.coeffs[i], np.clip(k, lo, hi))
        return np.maximum(w, MIN_TOTAL_VARIANCE * self.t_years[i])

    def fit_forward(self, t_years) -> np.ndarray:
        """The forward at the fit for a time to expiry (interpolated, flat outside)."""
        return np.interp(t_years, self.t_years, self.forwards)

    def vol(self, strike, t_years, forward_now, dynamics: str = "sticky_strike",
            forward_at_fit=None) -> np.ndarray:
        """Implied volatility of ``strike`` with ``t_years`` to expiry, the forward now
        ``forward_now``.

        Parameters
        ----------
        strike, t_years, forward_now : float or array
            Positive and finite.
        dynamics : {"sticky_strike", "sticky_delta"}
        forward_at_fit : float or array, optional
            The forward of this expiry when the surface was fitted (default: the fitted
            forwards interpolated at ``t_years``); sticky-strike moneyness is taken
            against it.

        Raises
        ------
        ValidationError
            On an unknown ``dynamics`` or inputs that are not finite and positive.
        """
        if dynamics not in DYNAMICS:
            raise ValidationError(f"dynamics must be one of {DYNAMICS}, got {dynamics!r}")
        k_, t, f = (np.asarray(x, dtype=np.float64) for x in (strike, t_years, forward_now))
        for name, x in (("strike", k_), ("time to expiry", t), ("forward", f)):
            if not np.all(np.isfinite(x)) or np.any(x <= 0):
                raise ValidationError(f"surface {name} must be finite and > 0")
        if dynamics == "sticky_delta":
            ref = f
        else:
            ref = (self.fit_forward(t) if forward_at_fit is None
                   else np.asarray(forward_at_fit, dtype=np.float64))
        k, t = np.broadcast_arrays(np.log(k_ / ref), t)
        ts = self.t_years
        j = np.clip(np.searchsorted(ts, t, side="right") - 1, 0, len(ts) - 1)
        j1 = np.minimum(j + 1, len(ts) - 1)
        out = np.empty(k.shape)
        flat = k.ravel()
        tt = t.ravel()
        res = out.ravel()
        for n, (a, b) in enumerate(zip(j.ravel(), j1.ravel())):
            wa = self._total_variance(a, flat[n:n + 1])[0]
            if tt[n] <= ts[0] or tt[n] >= ts[-1] or a == b:
                res[n] = np.sqrt(wa / ts[a])  # the nearest smile's volatility
                continue
            wb = self._total_variance(b, flat[n:n + 1])[0]
            x = (tt[n] - ts[a]) / (ts[b] - ts[a])
            res[n] = np.sqrt(((1 - x) * wa + x * wb) / tt[n])
        return out if out.ndim else float(out)

    def residuals(self, chain: pd.DataFrame) -> pd.DataFrame:
        """The fit's error on every fitted mark: ``expiry_ns, strike, is_call, mark_iv,
        fitted_iv, error`` (fitted minus mark, volatility points)."""
        keep = chain["t_years"] >= 0.99 * self.t_years.min()  # rows polled a bit apart
        c = chain[keep & np.isfinite(chain["mark_iv"]) & (chain["mark_iv"] > 0)].copy()
        k = np.log(c["strike"] / c["forward"])
        c = c[np.where(c["is_call"], k >= 0, k < 0)]
        c["fitted_iv"] = self.vol(c["strike"].to_numpy(), c["t_years"].to_numpy(),
                                  c["forward"].to_numpy(), "sticky_delta")
        c["error"] = (c["fitted_iv"] - c["mark_iv"]) * 100.0
        return c[["expiry_ns", "strike", "is_call", "mark_iv", "fitted_iv", "error"]]
