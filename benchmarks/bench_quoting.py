"""Quoting benchmarks, each a ratio to the bare version of the same work, interleaved.

* ``quote_decision_vs_bare_formula``: one ToxicGuard update plus maker.quote (AS model,
  capped skew, 5-level ladder a side), median ns per call over a round of calls, against
  the Avellaneda-Stoikov closed form (reservation price and spread, two roundings) in
  plain Python on the same inputs;
* ``glft_exact_vs_bare_matvec``: the exact GLFT table for |q| <= 50 over a 1-day horizon
  (one point a minute) against the plainest way to step a (2Q+1)-state system over the
  same grid: 1440 numpy matrix-vector products;
* ``as_paper_simulation_vs_bare_walk``: the paper's Monte Carlo, 1000 paths x 200 steps,
  against drawing the same paths' normal increments and fill uniforms with numpy.

Runs alternate (:mod:`interleave`), five pairs at least, median of per-pair ratios.
"""

from __future__ import annotations

import math
import statistics
import time
from decimal import Decimal

import numpy as np
from interleave import Figure, interleave, report_pairs, wall

from workbench.core import Instrument, InstrumentKind
from workbench.estimators.signals import Signals
from workbench.quoting import ASParams, GLFTParams, InventoryParams, LadderParams
from workbench.quoting.glft import exact_table
from workbench.quoting.simulation import simulate_as_paper
from workbench.strategies import MakerParams, TopOfBook, ToxicGuard, quote

FIGURES = {
    "quote": Figure("quote_decision_vs_bare_formula", "the AS closed form in plain Python "
                    "on the same inputs, per call (median)", "<=", 25.0),
    "glft": Figure("glft_exact_vs_bare_matvec", "1440 numpy matrix-vector products of "
                   "the same size", "<=", 12.0),
    "paper": Figure("as_paper_simulation_vs_bare_walk", "numpy draws of the same paths' "
                    "increments and fill uniforms", "<=", 6.0),
}


def quote_rounds(n: int = 20_000):
    """Two callables, ours and the bare formula, each returning the median ns per call
    over one round of ``n`` calls with varying inputs."""
    inst = Instrument(
        "bench",
        "BTCUSDT",
        InstrumentKind.LINEAR_PERP,
        "BTC",
        "USDT",
        Decimal("0.1"),
        Decimal("0.001"),
    )
    params = MakerParams(
        as_params=ASParams(gamma=0.05, k_per_price=0.5, a_per_s=1.0, horizon_s=60.0),
        inventory=InventoryParams(skew_mode="capped", max_long_lots=50, max_short_lots=50),
        ladder=LadderParams(levels=5, spacing_ticks=2, size_lots=2),
    )
    guard = ToxicGuard(params.guard)
    top = TopOfBook(599_995, 5, 600_005, 5)
    snaps = [
        Signals(
            ts_ns=i * 1_000_000,
            fair_mid=60_000.0 + (i % 7) * 0.3,
            fair_mid_ok=True,
            vol_per_sqrt_s=2e-5,
            vol_ok=True,
            toxicity_ask=0.3 + 0.05 * (i % 5),
        )
        for i in range(64)
    ]
    clock = time.perf_counter_ns
    gamma, k, horizon_s, tick = 0.05, 0.5, 60.0, 0.1

    def ours() -> float:
        samples = []
        for i in range(n):
            s = snaps[i & 63]
            pos = (i % 41) - 20
            t0 = clock()
            quote(s, top, pos, params, inst, guard.update(s))
            samples.append(clock() - t0)
        return statistics.median(samples)

    def bare() -> float:
        samples = []
        for i in range(n):
            s = snaps[i & 63]
            pos = (i % 41) - 20
            t0 = clock()
            var = (s.fair_mid * s.vol_per_sqrt_s) ** 2 * horizon_s
            r = s.fair_mid - pos * gamma * var
            half = 0.5 * (gamma * var + 2.0 / gamma * math.log1p(gamma / k))
            bid, ask = math.floor((r - half) / tick), math.ceil((r + half) / tick)  # noqa: F841
            samples.append(clock() - t0)
        return statistics.median(samples)

    return ours, bare


def glft_runs():
    """Ours (the exact table) and the bare matrix-vector stepping, as wall-time runs."""
    params = GLFTParams(max_inventory_units=50, horizon_s=86_400.0)
    size = 2 * params.max_inventory_units + 1
    rng = np.random.default_rng(0)
    step = np.eye(size) + 1e-3 * rng.standard_normal((size, size))

    def bare() -> None:
        v = np.ones(size)
        for _ in range(1440):
            v = step @ v
            v /= v.max()

    return wall(lambda: exact_table(params, n_times=1441)), wall(bare)


def paper_runs():
    """Ours (the paper's simulation) and the bare draws, as wall-time runs."""
    seeds = iter(range(1_000_000))

    def bare() -> None:
        rng = np.random.default_rng(next(seeds))
        rng.standard_normal((1000, 200)).cumsum(axis=1)
        rng.random((1000, 200))
        rng.random((1000, 200))

    return wall(lambda: simulate_as_paper("inventory", 0.1, 1000, next(seeds))), wall(bare)


def main() -> None:
    """Run every benchmark and print one BENCH line each."""
    report_pairs(FIGURES["quote"], interleave(*quote_rounds()), "us", 1e-3)
    report_pairs(FIGURES["glft"], interleave(*glft_runs()), "ms", 1e3)
    report_pairs(FIGURES["paper"], interleave(*paper_runs()), "s")


if __name__ == "__main__":
    main()
