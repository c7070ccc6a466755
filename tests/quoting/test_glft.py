"""GLFT exact solution against its asymptotic approximation and against solve_ivp."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from workbench.quoting import GLFTParams, glft


def _theta_rhs(p: GLFTParams):
    """HJB ODE of θ_q (u = -exp(-γ(x + qS + θ_q))), derived independently of the v-form:
    θ' = -μq + γσ²q²/2 - C·e^{-k(θ_q - θ_{q+1})}·1{q<Q} - C·e^{-k(θ_q - θ_{q-1})}·1{q>-Q},
    with C = A/(k+γ)·(1+γ/k)^{-k/γ}, the Hamiltonian of exponential intensities."""
    big_q = p.max_inventory_units
    q = np.arange(-big_q, big_q + 1, dtype=float)
    g, k, a = p.gamma, p.k_per_price, p.a_per_s
    c = a / (k + g) * (1 + g / k) ** (-k / g)

    def rhs(_t, th):
        out = -p.drift_price_per_s * q + 0.5 * g * p.sigma_price_per_sqrt_s**2 * q**2
        out[:-1] -= c * np.exp(-k * (th[:-1] - th[1:]))
        out[1:] -= c * np.exp(-k * (th[1:] - th[:-1]))
        return out

    return rhs


@pytest.mark.parametrize("drift", [0.0, 0.004])
def test_exact_matches_ode_integration(drift):
    p = GLFTParams(
        gamma=0.05,
        k_per_price=0.5,
        a_per_s=1.0,
        sigma_price_per_sqrt_s=0.4,
        max_inventory_units=6,
        horizon_s=60.0,
        drift_price_per_s=drift,
    )
    times = np.array([0.0, 5.0, 20.0, 45.0, 59.0])  # calendar times t; horizon T = 60
    sol = solve_ivp(
        _theta_rhs(p),
        (p.horizon_s, 0.0),
        np.zeros(13),
        t_eval=times[::-1],
        method="Radau",
        rtol=1e-10,
        atol=1e-12,
    )
    assert sol.success
    bid_ode, ask_ode = glft.offsets_from_theta(p, sol.y.T[::-1])
    table_tau = p.horizon_s - times
    log_v = glft.log_v_exact(p, table_tau)
    bid_ex = (log_v[:, :-1] - log_v[:, 1:]) / p.k_per_price + glft.base_offset_price(0.05, 0.5)
    np.testing.assert_allclose(bid_ex, bid_ode[:, :-1], atol=1e-7)
    for t, row_b, row_a in zip(table_tau, bid_ode, ask_ode, strict=True):
        tab = glft.GLFTTable(np.array([t]), row_b[None], row_a[None], 6)
        assert tab.offsets(0, t) == pytest.approx((row_b[6], row_a[6]))
    exact = glft.exact_table(p, n_times=61)
    for t, row_b, row_a in zip(table_tau, bid_ode, ask_ode, strict=True):
        i = int(np.searchsorted(exact.tau_s, t - 1e-9))
        np.testing.assert_allclose(exact.bid_offset_price[i], row_b, atol=1e-7)
        np.testing.assert_allclose(exact.ask_offset_price[i], row_a, atol=1e-7)


def test_at_the_horizon_quotes_are_the_base_offset():
    p = GLFTParams(max_inventory_units=4)
    tab = glft.exact_table(p, n_times=3)
    base = glft.base_offset_price(p.gamma, p.k_per_price)
    np.testing.assert_allclose(tab.bid_offset_price[0, :-1], base, atol=1e-12)
    assert np.isnan(tab.bid_offset_price[0, -1]) and np.isnan(tab.ask_offset_price[0, 0])


@pytest.mark.parametrize("drift", [0.0, 2e-4, -3e-4])
def test_exact_tends_to_the_approximation_far_from_the_horizon(drift):
    # Guéant's approximation replaces the discrete ergodic eigenvector by a Gaussian;
    # it is accurate when ξ is small and |q| is far from the bound Q.
    p = GLFTParams(
        gamma=0.01,
        k_per_price=0.3,
        a_per_s=0.9,
        sigma_price_per_sqrt_s=0.3,
        max_inventory_units=50,
        horizon_s=86_400.0,
        drift_price_per_s=drift,
    )
    tab = glft.exact_table(p)
    q = np.arange(-15, 16)
    xi = glft.approx_scale_price(p.gamma, p.k_per_price, p.a_per_s, p.sigma_price_per_sqrt_s)
    bid_ap, ask_ap = glft.approx_offsets(
        q, p.gamma, p.k_per_price, p.a_per_s, p.sigma_price_per_sqrt_s, drift
    )
    far = np.array([tab.offsets(x, p.horizon_s) for x in q])
    assert np.max(np.abs(far[:, 0] - bid_ap)) < 0.05 * xi
    assert np.max(np.abs(far[:, 1] - ask_ap)) < 0.05 * xi
    # and the exact quotes are still far from it close to the horizon
    near = np.array([tab.offsets(x, 60.0) for x in q])
    assert np.max(np.abs(near[:, 0] - bid_ap)) > 0.5 * xi
    # skew is monotone in inventory: bids retreat and asks approach as q grows
    assert np.all(np.diff(far[:, 0]) > 0) and np.all(np.diff(far[:, 1]) < 0)
