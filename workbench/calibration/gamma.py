"""Risk aversion ``γ``: from a target inventory half-life, the limit-skew rule, or a sweep.

* **Half-life.** Around zero inventory the model's quotes move by the skew ``s(γ)`` per
  unit (GLFT: ``ξ(γ)``; Avellaneda–Stoikov: ``γσ²τ``) from the half-spread ``h(γ)``, so
  the bid fills at ``A·e^{-k(h + s q)}`` and the ask at ``A·e^{-k(h - s q)}``: the
  inventory's expected drift is ``-2·A·k·s·e^{-k h}·q`` to first order, a mean reversion
  at the rate ``κ(γ) = 2·A·k·s(γ)·e^{-k·h(γ)}`` with half-life ``ln 2 / κ``. ``γ`` is
  solved for the target half-life (larger ``γ``, faster reversion).
* **Limit skew** (the documented rule, :func:`workbench.quoting.calibration.
  gamma_for_limit_skew`): the skew at the position limit equals the half-spread.
* **Sweep**: the fast backtest over a grid of ``γ`` on the day's events, ranked by the
  Sharpe ratio of the equity's one-second changes or by a mean-variance utility
  ``PnL - ½·risk_aversion·Σ(Δequity)²``; the whole table is kept.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq, minimize_scalar

from workbench.core import Instrument, ValidationError
from workbench.quoting.glft import approx_scale_price, base_offset_price

OBJECTIVES = ("sharpe", "utility")
#: Step of the equity changes the Sharpe ratio and the utility's variance use, ns.
EQUITY_STEP_NS = 1_000_000_000


def skew_and_half_spread(model: str, gamma: float, k_per_price: float, a_per_s: float,
                         sigma_price_per_sqrt_s: float,
                         horizon_s: float = 60.0) -> tuple[float, float]:
    """``(skew per unit, half-spread at zero inventory)`` of a model, price units."""
    base = base_offset_price(gamma, k_per_price)
    if model == "glft":
        xi = approx_scale_price(gamma, k_per_price, a_per_s, sigma_price_per_sqrt_s)
        return xi, base + xi / 2.0
    if model == "as":
        s = gamma * sigma_price_per_sqrt_s**2 * horizon_s
        return s, base + s / 2.0
    raise ValidationError(f"unknown model {model!r}")


def inventory_half_life_s(model: str, gamma: float, k_per_price: float, a_per_s: float,
                          sigma_price_per_sqrt_s: float, horizon_s: float = 60.0) -> float:
    """Half-life of the inventory's mean reversion under the model's quotes, seconds."""
    return math.exp(_log_half_life_s(model, gamma, k_per_price, a_per_s,
                                     sigma_price_per_sqrt_s, horizon_s))


def _log_half_life_s(model: str, gamma: float, k_per_price: float, a_per_s: float,
                     sigma_price_per_sqrt_s: float, horizon_s: float) -> float:
    s, h = skew_and_half_spread(model, gamma, k_per_price, a_per_s, sigma_price_per_sqrt_s,
                                horizon_s)
    return math.log(math.log(2.0) / (2.0 * a_per_s * k_per_price * s)) + k_per_price * h


def gamma_for_half_life(model: str, half_life_s: float, k_per_price: float, a_per_s: float,
                        sigma_price_per_sqrt_s: float, horizon_s: float = 60.0) -> float:
    """The ``γ`` whose inventory half-life is ``half_life_s``.

    The half-life falls as ``γ`` grows (a steeper skew) until the widening half-spread
    slows the fills more than the skew speeds them; the smaller ``γ`` is returned.

    Raises
    ------
    ValidationError
        If ``half_life_s`` is not positive or shorter than the fastest reversion the
        fill rates allow.
    """
    if not (half_life_s > 0 and math.isfinite(half_life_s)):
        raise ValidationError(f"half_life_s must be finite and > 0: {half_life_s!r}")

    def gap(log_gamma: float) -> float:
        return _log_half_life_s(model, math.exp(log_gamma), k_per_price, a_per_s,
                                sigma_price_per_sqrt_s, horizon_s) - math.log(half_life_s)

    # The half-life falls as γ grows until the half-spread's growth wins: solve on the
    # falling branch, up to the γ of the fastest reversion.
    lo = math.log(1e-12)
    fastest = minimize_scalar(lambda x: gap(x), bounds=(lo, math.log(1e3)), method="bounded",
                              options={"xatol": 1e-9})
    hi = float(fastest.x)
    if gap(hi) > 0:
        raise ValidationError(f"no γ gives an inventory half-life of {half_life_s} s: the "
                              f"fastest these fill rates allow is "
                              f"{math.exp(gap(hi)) * half_life_s:.3g} s")
    return math.exp(brentq(gap, lo, hi, xtol=1e-12))


def risk_summary(result) -> dict[str, float]:
    """:meth:`FastResult.summary` plus ``sharpe`` and ``equity_var`` (Σ of squared
    one-second equity changes, quote currency²): the sweep's figures."""
    out = result.summary()
    rec = result.records
    eq = rec["equity"]
    ok = np.isfinite(eq)
    ts, eq = rec["ts_ns"][ok], eq[ok]
    if len(ts) < 3:
        return {**out, "sharpe": float("nan"), "equity_var": float("nan")}
    grid = np.arange(ts[0], ts[-1] + 1, EQUITY_STEP_NS)
    sampled = eq[np.searchsorted(ts, grid, side="right") - 1]
    d = np.diff(np.append(sampled, eq[-1]))
    sd = float(d.std(ddof=1)) if len(d) > 1 else 0.0
    sharpe = float(d.mean() / sd * math.sqrt(len(d))) if sd > 0 else 0.0
    return {**out, "sharpe": sharpe, "equity_var": float(d @ d)}


@dataclass(frozen=True)
class GammaSweep:
    """A sweep of ``γ`` on the fast path.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per ``γ``: the backtest's figures, ``sharpe``, ``equity_var``, ``utility``.
    objective : str
    best_gamma : float
        The ``γ`` with the highest objective.
    """

    table: pd.DataFrame
    objective: str
    best_gamma: float


def sweep_gamma(events: np.ndarray, instrument: Instrument, base, gammas: Sequence[float], *,
                objective: str = "sharpe", risk_aversion: float = 0.0, client=None,
                workers: int = 1) -> GammaSweep:
    """Backtest each ``γ`` on the fast path and rank them.

    Parameters
    ----------
    events : numpy.ndarray of EVENT_DTYPE
    instrument : Instrument
    base : FastParams
        Everything but ``γ`` (the calibrated ``k``, ``A`` and ``σ``).
    gammas : sequence of float
    objective : {"sharpe", "utility"}
    risk_aversion : float
        Of the utility, per quote currency.
    client : distributed.Client, optional
        Spread the grid over a Dask cluster.

    Raises
    ------
    ValidationError
        On an unknown objective or an empty grid.
    """
    from workbench.engine.fast.sweep import sweep

    if objective not in OBJECTIVES:
        raise ValidationError(f"objective must be one of {OBJECTIVES}: {objective!r}")
    table = sweep(events, instrument, base, {"gamma": list(gammas)}, workers, client=client,
                  summarise=risk_summary)
    table["utility"] = table["pnl"] - 0.5 * risk_aversion * table["equity_var"]
    score = table[objective].to_numpy(dtype=np.float64)
    best = float(table["gamma"].iloc[int(np.nanargmax(score))]) if np.isfinite(score).any() \
        else float("nan")
    return GammaSweep(table, objective, best)
