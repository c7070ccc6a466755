"""Guéant–Lehalle–Fernandez-Tapia (2013): optimal quotes with bounded inventory.

Model: mid ``dS = μ dt + σ dW``, fills at distance ``δ`` with intensity ``A·exp(-k·δ)``,
CARA risk aversion ``γ``, inventory ``q ∈ {-Q, …, Q}`` in quote units.

Exact solution. With ``α = k·γ·σ²/2``, ``β = k·μ`` and ``η = A·(1 + γ/k)^-(1 + k/γ)``,
let ``M`` be the tridiagonal matrix with ``M[q, q] = α·q² - β·q`` and ``-η`` beside the
diagonal. Then ``v(τ) = exp(-M·τ)·1`` at time ``τ = T - t`` to the horizon and

* ``δ^b(τ, q) = (1/k)·ln(v_q / v_{q+1}) + (1/γ)·ln(1 + γ/k)``  (no bid at ``q = Q``)
* ``δ^a(τ, q) = (1/k)·ln(v_q / v_{q-1}) + (1/γ)·ln(1 + γ/k)``  (no ask at ``q = -Q``)

are the distances of the bid below and the ask above the mid.

At the scale of BTC (σ of several USD/√s, ``Q`` in the tens) the entries of ``v`` span
hundreds of orders of magnitude: an eigen-decomposition computes the small ones with an
absolute error of the largest, so their logarithms come out wrong or NaN. Everything is
therefore computed in log space, on numbers that are never subtracted. ``-M`` has
non-negative entries off the diagonal, so ``N = c·I - M`` with ``c = max_q M[q, q]`` is
entrywise non-negative and ``exp(-M·h) = exp(-c·h)·exp(N·h)``: the Taylor series of
``exp(N·δ)`` on a step ``δ = h / 2^s`` with ``‖N·δ‖ ≤ 1/2``, then ``s`` squarings, are
sums of positive terms only, each kept as its logarithm (products of log-matrices
in blocks scaled to their maxima, :func:`log_matmul`). Every entry of ``exp(-M·h)``
comes out with a small *relative* error (Xue & Ye 2013 on exponentials of essentially
non-negative matrices), however small it is. The table then steps ``v`` from one grid
time to the next with that one matrix, and copies the last row once ``v`` (up to a
common factor) stops changing: far from the horizon the quotes are stationary.

Asymptotic approximation (Guéant 2017), valid far from the horizon, with
``ξ = sqrt(σ²·γ / (2·k·A) · (1 + γ/k)^(1 + k/γ))``:

* ``δ^b ≈ (1/γ)·ln(1 + γ/k) + (-μ/(γ·σ²) + (2q + 1)/2)·ξ``
* ``δ^a ≈ (1/γ)·ln(1 + γ/k) + ( μ/(γ·σ²) - (2q - 1)/2)·ξ``
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from workbench.core import ValidationError
from workbench.quoting.params import GLFTParams

#: Columns of one block of a log-space matrix product (one BLAS product each).
_BLOCK = 16
#: Where the finite log entries of a block's row and column span more than this in all,
#: the block's largest product could underflow: such entries are summed exactly.
_SAFE_SPAN = 700.0
#: Taylor terms of ``exp(N·δ)``; with ``‖N·δ‖ <= 1/2`` and the step cut into at least
#: ``20·(2Q + 1)`` pieces ``δ``, the terms left out change no entry by a relative 1e-16.
_TAYLOR_TERMS = 34
#: Successive grid rows of ``ln v`` closer than this (after removing their common
#: level) are stationary.
_STATIONARY_TOL = 1e-12


def _eta(p: GLFTParams) -> float:
    ratio = p.gamma / p.k_per_price
    return p.a_per_s * (1.0 + ratio) ** (-(1.0 + 1.0 / ratio))


def base_offset_price(gamma: float, k_per_price: float) -> float:
    """The inventory-free part ``(1/γ)·ln(1 + γ/k)`` of each quote's distance, price."""
    return math.log1p(gamma / k_per_price) / gamma


