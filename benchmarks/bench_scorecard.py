"""Benchmark the signal stack against a bare book update, and the scorecard's run time.

Prints lines ``BENCH <name> <value> <unit> target <op> <value> PASS|MISS``:

* ``stack_vs_book_update``: the per-event cost of the streaming stack
  (:meth:`SignalStack.update` then :meth:`SignalStack.signals`, books kept by the stack)
  as a ratio to a bare book update (:class:`BookSync` applying the same events), measured
  interleaved (stack, book, stack, book...) over seven pairs (five with ``BENCH_QUICK``),
  median of the per-pair ratios. The target is 1.1 times the ratio measured the same way
  on the stack before the scorecard's estimators (``BASELINE_RATIO``): the stack may not
  buy skill with speed.
* ``scorecard_vs_data_load``: :func:`workbench.analytics.scorecard.run_scorecard` over
  both recorded days and both assets (loading included) against loading the same days
  (:func:`~workbench.analytics.scorecard.data.load_days`), interleaved, five pairs; its
  wall time is printed as information.
"""

from __future__ import annotations

import sys
import time

from common import BINANCE, book_sync_pass
from interleave import QUICK, Figure, info, interleave, report_pairs, wall

FILES = ("spot/btcusdt_20240808.gz", "spot/btcusdt_20240809.gz", "usdm/btcusdt_20240808.gz",
         "cm/btcusd_perp_20240808.gz", "cm/btcusd_perp_20240809.gz")
N_EVENTS = 40_000
#: The first N_EVENTS events all lie in the 2024-08-08 files (their first ~20 minutes), so
#: ``BENCH_QUICK`` reads those alone: the same events, a third less reading.
QUICK_FILES = tuple(f for f in FILES if "20240809" not in f)
PAIRS = 5 if QUICK else 7
#: The ratio of this benchmark on the stack as it was before the scorecard's estimators
#: (bias-corrected volatility, led fair mid, calibrated toxicity): the median of 20 runs of
#: it on main at e6ac8d2, each interleaved with a run on the new stack, same machine.
BASELINE_RATIO = 5.51
FIGURES = {
    "stack": Figure("stack_vs_book_update", "a bare BookSync applying the same events, "
                    "per event", "<=", round(1.1 * BASELINE_RATIO, 2)),
    "scorecard": Figure("scorecard_vs_data_load", "loading the same recorded days into "
                        "event arrays", "<=", 4.0),
}


def _stack_pass(events, streams) -> float:
    from workbench.estimators import SignalStack

    stack = SignalStack(streams)
    update, signals = stack.update, stack.signals
    clock = time.perf_counter_ns
    t0 = clock()
    for e in events:
        update(e)
        signals()
    return (clock() - t0) / len(events)


def main() -> None:
    """Run the benchmarks and print the BENCH lines."""
    if not BINANCE.is_dir():
        info("bench_scorecard", 0, "figures", f"skipped: shared data not found at {BINANCE}")
        return
    from workbench.data.binance.feed import read_raw_feed
    from workbench.estimators import StreamSet

    feed = read_raw_feed([BINANCE / f for f in (QUICK_FILES if QUICK else FILES)])
    events = list(feed.events())[:N_EVENTS]
    streams = StreamSet.of(sorted({(e.venue, e.symbol) for e in events}))
    _stack_pass(events[:5_000], streams)  # warm-up
    pairs = interleave(lambda: _stack_pass(events, streams),
                       lambda: book_sync_pass(events) * 1e9 / len(events),
                       pairs=PAIRS, warmup=False)
    report_pairs(FIGURES["stack"], pairs, "ns/event")
    if "--stack-only" in sys.argv or QUICK:
        return
    from workbench.analytics.scorecard import run_scorecard
    from workbench.analytics.scorecard.data import load_days

    pairs = interleave(wall(lambda: run_scorecard(BINANCE)), wall(lambda: load_days(BINANCE)),
                       warmup=False)
    report_pairs(FIGURES["scorecard"], pairs)
    info("scorecard_s", min(pairs.ours), "s")


if __name__ == "__main__":
    main()
