"""GLFT exact solution against its asymptotic approximation and against solve_ivp.

The reference is an independent integration of the HJB in log form, ``θ_q = ln(v_q)/k``
(stiff: Radau with its analytic tridiagonal Jacobian), not the matrix exponential.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import sparse
from scipy.integrate import solve_ivp

from workbench.core import ValidationError
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


def _theta_in_tau(p: GLFTParams, taus: np.ndarray) -> np.ndarray:
    """θ at times to the horizon ``taus`` (increasing), from θ(τ=0) = 0: dθ/dτ = -rhs."""
    big_q = p.max_inventory_units
    q = np.arange(-big_q, big_q + 1, dtype=float)
    g, k, a = p.gamma, p.k_per_price, p.a_per_s
    c = a / (k + g) * (1 + g / k) ** (-k / g)
    drive = -p.drift_price_per_s * q + 0.5 * g * p.sigma_price_per_sqrt_s**2 * q**2

    def f(_t, th):
        out = -drive.copy()
        out[:-1] += c * np.exp(-k * (th[:-1] - th[1:]))
        out[1:] += c * np.exp(-k * (th[1:] - th[:-1]))
        return out

    def jac(_t, th):
        up = c * k * np.exp(-k * (th[:-1] - th[1:]))
        down = c * k * np.exp(-k * (th[1:] - th[:-1]))
        diag = np.zeros_like(th)
        diag[:-1] -= up
        diag[1:] -= down
        return sparse.diags([down, diag, up], [-1, 0, 1], format="csc")

    sol = solve_ivp(f, (0.0, taus[-1]), np.zeros(q.size), t_eval=taus, method="Radau",
                    jac=jac, rtol=1e-10, atol=1e-10)
    assert sol.success
    return sol.y.T


#: BTC scale: σ of 6-10 USD/√s, γ up to 1, |q| up to 100, the calibrated k and A.
BTC_CASES = [
    dict(sigma_price_per_sqrt_s=6.0, gamma=0.5, max_inventory_units=30),
    dict(sigma_price_per_sqrt_s=6.0, gamma=0.05, max_inventory_units=30),
    dict(sigma_price_per_sqrt_s=6.0, gamma=0.05, max_inventory_units=30, drift_price_per_s=0.5),
    dict(sigma_price_per_sqrt_s=10.0, gamma=1.0, max_inventory_units=100),
    dict(sigma_price_per_sqrt_s=5.54, gamma=2.9e-6, max_inventory_units=100),
]


@pytest.mark.parametrize("case", BTC_CASES, ids=lambda c: "-".join(f"{v:g}" for v in c.values()))
def test_exact_table_matches_the_log_space_ode_at_btc_scale(case):
    p = GLFTParams(horizon_s=60.0, **case)
    tab = glft.exact_table(p, n_times=121)  # every half second
    rows = np.searchsorted(tab.tau_s, [0.5, 2.0, 10.0, 60.0])
    theta = _theta_in_tau(p, tab.tau_s[rows])
    base = glft.base_offset_price(p.gamma, p.k_per_price)
    bid_ode = theta[:, :-1] - theta[:, 1:] + base
    assert np.all(np.isfinite(tab.bid_offset_price[:, :-1]))
    assert np.all(np.isfinite(tab.ask_offset_price[:, 1:]))
    np.testing.assert_allclose(tab.bid_offset_price[rows, :-1], bid_ode, rtol=0, atol=1e-8)
    np.testing.assert_allclose(tab.ask_offset_price[rows, 1:], 2 * base - bid_ode, rtol=0,
                               atol=1e-8)
    # the quotes move by whole USD across the inventory range: the check is not vacuous
    assert np.ptp(bid_ode[-1]) > 1.0


@pytest.mark.parametrize("sigma, gamma, big_q", list(itertools.product([0.4, 10.0], [1e-3, 1.0],
                                                                       [5, 100])))
def test_table_is_finite_and_symmetric_over_the_whole_range(sigma, gamma, big_q):
    """σ up to 10 USD/√s, γ up to 1, Q up to 100, a day's horizon: every quote finite,
    and without drift δ^b(q) = δ^a(-q) (the old linear-space table lost half of its
    entries to NaN here and its symmetry by 6.5e-3 USD)."""
    p = GLFTParams(sigma_price_per_sqrt_s=sigma, gamma=gamma, max_inventory_units=big_q)
    tab = glft.exact_table(p, n_times=145)
    bid, ask = tab.bid_offset_price[:, :-1], tab.ask_offset_price[:, 1:]
    assert np.all(np.isfinite(bid)) and np.all(np.isfinite(ask))
    np.testing.assert_allclose(bid, ask[:, ::-1], rtol=0, atol=1e-9)
    far = tab.bid_offset_price[-1, :-1]
    assert np.all(np.diff(far) > 0)  # bids retreat as inventory grows


def test_propagator_is_the_matrix_exponential_where_that_is_well_conditioned():
    from scipy.linalg import expm

    p = GLFTParams(sigma_price_per_sqrt_s=0.4, gamma=0.05, k_per_price=0.5, a_per_s=1.0,
                   max_inventory_units=6, drift_price_per_s=0.01)
    log_p = glft.log_propagator(p, 3.0)
    np.testing.assert_allclose(np.exp(log_p), expm(-3.0 * glft.generator_matrix(p)),
                               rtol=1e-9, atol=0)
    with pytest.raises(ValidationError):
        glft.log_propagator(p, -1.0)
    with pytest.raises(ValidationError):
        glft.exact_table(p, n_times=1)


def test_log_matmul_against_an_exact_log_sum_including_underflowing_entries():
    rng = np.random.default_rng(3)
    a = rng.normal(0.0, 400.0, (37, 41))
    b = rng.normal(0.0, 400.0, (41, 29))
    a[rng.random(a.shape) < 0.2] = -np.inf
    exact = np.logaddexp.reduce(a[:, :, None] + b[None, :, :], axis=1)
    np.testing.assert_allclose(glft.log_matmul(a, b), exact, rtol=1e-13, atol=1e-10)


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
