"""Implied volatility of Black-76 prices: Brent's method inside no-arbitrage bounds.

A price outside ``(intrinsic, upper bound)`` (``df·max(F-K, 0)`` to ``df·F`` for a call,
``df·max(K-F, 0)`` to ``df·K`` for a put) has no implied volatility and raises
:class:`~workbench.core.ValidationError` saying which bound it broke. Inside the bounds
the price is strictly increasing in volatility, so Brent on ``[SIGMA_MIN, SIGMA_MAX]``
always brackets the root unless the volatility is beyond that range, which is also
reported as an error.
"""

from __future__ import annotations

import math

from scipy.optimize import brentq

from workbench.core import ValidationError
from workbench.options.black76 import price

#: Volatility search interval (annualised).
SIGMA_MIN = 1e-4
SIGMA_MAX = 20.0


def implied_vol(
    option_price: float,
    forward: float,
    strike: float,
    t_years: float,
    is_call: bool,
    discount: float = 1.0,
    tol: float = 1e-12,
) -> float:
    """Annualised volatility that reproduces a linear option's price.

    Parameters
    ----------
    option_price : float
        Price in quote currency.
    forward, strike, t_years, is_call, discount
        As :func:`workbench.options.black76.price`.
    tol : float
        Absolute tolerance on the volatility.

    Raises
    ------
    ValidationError
        If an input is not finite/positive, the price breaks a no-arbitrage bound, or the
        volatility lies outside ``[SIGMA_MIN, SIGMA_MAX]``.
    """
    for name, x in (
        ("price", option_price),
        ("forward", forward),
        ("strike", strike),
        ("time to expiry", t_years),
        ("discount", discount),
    ):
        if not math.isfinite(x) or (x <= 0 and name != "price"):
            raise ValidationError(f"implied_vol: {name} must be finite and positive: {x!r}")
    intrinsic = discount * max((forward - strike) if is_call else (strike - forward), 0.0)
    upper = discount * (forward if is_call else strike)
    kind = "call" if is_call else "put"
    if option_price <= intrinsic:
        raise ValidationError(
            f"no implied volatility: {kind} price {option_price:g} <= intrinsic {intrinsic:g}"
        )
    if option_price >= upper:
        raise ValidationError(
            f"no implied volatility: {kind} price {option_price:g} >= upper bound {upper:g}"
        )

    def excess(sigma: float) -> float:
        return float(price(forward, strike, t_years, sigma, is_call, discount)) - option_price

    lo, hi = excess(SIGMA_MIN), excess(SIGMA_MAX)
    if lo > 0 or hi < 0:
        raise ValidationError(
            f"no implied volatility in [{SIGMA_MIN}, {SIGMA_MAX}] for {kind} price {option_price:g}"
        )
    if lo == 0:
        return SIGMA_MIN
    return float(brentq(excess, SIGMA_MIN, SIGMA_MAX, xtol=tol, rtol=1e-15, maxiter=200))


def implied_vol_coin(
    price_coin: float, forward: float, strike: float, t_years: float, is_call: bool
) -> float:
    """Implied volatility of a coin-margined option priced in coin (``price_coin · F``).

    Raises
    ------
    ValidationError
        As :func:`implied_vol`.
    """
    return implied_vol(price_coin * forward, forward, strike, t_years, is_call)
