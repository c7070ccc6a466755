"""Black-76 against QuantLib; implied volatility round trips and error cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.core import ValidationError
from workbench.options import black76, implied_vol, implied_vol_coin

CASES = [  # forward, strike, t_years, sigma, is_call, discount
    (9352.58, 9250.0, 0.0222, 0.7687, False, 1.0),
    (9352.41, 12000.0, 0.0222, 1.1249, True, 1.0),
    (100.0, 80.0, 2.0, 0.25, True, 0.95),
    (100.0, 130.0, 0.5, 0.6, False, 0.99),
    (50_000.0, 50_000.0, 1 / 365, 0.5, True, 1.0),
]


@pytest.mark.parametrize("f, k, t, s, call, df", CASES)
def test_against_quantlib(f, k, t, s, call, df):
    ql = pytest.importorskip("QuantLib")
    opt = ql.Option.Call if call else ql.Option.Put
    calc = ql.BlackCalculator(ql.PlainVanillaPayoff(opt, k), f, s * math.sqrt(t), df)
    assert black76.price(f, k, t, s, call, df) == pytest.approx(calc.value(), rel=1e-10)
    g = black76.greeks(f, k, t, s, call, df)
    assert g.delta == pytest.approx(calc.deltaForward(), rel=1e-9)
    assert g.gamma == pytest.approx(calc.gammaForward(), rel=1e-9)
    assert g.vega == pytest.approx(calc.vega(t), rel=1e-9)
    if df == 1.0:  # QuantLib's theta(spot, T) with spot = forward and no rates
        assert g.theta == pytest.approx(calc.theta(f, t), rel=1e-9)


def test_theta_with_discounting_by_finite_difference():
    f, k, t, s, df = 100.0, 90.0, 1.0, 0.3, 0.97
    r = -math.log(df)
    h = 1e-5

    def v(tt):
        return float(black76.price(f, k, tt, s, True, math.exp(-r * tt)))

    theta_fd = -(v(t + h) - v(t - h)) / (2 * h)
    assert black76.greeks(f, k, t, s, True, df).theta == pytest.approx(theta_fd, rel=1e-6)


def test_put_call_parity_and_coin_price():
    f, k, t, s = 9000.0, 10_000.0, 0.1, 0.8
    c, p = black76.price(f, k, t, s, True), black76.price(f, k, t, s, False)
    assert c - p == pytest.approx(f - k, abs=1e-9)
    assert black76.coin_price(f, k, t, s, True) == pytest.approx(c / f)
    h = 1e-3  # coin delta = d(V/F)/dF · F = delta - V/F
    d = (black76.coin_price(f + h, k, t, s, True) - black76.coin_price(f - h, k, t, s, True)) / (
        2 * h
    )
    assert black76.coin_delta(f, k, t, s, True) == pytest.approx(d * f, rel=1e-6)


@pytest.mark.parametrize("f, k, t, s, call, df", CASES)
def test_implied_vol_round_trip(f, k, t, s, call, df):
    price = float(black76.price(f, k, t, s, call, df))
    assert implied_vol(price, f, k, t, call, df) == pytest.approx(s, abs=1e-9)
    assert implied_vol_coin(price / f, f, k, t, call) == pytest.approx(
        implied_vol(price, f, k, t, call), abs=1e-9
    )


def test_implied_vol_errors():
    with pytest.raises(ValidationError, match="intrinsic"):
        implied_vol(9.0, 110.0, 100.0, 1.0, True)
    with pytest.raises(ValidationError, match="upper bound"):
        implied_vol(101.0, 100.0, 100.0, 1.0, False)
    with pytest.raises(ValidationError):
        implied_vol(5.0, 100.0, 100.0, 0.0, True)
    with pytest.raises(ValidationError, match=r"no implied volatility in"):
        implied_vol(1e-10, 100.0, 100.0, 1.0, True)  # needs σ < SIGMA_MIN


@pytest.mark.parametrize("bad", [0.0, -0.1, math.nan])
def test_zero_or_bad_vol_raises(bad):
    with pytest.raises(ValidationError):
        black76.price(100.0, 100.0, 1.0, bad, True)
    with pytest.raises(ValidationError):
        black76.greeks(np.array([100.0]), 100.0, 1.0, bad, True)
