"""The paper's Monte Carlo against closed-form expectations and the paper's table.

Avellaneda & Stoikov (2008), section 4, table for γ = 0.1, 0.01, 0.5 (1000 paths each):
mean/std of profit and of final inventory. The paper's figures are themselves a sample of
1000 paths and sit about 2.5% below the exact expected profit of the symmetric strategy
(checked below in closed form), so the comparison allows 5% on means of profit, 15% on
standard deviations, and four combined standard errors on the mean final inventory.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from workbench.core import ValidationError
from workbench.quoting import PaperSimParams, paper_comparison, paper_spread, simulate_as_paper

N_PATHS = 4000

# gamma: (paper spread, inventory (profit, std, q, std), symmetric (profit, std, q, std))
PAPER = {
    0.1: (1.29, (62.94, 5.89, 0.10, 2.80), (67.21, 13.43, -0.018, 8.66)),
    0.01: (1.33, (66.78, 8.76, -0.02, 4.70), (67.36, 13.40, -0.31, 8.65)),
    0.5: (1.15, (33.92, 4.72, -0.02, 1.88), (66.20, 14.53, 0.25, 9.77)),
}


def _check(summary, paper_row):
    profit, profit_std, q, q_std = paper_row
    assert summary["profit_mean"] == pytest.approx(profit, rel=0.05)
    assert summary["profit_std"] == pytest.approx(profit_std, rel=0.15)
    assert summary["final_q_std"] == pytest.approx(q_std, rel=0.15)
    se_q = math.sqrt(q_std**2 / 1000 + summary["final_q_std"] ** 2 / N_PATHS)
    assert abs(summary["final_q_mean"] - q) < 4 * se_q


@pytest.mark.parametrize("gamma", [0.1, 0.01, 0.5])
def test_paper_spread_figures(gamma):
    assert paper_spread(gamma, 1.5) == pytest.approx(PAPER[gamma][0], abs=0.005)


@pytest.mark.parametrize("gamma", [0.1, 0.01, 0.5])
def test_symmetric_strategy_against_paper(gamma):
    res = simulate_as_paper("symmetric", gamma, N_PATHS, seed=11)
    _check(res.summary(), PAPER[gamma][2])


@pytest.mark.parametrize("gamma", [0.1, 0.01])
def test_inventory_strategy_against_paper(gamma):
    res = simulate_as_paper("inventory", gamma, N_PATHS, seed=12)
    _check(res.summary(), PAPER[gamma][1])


@pytest.mark.xfail(strict=True, reason="paper's γ=0.5 inventory profit 33.92 not reproduced")
def test_inventory_strategy_gamma_half_profit():
    res = simulate_as_paper("inventory", 0.5, N_PATHS, seed=13)
    assert res.summary()["profit_mean"] == pytest.approx(33.92, rel=0.05)


def test_gamma_half_inventory_risk_matches_paper():
    s = simulate_as_paper("inventory", 0.5, N_PATHS, seed=13).summary()
    assert s["final_q_std"] == pytest.approx(1.88, rel=0.15)
    assert s["profit_std"] < 0.5 * simulate_as_paper("symmetric", 0.5, N_PATHS, 14).profit.std()


@pytest.mark.parametrize("gamma", [0.1, 0.5])
def test_symmetric_strategy_exact_moments(gamma):
    # A symmetric quote at half-spread δ fills each side w.p. p = A·e^{-kδ}·dt per step,
    # independently of the mid (a martingale), so E[profit] = 2·n·p·δ and
    # Var[q_T] = 2·n·p·(1-p).
    prm = PaperSimParams()
    delta = paper_spread(gamma, prm.k_per_price) / 2
    p = prm.a_per_s * math.exp(-prm.k_per_price * delta) * prm.dt_s
    n = prm.n_steps
    res = simulate_as_paper("symmetric", gamma, N_PATHS, seed=21)
    expected = 2 * n * p * delta
    assert abs(res.profit.mean() - expected) < 4 * res.profit.std() / math.sqrt(N_PATHS)
    q_std = math.sqrt(2 * n * p * (1 - p))
    assert res.final_q_units.std() == pytest.approx(q_std, rel=4 / math.sqrt(2 * N_PATHS))


def test_inventory_strategy_reduces_dispersion_and_reports_spreads():
    inv = simulate_as_paper("inventory", 0.1, 2000, seed=3)
    sym = simulate_as_paper("symmetric", 0.1, 2000, seed=4)
    assert inv.profit.std() < 0.6 * sym.profit.std()
    assert inv.final_q_units.std() < 0.5 * sym.final_q_units.std()
    # time average of γσ²(T - t) over the grid t = 0, dt, ..., T - dt is γσ²(T + dt)/2
    assert inv.average_spread_price == pytest.approx(
        paper_spread(0.1, 1.5) + 0.1 * 4 * (1 + 0.005) / 2, rel=1e-12
    )


def test_seeded_and_fast():
    a = simulate_as_paper("inventory", 0.1, 1000, seed=5)
    b = simulate_as_paper("inventory", 0.1, 1000, seed=5)
    np.testing.assert_array_equal(a.profit, b.profit)
    t0 = time.perf_counter()
    simulate_as_paper("inventory", 0.1, 1000, seed=6)
    assert time.perf_counter() - t0 < 1.0


def test_comparison_table_and_errors():
    table = paper_comparison(gammas=(0.1,), n_paths=200, seed=1)
    assert list(table["strategy"]) == ["inventory", "symmetric"]
    with pytest.raises(ValidationError):
        simulate_as_paper("naive", 0.1, 10, 0)
    with pytest.raises(ValidationError):
        simulate_as_paper("inventory", 0.0, 10, 0)
    with pytest.raises(ValidationError):
        simulate_as_paper("symmetric", 0.1, 10, 0, symmetric_spread_price=-1.0)