def _diagonal(p: GLFTParams) -> np.ndarray:
    q = np.arange(-p.max_inventory_units, p.max_inventory_units + 1, dtype=np.float64)
    alpha = 0.5 * p.k_per_price * p.gamma * p.sigma_price_per_sqrt_s**2
    return alpha * q**2 - p.k_per_price * p.drift_price_per_s * q


def generator_matrix(p: GLFTParams) -> np.ndarray:
    """The tridiagonal matrix ``M`` of the linear system ``v' = -M·v``, rows ``q = -Q…Q``."""
    off = np.full(2 * p.max_inventory_units, -_eta(p))
    return np.diag(_diagonal(p)) + np.diag(off, 1) + np.diag(off, -1)


def log_matmul(log_a: np.ndarray, log_b: np.ndarray) -> np.ndarray:
    """``ln(A·B)`` from ``ln A`` and ``ln B`` of non-negative matrices (``-inf`` for 0).

    The inner index is cut into blocks of :data:`_BLOCK`; within a block each row of
    ``ln A`` and each column of ``ln B`` is shifted by its largest finite entry, so the
    block is one BLAS product of numbers in ``[0, 1]`` whose largest term is at least
    ``exp(-(span_row + span_col))``, the spans of the finite entries. Where that sum of
    spans exceeds :data:`_SAFE_SPAN` the largest term could underflow: those entries are
    summed exactly in log space instead. The blocks are added on the scale of the
    largest. Nothing overflows and, since no term is subtracted, every entry keeps a
    small relative error.
    """
    parts = []
    for k0 in range(0, log_a.shape[1], _BLOCK):
        a, b = log_a[:, k0 : k0 + _BLOCK], log_b[k0 : k0 + _BLOCK]
        a_max, a_min = _finite_max_min(a, axis=1)
        b_max, b_min = _finite_max_min(b, axis=0)
        with np.errstate(divide="ignore"):
            part = np.log(np.exp(a - a_max[:, None]) @ np.exp(b - b_max[None, :]))
        part += a_max[:, None]
        part += b_max[None, :]
        rows, cols = np.nonzero((a_max - a_min)[:, None] + (b_max - b_min)[None, :]
                                > _SAFE_SPAN)
        if rows.size:
            part[rows, cols] = _log_sum(a[rows] + b[:, cols].T, axis=1)
        parts.append(part)
    return _log_sum(np.stack(parts), axis=0)


