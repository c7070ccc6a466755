"""Avellaneda–Stoikov (2008): reservation price, optimal spread, quotes in ticks.

With mid ``s``, inventory ``q`` (quote units), risk aversion ``γ``, volatility ``σ``
(price per √s), fill intensity ``A·exp(-k·δ)`` and time to the horizon ``τ = T - t``:

* reservation price ``r = s - q·γ·σ²·τ``
* optimal total spread ``γ·σ²·τ + (2/γ)·ln(1 + γ/k)``, centred on ``r``.

The finite-horizon variant takes ``τ`` from the clock and a fixed end time. The
stationary variant, for markets that never close, uses a constant rolling window
``τ = horizon_s`` at every instant. Everything here is a pure function on floats, except
:func:`quotes_to_ticks` which puts a pair of prices on an instrument's tick grid.
"""

from __future__ import annotations

import math

from workbench.core import Instrument, ValidationError


def _check_model(gamma: float, sigma_price_per_sqrt_s: float, k_per_price: float) -> None:
    for name, value in (("gamma", gamma), ("sigma", sigma_price_per_sqrt_s), ("k", k_per_price)):
        if not (value > 0 and math.isfinite(value)):
            raise ValidationError(f"Avellaneda–Stoikov {name} must be finite and > 0: {value!r}")


def time_to_horizon_s(now_s: float, end_s: float) -> float:
    """Time left ``T - t`` of a finite horizon, seconds.

    Raises
    ------
    ValidationError
        If the horizon is already past (``now_s > end_s``) or a time is not finite.
    """
    if not (math.isfinite(now_s) and math.isfinite(end_s)):
        raise ValidationError(f"times must be finite: now={now_s!r}, end={end_s!r}")
    if now_s > end_s:
        raise ValidationError(f"horizon already past: now {now_s} s > end {end_s} s")
    return end_s - now_s


def reservation_price(
    mid_price: float,
    q_units: float,
    gamma: float,
    sigma_price_per_sqrt_s: float,
    tau_s: float,
) -> float:
    """Indifference price ``r = s - q·γ·σ²·τ``.

    Parameters
    ----------
    mid_price : float
        Mid price ``s``.
    q_units : float
        Inventory in quote units (positive long).
    gamma : float
        Risk aversion, > 0.
    sigma_price_per_sqrt_s : float
        Volatility, price per √s, > 0.
    tau_s : float
        Time to the horizon, >= 0.

    Raises
    ------
    ValidationError
        If ``gamma`` or ``sigma`` is not finite and positive, or ``tau_s < 0``.
    """
    _check_model(gamma, sigma_price_per_sqrt_s, 1.0)
    if not tau_s >= 0:
        raise ValidationError(f"time to horizon must be >= 0: {tau_s!r}")
    return mid_price - q_units * gamma * sigma_price_per_sqrt_s**2 * tau_s


def optimal_spread(
    gamma: float, sigma_price_per_sqrt_s: float, k_per_price: float, tau_s: float
) -> float:
    """Optimal total spread ``γ·σ²·τ + (2/γ)·ln(1 + γ/k)``, in price units.

    Raises
    ------
    ValidationError
        If ``gamma``, ``sigma`` or ``k`` is not finite and positive, or ``tau_s < 0``.
    """
    _check_model(gamma, sigma_price_per_sqrt_s, k_per_price)
    if not tau_s >= 0:
        raise ValidationError(f"time to horizon must be >= 0: {tau_s!r}")
    return gamma * sigma_price_per_sqrt_s**2 * tau_s + 2.0 / gamma * math.log1p(gamma / k_per_price)


def optimal_quotes(
    mid_price: float,
    q_units: float,
    gamma: float,
    sigma_price_per_sqrt_s: float,
    k_per_price: float,
    tau_s: float,
) -> tuple[float, float]:
    """Bid and ask prices ``r ∓ spread/2`` for time to horizon ``tau_s``.

    Returns
    -------
    (bid_price, ask_price) : tuple of float

    Raises
    ------
    ValidationError
        As :func:`optimal_spread`.
    """
    half = 0.5 * optimal_spread(gamma, sigma_price_per_sqrt_s, k_per_price, tau_s)
    r = reservation_price(mid_price, q_units, gamma, sigma_price_per_sqrt_s, tau_s)
    return r - half, r + half


