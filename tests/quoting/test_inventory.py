"""Inventory policies: monotone skew, caps, dead band, limits, ladders (property tests)."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.quoting import (
    dead_band_units,
    ladder,
    saturating_skew_price,
    side_permissions,
    spacing_ticks_from_bps,
)

finite = st.floats(-1e6, 1e6)


@given(a=finite, b=finite, half=st.floats(1e-6, 1e3), cap=st.floats(0.01, 1.0))
def test_saturating_skew_monotone_and_capped(a, b, half, cap):
    lo, hi = min(a, b), max(a, b)
    s_lo, s_hi = saturating_skew_price(lo, half, cap), saturating_skew_price(hi, half, cap)
    assert s_lo <= s_hi
    assert abs(s_hi) <= cap * half * (1 + 1e-12)


def test_saturating_skew_is_the_model_near_zero():
    assert saturating_skew_price(1e-6, 1.0, 0.5) == pytest.approx(1e-6, rel=1e-9)
    assert saturating_skew_price(1e9, 2.0, 0.5) == pytest.approx(1.0)
    assert saturating_skew_price(1.0, 0.0, 0.5) == 0.0


@given(a=finite, b=finite, target=st.floats(-100, 100), band=st.floats(0, 100))
def test_dead_band_monotone(a, b, target, band):
    lo, hi = min(a, b), max(a, b)
    assert dead_band_units(lo, target, band) <= dead_band_units(hi, target, band)
    inside = target + band / 2
    assert dead_band_units(inside, target, band) == 0.0


@given(pos=st.integers(-500, 500), long_lim=st.integers(1, 300), short_lim=st.integers(1, 300))
def test_limits_switch_to_one_side(pos, long_lim, short_lim):
    bid_ok, ask_ok = side_permissions(pos, long_lim, short_lim)
    assert bid_ok == (pos < long_lim)
    assert ask_ok == (pos > -short_lim)


@given(
    top=st.integers(1, 10_000),
    direction=st.sampled_from([-1, 1]),
    levels=st.integers(1, 10),
    spacing=st.integers(1, 20),
    size=st.integers(1, 50),
    room=st.integers(-10, 400),
)
def test_ladder_respects_room_and_spacing(top, direction, levels, spacing, size, room):
    out = ladder(top, direction, levels, spacing, size, room)
    assert sum(s for _, s in out) <= max(room, 0)
    assert len(out) <= levels
    assert all(p > 0 and s > 0 for p, s in out)
    for (p0, _), (p1, _) in itertools.pairwise(out):
        assert p1 - p0 == direction * spacing


def test_spacing_from_bps():
    assert spacing_ticks_from_bps(1.0, 60_000.0, 0.1) == 60
    assert spacing_ticks_from_bps(0.01, 100.0, 0.5) == 1
    assert math.isclose(spacing_ticks_from_bps(2.5, 2_000.0, 0.01), 50)
