"""Black-76 prices and greeks for options on a forward, linear or coin-margined.

A linear option pays ``max(F_T - K, 0)`` (call) in the quote currency; its price is
``df·(F·N(d1) - K·N(d2))`` with ``d1,2 = (ln(F/K) ± σ²T/2) / (σ√T)``. A coin-margined
(inverse, Deribit-style) option pays the same amount converted to the coin at expiry, so
its price in coin is the linear price divided by the forward: ``price_coin = price / F``.

Raw greeks (:func:`greeks`) are derivatives of the linear price: ``delta = ∂V/∂F``,
``gamma = ∂²V/∂F²``, ``vega = ∂V/∂σ`` (per 1.00 of volatility), ``theta = ∂V/∂t`` (per
year, calendar time). :func:`deribit_greeks` rescales them to Deribit's published
conventions, worked out from recorded chains (see the module's tests):

* delta: the forward delta ``∂V/∂F`` of the *USD* price, not premium-adjusted;
* gamma: ``∂²V/∂F²`` per USD;
* vega: USD per one volatility point (``vega / 100``);
* theta: USD per calendar day (``theta / 365``), for expiries beyond about a day;
  inside the last day Deribit publishes a much smaller theta than the instantaneous one
  (a different, undocumented rule), which is not reproduced here.

The recorded marks match these formulas with the snapshot's ``mark_iv`` and
``underlying_price`` once the forward is allowed to differ by up to 0.05% (the mark and
the forward in a ticker are not computed at exactly the same instant).

A holder of a coin-margined option who pays the premium in coin has a coin delta of
``delta - price_coin`` (:func:`coin_delta`). Inputs may be numpy arrays (broadcast).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import ndtr

from workbench.core import ValidationError

_INV_SQRT_2PI = 0.3989422804014327


class Greeks(NamedTuple):
    """Raw Black-76 greeks of the linear price (units in :mod:`workbench.options.black76`)."""

    delta: np.ndarray
    gamma: np.ndarray
    vega: np.ndarray
    theta: np.ndarray


class DeribitGreeks(NamedTuple):
    """Greeks in Deribit's conventions: USD delta, gamma per USD, vega per vol point,
    theta per day."""

    delta: np.ndarray
    gamma: np.ndarray
    vega: np.ndarray
    theta: np.ndarray


def _inputs(forward, strike, t_years, sigma):
    f, k, t, s = (np.asarray(x, dtype=np.float64) for x in (forward, strike, t_years, sigma))
    for name, x in (("forward", f), ("strike", k), ("time to expiry", t), ("volatility", s)):
        if not np.all(np.isfinite(x)) or np.any(x <= 0):
            raise ValidationError(f"Black-76 {name} must be finite and > 0: {x!r}")
    return f, k, t, s


def _d1_d2(f, k, t, s):
    sd = s * np.sqrt(t)
    d1 = (np.log(f / k) + 0.5 * sd * sd) / sd
    return d1, d1 - sd


def price(forward, strike, t_years, sigma, is_call, discount=1.0):
    """Black-76 price of a linear option, quote currency.

    Parameters
    ----------
    forward, strike : float or array
        Forward and strike, quote currency, > 0.
    t_years : float or array
        Time to expiry in years (ACT/365 for Deribit), > 0.
    sigma : float or array
        Annualised volatility (0.8 for 80%), > 0.
    is_call : bool or array of bool
        Call (True) or put (False).
    discount : float or array
        Discount factor to the payment date (1 for Deribit).

    Raises
    ------
    ValidationError
        If a forward, strike, time or volatility is not finite and positive.
    """
    f, k, t, s = _inputs(forward, strike, t_years, sigma)
    d1, d2 = _d1_d2(f, k, t, s)
    call = f * ndtr(d1) - k * ndtr(d2)
    put = k * ndtr(-d2) - f * ndtr(-d1)
    return discount * np.where(is_call, call, put)


def coin_price(forward, strike, t_years, sigma, is_call):
    """Price of a coin-margined option in coin: :func:`price` / forward (undiscounted)."""
    return price(forward, strike, t_years, sigma, is_call) / np.asarray(forward, dtype=np.float64)


def greeks(forward, strike, t_years, sigma, is_call, discount=1.0) -> Greeks:
    """Raw greeks of :func:`price` (delta, gamma per unit forward; vega per 1.00 vol;
    theta per year with the discount factor held as ``exp(-r·T)`` at ``r = -ln(df)/T``).

    Raises
    ------
    ValidationError
        As :func:`price`.
    """
    f, k, t, s = _inputs(forward, strike, t_years, sigma)
    d1, _ = _d1_d2(f, k, t, s)
    pdf = _INV_SQRT_2PI * np.exp(-0.5 * d1 * d1)
    sqrt_t = np.sqrt(t)
    df = np.asarray(discount, dtype=np.float64)
    delta = df * np.where(is_call, ndtr(d1), ndtr(d1) - 1.0)
    gamma = df * pdf / (f * s * sqrt_t)
    vega = df * f * pdf * sqrt_t
    rate = -np.log(df) / t
    value = price(f, k, t, s, is_call, df)
    theta = rate * value - df * f * pdf * s / (2.0 * sqrt_t)
    return Greeks(delta, gamma, vega, theta)


def deribit_greeks(forward, strike, t_years, sigma, is_call) -> DeribitGreeks:
    """Greeks as Deribit publishes them (see the module docstring for the units).

    Raises
    ------
    ValidationError
        As :func:`price`.
    """
    g = greeks(forward, strike, t_years, sigma, is_call)
    return DeribitGreeks(g.delta, g.gamma, g.vega / 100.0, g.theta / 365.0)


def coin_delta(forward, strike, t_years, sigma, is_call):
    """Coin delta of a coin-margined option bought with coin: ``delta - price_coin``."""
    g = greeks(forward, strike, t_years, sigma, is_call)
    return g.delta - coin_price(forward, strike, t_years, sigma, is_call)