def finite_horizon_quotes(
    mid_price: float,
    q_units: float,
    gamma: float,
    sigma_price_per_sqrt_s: float,
    k_per_price: float,
    now_s: float,
    end_s: float,
) -> tuple[float, float]:
    """Quotes of the finite-horizon model at time ``now_s`` for a session ending ``end_s``.

    Raises
    ------
    ValidationError
        If the horizon is past, or a model parameter is invalid.
    """
    tau_s = time_to_horizon_s(now_s, end_s)
    return optimal_quotes(mid_price, q_units, gamma, sigma_price_per_sqrt_s, k_per_price, tau_s)


def stationary_quotes(
    mid_price: float,
    q_units: float,
    gamma: float,
    sigma_price_per_sqrt_s: float,
    k_per_price: float,
    window_s: float,
) -> tuple[float, float]:
    """Quotes of the stationary variant: ``T - t`` is a constant rolling ``window_s``.

    Raises
    ------
    ValidationError
        If ``window_s`` is not finite and positive, or a model parameter is invalid.
    """
    if not (window_s > 0 and math.isfinite(window_s)):
        raise ValidationError(f"rolling window must be finite and > 0: {window_s!r}")
    return optimal_quotes(mid_price, q_units, gamma, sigma_price_per_sqrt_s, k_per_price, window_s)


def quotes_to_ticks(
    bid_price: float,
    ask_price: float,
    instrument: Instrument,
    best_bid_ticks: int,
    best_ask_ticks: int,
) -> tuple[int | None, int | None]:
    """Put model quotes on the tick grid without crossing the book or each other.

    The bid is rounded down and the ask up (never tighter than the model), then the bid
    is held strictly below the best ask and the ask strictly above the best bid, so
    neither quote would take liquidity. The result always has ``bid < ask``.

    Parameters
    ----------
    bid_price, ask_price : float
        Model quotes, ``bid_price < ask_price``.
    instrument : Instrument
        Gives the tick grid.
    best_bid_ticks, best_ask_ticks : int
        Current best bid and ask in ticks; ``best_bid_ticks < best_ask_ticks``.

    Returns
    -------
    (bid_ticks, ask_ticks) : tuple of int or None
        ``None`` for a side that has no positive price on the grid.

    Raises
    ------
    ValidationError
        If a price is not finite, ``bid_price >= ask_price``, or the book is crossed.
    """
    if not bid_price < ask_price:
        raise ValidationError(f"bid {bid_price!r} must be below ask {ask_price!r}")
    if best_bid_ticks >= best_ask_ticks:
        raise ValidationError(f"book is crossed or locked: {best_bid_ticks} >= {best_ask_ticks}")
    bid_grid, ask_grid = instrument.round_quotes(bid_price, ask_price)
    return clamp_quote_ticks(bid_grid, ask_grid, best_bid_ticks, best_ask_ticks)


def clamp_quote_ticks(
    bid_ticks: int, ask_ticks: int, best_bid_ticks: int, best_ask_ticks: int
) -> tuple[int | None, int | None]:
    """Quotes already on the grid, held off the book and apart as :func:`quotes_to_ticks`
    holds them: the bid below the best ask, the ask above the best bid and the bid, and
    ``None`` for a side with no positive price. The caller has checked
    ``best_bid_ticks < best_ask_ticks``.
    """
    bid_ticks = min(bid_ticks, best_ask_ticks - 1)
    ask_ticks = max(ask_ticks, best_bid_ticks + 1)
    if ask_ticks <= bid_ticks:  # only reachable through grid-snapping of near-tick prices
        ask_ticks = bid_ticks + 1
    return (bid_ticks if bid_ticks > 0 else None), (ask_ticks if ask_ticks > 0 else None)
