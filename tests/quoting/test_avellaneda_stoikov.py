"""Avellaneda–Stoikov formulas against values derived by hand, and tick placement."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.core import Instrument, InstrumentKind, ValidationError
from workbench.quoting import avellaneda_stoikov as asm

INST = Instrument(
    "test", "BTCUSDT", InstrumentKind.LINEAR_PERP, "BTC", "USDT", Decimal("0.5"), Decimal("0.001")
)


def test_reservation_price_and_spread_by_hand():
    # s=100, q=2, γ=0.1, σ=2, τ=0.5: γσ²τ = 0.2, so r = 100 - 2·0.2 = 99.6;
    # spread = 0.2 + 20·ln(16/15) = 0.2 + 1.290770422... = 1.490770422...
    assert asm.reservation_price(100.0, 2.0, 0.1, 2.0, 0.5) == pytest.approx(99.6, abs=1e-12)
    ln_16_15 = 0.06453852113757118
    assert asm.optimal_spread(0.1, 2.0, 1.5, 0.5) == pytest.approx(0.2 + 20 * ln_16_15, abs=1e-12)
    bid, ask = asm.optimal_quotes(100.0, 2.0, 0.1, 2.0, 1.5, 0.5)
    assert bid == pytest.approx(99.6 - 0.1 - 10 * ln_16_15, abs=1e-12)
    assert ask == pytest.approx(99.6 + 0.1 + 10 * ln_16_15, abs=1e-12)


def test_spread_limits():
    # γ → 0: (2/γ)ln(1+γ/k) → 2/k; at τ = 0 the spread is that term alone.
    assert asm.optimal_spread(1e-9, 1.0, 1.5, 0.0) == pytest.approx(2 / 1.5, rel=1e-8)


def test_finite_and_stationary_variants():
    args = (100.0, -3.0, 0.05, 1.5, 2.0)
    assert asm.finite_horizon_quotes(*args, now_s=10.0, end_s=40.0) == asm.optimal_quotes(
        *args, 30.0
    )
    assert asm.stationary_quotes(*args, window_s=30.0) == asm.optimal_quotes(*args, 30.0)
    assert asm.time_to_horizon_s(5.0, 5.0) == 0.0


@pytest.mark.parametrize(
    "gamma, sigma, k",
    [
        (0.0, 1.0, 1.0),
        (-1.0, 1.0, 1.0),
        (math.nan, 1.0, 1.0),
        (0.1, 0.0, 1.0),
        (0.1, math.nan, 1.0),
        (0.1, 1.0, 0.0),
        (0.1, 1.0, -2.0),
        (0.1, 1.0, math.inf),
    ],
)
def test_bad_parameters_raise(gamma, sigma, k):
    with pytest.raises(ValidationError):
        asm.optimal_quotes(100.0, 0.0, gamma, sigma, k, 1.0)


def test_past_horizon_raises():
    with pytest.raises(ValidationError, match="past"):
        asm.finite_horizon_quotes(100.0, 0.0, 0.1, 1.0, 1.5, now_s=11.0, end_s=10.0)
    with pytest.raises(ValidationError):
        asm.stationary_quotes(100.0, 0.0, 0.1, 1.0, 1.5, window_s=0.0)


def test_quotes_to_ticks_rounds_outward_and_clamps():
    # bid 100.2 -> 200 ticks (100.0), ask 100.7 -> 202 ticks (101.0)
    assert asm.quotes_to_ticks(100.2, 100.7, INST, 150, 250) == (200, 202)
    # model bid above the best ask is held one tick below it; ask unaffected
    assert asm.quotes_to_ticks(130.0, 131.0, INST, 240, 250) == (249, 262)
    # model ask below the best bid is held one tick above it
    assert asm.quotes_to_ticks(50.0, 60.0, INST, 240, 250) == (100, 241)
    with pytest.raises(ValidationError):
        asm.quotes_to_ticks(100.0, 100.0, INST, 150, 250)
    with pytest.raises(ValidationError):
        asm.quotes_to_ticks(100.0, 101.0, INST, 250, 250)


@given(
    mid=st.floats(1.0, 1e5),
    spread=st.floats(1e-6, 50.0),
    best_bid=st.integers(1, 200_000),
    book_spread=st.integers(1, 50),
)
def test_quotes_to_ticks_never_cross(mid, spread, best_bid, book_spread):
    best_ask = best_bid + book_spread
    bid, ask = asm.quotes_to_ticks(mid - spread / 2, mid + spread / 2, INST, best_bid, best_ask)
    assert ask is not None and ask > best_bid
    if bid is not None:
        assert 0 < bid < best_ask
        assert bid < ask
