"""Guéant–Lehalle–Fernandez-Tapia (2013): optimal quotes with bounded inventory.

Model: mid ``dS = μ dt + σ dW``, fills at distance ``δ`` with intensity ``A·exp(-k·δ)``,
CARA risk aversion ``γ``, inventory ``q ∈ {-Q, …, Q}`` in quote units.

Exact solution. With ``α = k·γ·σ²/2``, ``β = k·μ`` and ``η = A·(1 + γ/k)^-(1 + k/γ)``,
let ``M`` be the tridiagonal matrix with ``M[q, q] = α·q² - β·q`` and ``-η`` beside the
diagonal. Then ``v(t) = exp(-M·(T - t))·1`` and

* ``δ^b(t, q) = (1/k)·ln(v_q / v_{q+1}) + (1/γ)·ln(1 + γ/k)``  (no bid at ``q = Q``)
* ``δ^a(t, q) = (1/k)·ln(v_q / v_{q-1}) + (1/γ)·ln(1 + γ/k)``  (no ask at ``q = -Q``)

are the distances of the bid below and the ask above the mid. ``M`` is symmetric, so one
eigen-decomposition gives ``v`` at every time of a grid for the price of a matrix product;
the common factor ``exp(-λ_min·τ)`` is taken out so that nothing overflows on long
horizons, and the quotes depend only on ratios of ``v``.

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

_ROWS_PER_BLOCK = 64


def _eta(p: GLFTParams) -> float:
    ratio = p.gamma / p.k_per_price
    return p.a_per_s * (1.0 + ratio) ** (-(1.0 + 1.0 / ratio))


def base_offset_price(gamma: float, k_per_price: float) -> float:
    """The inventory-free part ``(1/γ)·ln(1 + γ/k)`` of each quote's distance, price."""
    return math.log1p(gamma / k_per_price) / gamma


def generator_matrix(p: GLFTParams) -> np.ndarray:
    """The tridiagonal matrix ``M`` of the linear system ``v' = M·v``, rows ``q = -Q…Q``."""
    q = np.arange(-p.max_inventory_units, p.max_inventory_units + 1, dtype=np.float64)
    alpha = 0.5 * p.k_per_price * p.gamma * p.sigma_price_per_sqrt_s**2
    beta = p.k_per_price * p.drift_price_per_s
    eta = _eta(p)
    m = np.diag(alpha * q**2 - beta * q)
    off = np.full(q.size - 1, -eta)
    return m + np.diag(off, 1) + np.diag(off, -1)


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

    Parameters
    ----------
    p : GLFTParams
        Model; ``p.horizon_s`` is the longest time to the horizon tabulated.
    n_times : int
        Grid size, >= 2 (1441 is one point a minute over a day).

    Returns
    -------
    GLFTTable

    Raises
    ------
    ValidationError
        If ``n_times < 2``.
    """
    if n_times < 2:
        raise ValidationError(f"n_times must be >= 2: {n_times!r}")
    tau_s = np.linspace(0.0, p.horizon_s, n_times)
    log_v = log_v_exact(p, tau_s)
    return _table_from_log_v(p, tau_s, log_v)


def log_v_exact(p: GLFTParams, tau_s: np.ndarray) -> np.ndarray:
    """``ln v(τ)`` up to an additive function of ``τ`` alone, shape ``(len(τ), 2Q + 1)``.

    The missing term is ``-λ_min·τ``; it cancels in every quote.
    """
    lam, u = np.linalg.eigh(generator_matrix(p))
    c = u.sum(axis=0)  # U^T · 1
    weights = np.exp(-np.outer(np.asarray(tau_s, dtype=np.float64), lam - lam[0])) * c
    v_scaled = np.empty_like(weights)
    # Row blocks small enough that each product stays on one BLAS thread: a single large
    # product is multi-threaded and slows down by 10-30x when another process holds a core.
    ut = u.T
    for i in range(0, weights.shape[0], _ROWS_PER_BLOCK):
        np.matmul(weights[i : i + _ROWS_PER_BLOCK], ut, out=v_scaled[i : i + _ROWS_PER_BLOCK])
    return np.log(v_scaled)


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
