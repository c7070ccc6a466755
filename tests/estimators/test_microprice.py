"""Microprice against its closed form; Stoikov micro-price properties on real quotes."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.core.events import EventKind
from workbench.estimators import fit_stoikov, microprice_ticks, mid_ticks


def test_microprice_closed_form():
    # bid 100 x 3, ask 101 x 1: the thin ask pulls it up to 100 + 3/4
    assert microprice_ticks(100, 3, 101, 1) == pytest.approx(100.75, rel=1e-15)
    assert microprice_ticks(100, 5, 102, 5) == mid_ticks(100, 102) == 101.0
    rng = np.random.default_rng(3)
    b = rng.integers(1000, 2000, 100)
    a = b + rng.integers(1, 5, 100)
    qb, qa = rng.integers(1, 100, 100), rng.integers(1, 100, 100)
    imb = qb / (qb + qa)
    np.testing.assert_allclose(microprice_ticks(b, qb, a, qa), imb * a + (1 - imb) * b,
                               rtol=1e-14)


def test_stoikov_micro_price_is_antisymmetric_and_leans_with_imbalance(btc_arrays):
    i = btc_arrays.streams.names.index("binance-usdm")
    k = np.flatnonzero((btc_arrays.kind == EventKind.BBO) & (btc_arrays.stream == i))
    b, qb = btc_arrays.bid_ticks[k], btc_arrays.bid_lots[k]
    a, qa = btc_arrays.ask_ticks[k], btc_arrays.ask_lots[k]
    table = fit_stoikov(b, qb, a, qa, n_buckets=6, n_spreads=1)
    g = table.adjust_ticks[0]
    np.testing.assert_allclose(g, -g[::-1], atol=1e-9)
    assert g[-1] > 0.0 > g[0]
    assert np.all(np.abs(g) <= 2.0)  # an expected drift of at most a couple of ticks
    price = table.price_ticks(b[:100], qb[:100], a[:100], qa[:100])
    half = (a[:100] - b[:100]) / 2
    cell = g[np.minimum((qb[:100] / (qb[:100] + qa[:100]) * 6).astype(int), 5)]
    np.testing.assert_allclose(price - (b[:100] + a[:100]) / 2, np.clip(cell, -half, half))
    # USD-M's one-tick touch: the extreme buckets expect more than half a tick of drift,
    # beyond the touch; the premise fails there and the table says so
    assert not table.premise_holds and table.beyond_touch[0, [0, -1]].all()


def test_stoikov_is_clamped_inside_the_spread_and_flags_its_premise(btc_arrays):
    from workbench.estimators import StoikovTable

    wild = StoikovTable(np.array([[-0.9, -0.2, 0.2, 0.9], [-0.5, 0.0, 0.0, 1.5]]))
    assert not wild.premise_holds
    assert wild.beyond_touch.tolist() == [[True, False, False, True],
                                          [False, False, False, True]]
    assert wild.price_ticks(100, 1, 101, 9) == 100.0  # g = -0.9 on a 1-tick spread: the bid
    assert wild.price_ticks(100, 9, 101, 1) == 101.0
    assert wild.price_ticks(100, 9, 102, 1) == 102.0  # 101 + 1.5 beyond the ask
    assert wild.price_ticks(100, 4, 101, 6) == pytest.approx(100.3)  # inside: unchanged
    tame = StoikovTable(np.array([[-0.3, 0.3]]))
    assert tame.premise_holds
    i = btc_arrays.streams.names.index("binance-usdm")
    k = np.flatnonzero((btc_arrays.kind == EventKind.BBO) & (btc_arrays.stream == i))
    b, qb = btc_arrays.bid_ticks[k], btc_arrays.bid_lots[k]
    a, qa = btc_arrays.ask_ticks[k], btc_arrays.ask_lots[k]
    table = fit_stoikov(b, qb, a, qa, n_buckets=10, n_spreads=1)
    price = table.price_ticks(b, qb, a, qa)
    assert np.all((price >= b) & (price <= a))