def _finite_max_min(x: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Largest and smallest finite entries along ``axis`` (0 and 0 where none is)."""
    finite = np.isfinite(x)
    hi = np.where(finite, x, -np.inf).max(axis=axis)
    lo = np.where(finite, x, np.inf).min(axis=axis)
    none = ~np.isfinite(hi)
    hi[none] = 0.0
    lo[none] = 0.0
    return hi, lo


def _log_sum(terms: np.ndarray, axis: int) -> np.ndarray:
    """``ln Σ exp(terms)`` along ``axis``; ``-inf`` where every term is."""
    top = terms.max(axis=axis, keepdims=True)
    top[~np.isfinite(top)] = 0.0
    with np.errstate(divide="ignore"):
        return np.log(np.exp(terms - top).sum(axis=axis)) + np.squeeze(top, axis=axis)


def log_propagator(p: GLFTParams, tau_s: float) -> np.ndarray:
    """``ln exp(-M·τ)`` entrywise, each entry to a small relative error (``-inf``: none).

    Parameters
    ----------
    p : GLFTParams
        Model.
    tau_s : float
        Time step ``τ``, seconds, finite and >= 0.

    Raises
    ------
    ValidationError
        If ``tau_s`` is negative or not finite.
    """
    if not (math.isfinite(tau_s) and tau_s >= 0):
        raise ValidationError(f"GLFT time step must be finite and >= 0: {tau_s!r}")
    d = _diagonal(p)
    n = d.size
    if tau_s == 0:
        out = np.full((n, n), -np.inf)
        np.fill_diagonal(out, 0.0)
        return out
    eta = _eta(p)
    shift = float(d.max())
    norm = shift - float(d.min()) + 2.0 * eta  # ‖N‖∞, N = shift·I - M >= 0
    squarings = max(math.ceil(math.log2(max(2.0 * norm * tau_s, 1.0))),
                    math.ceil(math.log2(20 * n)))
    step = tau_s / 2.0**squarings
    with np.errstate(divide="ignore"):
        log_diag = np.log((shift - d) * step)
    log_off = math.log(eta * step)
    term = np.full((n, n), -np.inf)
    np.fill_diagonal(term, 0.0)
    total = term.copy()
    for j in range(1, _TAYLOR_TERMS + 1):  # term_j = term_{j-1}·(N·δ) / j, tridiagonal
        nxt = term + log_diag[None, :]
        np.logaddexp(nxt[:, 1:], term[:, :-1] + log_off, out=nxt[:, 1:])
        np.logaddexp(nxt[:, :-1], term[:, 1:] + log_off, out=nxt[:, :-1])
        nxt -= math.log(j)
        term = nxt
        np.logaddexp(total, term, out=total)
    total -= shift * step
    for _ in range(squarings):
        total = log_matmul(total, total)
    return total


def _log_matvec(log_p: np.ndarray, log_v: np.ndarray) -> np.ndarray:
    return _log_sum(log_p + log_v[None, :], axis=1)


@dataclass(frozen=True)
class GLFTTable:
    """Exact optimal quote distances on a grid of times to the horizon.

    Attributes
    ----------
    tau_s : numpy.ndarray
        Times to the horizon ``T - t`` of the grid, increasing from 0, seconds.
    bid_offset_price : numpy.ndarray
        ``δ^b`` of shape ``(len(tau_s), 2Q + 1)``; NaN in the column ``q = Q``.
    ask_offset_price : numpy.ndarray
        ``δ^a`` of the same shape; NaN in the column ``q = -Q``.
    max_inventory_units : int
        ``Q``; column ``j`` is inventory ``q = j - Q``.
    """

    tau_s: np.ndarray
    bid_offset_price: np.ndarray
    ask_offset_price: np.ndarray
    max_inventory_units: int

    def offsets(self, q_units: float, tau_s: float) -> tuple[float, float]:
        """``(δ^b, δ^a)`` at the grid time at or just below ``tau_s`` and rounded ``q``.

        ``q`` is clipped to ``[-Q, Q]``; NaN marks a side that must not be quoted.
        """
        j = min(max(round(q_units), -self.max_inventory_units), self.max_inventory_units)
        j += self.max_inventory_units
        i = int(np.searchsorted(self.tau_s, tau_s, side="right")) - 1
        i = min(max(i, 0), self.tau_s.size - 1)
        return float(self.bid_offset_price[i, j]), float(self.ask_offset_price[i, j])


def exact_table(p: GLFTParams, n_times: int = 1441) -> GLFTTable:
    """Precompute the exact quotes on ``n_times`` evenly spaced times to the horizon.

    ``ln v`` is stepped from ``τ = 0`` with one propagator ``exp(-M·h)`` over the grid step
    ``h`` (:func:`log_propagator`); once a step leaves it unchanged up to a common level
    the remaining rows are that stationary row.

    Parameters
    ----------
    p : GLFTParams
        Model; ``p.horizon_s`` is the longest time to the horizon tabulated.
    n_times : int
        Grid size, >= 2 (1441 is one point a minute over a day).

    Returns
    -------
    GLFTTable
        Every entry finite except the unquoted sides (``q = ±Q``).

    Raises
    ------
    ValidationError
        If ``n_times < 2``.
    """
    if isinstance(n_times, bool) or not isinstance(n_times, int) or n_times < 2:
        raise ValidationError(f"n_times must be an int >= 2: {n_times!r}")
    h = p.horizon_s / (n_times - 1)
    tau_s = h * np.arange(n_times)
    log_p = log_propagator(p, h)
    log_v = np.empty((n_times, 2 * p.max_inventory_units + 1))
    log_v[0] = 0.0
    for i in range(1, n_times):
        row = _log_matvec(log_p, log_v[i - 1])
        row -= row.max()
        log_v[i] = row
        if np.max(np.abs(row - log_v[i - 1])) <= _STATIONARY_TOL * (1.0 + np.abs(row).max()):
            log_v[i + 1 :] = row
            break
    return _table_from_log_v(p, tau_s, log_v)


def log_v_exact(p: GLFTParams, tau_s: np.ndarray) -> np.ndarray:
    """``ln v(τ)`` up to an additive function of ``τ`` alone, shape ``(len(τ), 2Q + 1)``.

    Each time gets its own propagator (:func:`log_propagator`); each row is shifted so
    that its largest entry is 0.

    Raises
    ------
    ValidationError
        If a time is negative or not finite.
    """
    tau_s = np.atleast_1d(np.asarray(tau_s, dtype=np.float64))
    out = np.empty((tau_s.size, 2 * p.max_inventory_units + 1))
    for i, tau in enumerate(tau_s):
        row = _log_sum(log_propagator(p, float(tau)), axis=1)
        out[i] = row - row.max()
    return out


def _table_from_log_v(p: GLFTParams, tau_s: np.ndarray, log_v: np.ndarray) -> GLFTTable:
    base = base_offset_price(p.gamma, p.k_per_price)
    nan_col = np.full((tau_s.size, 1), np.nan)
    step = (log_v[:, :-1] - log_v[:, 1:]) / p.k_per_price  # (1/k) ln(v_q / v_{q+1})
    bid = np.hstack([step, nan_col]) + base
    ask = np.hstack([nan_col, -step]) + base
    return GLFTTable(tau_s, bid, ask, p.max_inventory_units)


def offsets_from_theta(p: GLFTParams, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Quote distances from the value function ``θ_q`` (``u = -exp(-γ(x + qS + θ_q))``).

    ``δ^b = θ_q - θ_{q+1} + (1/γ)ln(1 + γ/k)`` and ``δ^a = θ_q - θ_{q-1} + (1/γ)ln(1 + γ/k)``,
    NaN where the side is not quoted. ``theta`` has shape ``(..., 2Q + 1)``.
    """
    base = base_offset_price(p.gamma, p.k_per_price)
    theta = np.asarray(theta, dtype=np.float64)
    nan_col = np.full((*theta.shape[:-1], 1), np.nan)
    diff = theta[..., :-1] - theta[..., 1:]
    bid = np.concatenate([diff, nan_col], axis=-1) + base
    ask = np.concatenate([nan_col, -diff], axis=-1) + base
    return bid, ask


def approx_scale_price(
    gamma: float, k_per_price: float, a_per_s: float, sigma_price_per_sqrt_s: float
) -> float:
    """The inventory step ``ξ`` of the asymptotic quotes, price per quote unit."""
    ratio = gamma / k_per_price
    return math.sqrt(
        sigma_price_per_sqrt_s**2
        * gamma
        / (2.0 * k_per_price * a_per_s)
        * (1.0 + ratio) ** (1.0 + 1.0 / ratio)
    )


def approx_offsets(
    q_units: float | np.ndarray,
    gamma: float,
    k_per_price: float,
    a_per_s: float,
    sigma_price_per_sqrt_s: float,
    drift_price_per_s: float = 0.0,
) -> tuple[float | np.ndarray, float | np.ndarray]:
    """Guéant's closed-form asymptotic ``(δ^b, δ^a)``, price units, for inventory ``q``.

    Parameters
    ----------
    q_units : float or numpy.ndarray
        Inventory in quote units.
    gamma, k_per_price, a_per_s, sigma_price_per_sqrt_s : float
        Model parameters, all finite and > 0.
    drift_price_per_s : float
        Drift ``μ`` of the mid; 0 gives the driftless formulas.

    Raises
    ------
    ValidationError
        If a model parameter is not finite and positive.
    """
    for name, value in (
        ("gamma", gamma),
        ("k", k_per_price),
        ("A", a_per_s),
        ("sigma", sigma_price_per_sqrt_s),
    ):
        if not (value > 0 and math.isfinite(value)):
            raise ValidationError(f"GLFT {name} must be finite and > 0: {value!r}")
    xi = approx_scale_price(gamma, k_per_price, a_per_s, sigma_price_per_sqrt_s)
    base = base_offset_price(gamma, k_per_price)
    tilt = drift_price_per_s / (gamma * sigma_price_per_sqrt_s**2)
    bid = base + (-tilt + (2.0 * q_units + 1.0) / 2.0) * xi
    ask = base + (tilt - (2.0 * q_units - 1.0) / 2.0) * xi
    return bid, ask
