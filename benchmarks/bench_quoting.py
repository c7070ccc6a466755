"""Quoting benchmarks, one line each: `BENCH <name> <value> <unit> target <op> <value> PASS|MISS`.

* quote_decision_p50: one ToxicGuard update plus maker.quote (AS model, capped skew,
  5-level ladder a side), median over many calls, microseconds; the least of the medians
  of ``ROUNDS`` rounds, so that a round the machine spent elsewhere does not count;
* glft_exact_precompute: exact GLFT table for |q| <= 50 over a 1-day horizon (one point a
  minute), median of repeats, milliseconds;
* as_paper_simulation: the paper's Monte Carlo, 1000 paths x 200 steps, seconds.
"""

from __future__ import annotations

import statistics
import time
from decimal import Decimal

from common import report

from workbench.core import Instrument, InstrumentKind
from workbench.estimators.signals import Signals
from workbench.quoting import ASParams, GLFTParams, InventoryParams, LadderParams
from workbench.quoting.glft import exact_table
from workbench.quoting.simulation import simulate_as_paper
from workbench.strategies import MakerParams, TopOfBook, ToxicGuard, quote

ROUNDS = 5


def bench_quote_decision(n: int = 20_000) -> float:
    """Median microseconds of guard update + quote over ``n`` calls with varying inputs,
    the least over ``ROUNDS`` rounds."""
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
    medians = []
    for _ in range(ROUNDS):
        samples = []
        for i in range(n):
            s = snaps[i & 63]
            pos = (i % 41) - 20
            t0 = clock()
            quote(s, top, pos, params, inst, guard.update(s))
            samples.append(clock() - t0)
        medians.append(statistics.median(samples))
    return min(medians) / 1e3


def bench_glft_precompute(repeats: int = 20) -> float:
    """Median milliseconds of the exact GLFT table, |q| <= 50, 1-day horizon."""
    params = GLFTParams(max_inventory_units=50, horizon_s=86_400.0)
    exact_table(params)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        exact_table(params, n_times=1441)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def bench_paper_simulation(repeats: int = 5) -> float:
    """Median seconds of 1000 paths x 200 steps of the paper's Monte Carlo."""
    times = []
    for seed in range(repeats):
        t0 = time.perf_counter()
        simulate_as_paper("inventory", 0.1, 1000, seed)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    """Run every benchmark and print one BENCH line each."""
    report("quote_decision_p50", bench_quote_decision(), "us", "<=", 5)
    report("glft_exact_precompute", bench_glft_precompute(), "ms", "<=", 50)
    report("as_paper_simulation", bench_paper_simulation(), "s", "<=", 1)


if __name__ == "__main__":
    main()
