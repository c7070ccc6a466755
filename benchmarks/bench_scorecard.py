"""Benchmark the signal stack against a bare book update, and the scorecard's run time.

Prints lines ``BENCH <name> <value> <unit> target <op> <value> PASS|MISS``:

* ``stack_vs_book_update``: the per-event cost of the streaming stack
  (:meth:`SignalStack.update` then :meth:`SignalStack.signals`, books kept by the stack)
  as a ratio to a bare book update (:class:`BookSync` applying the same events), measured
  interleaved (book, stack, book, stack...) over seven pairs, median of the per-pair
  ratios. The target is 1.1 times the ratio measured the same way on the stack before
  the scorecard's estimators (``BASELINE_RATIO``): the stack may not buy skill with speed.
* ``scorecard_s``: wall time of :func:`workbench.analytics.scorecard.run_scorecard` over
  both recorded days and both assets (loading included), seconds.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
BINANCE = REPO.parent / "shared" / "data" / "binance-multivenue-l2"
FILES = ("spot/btcusdt_20240808.gz", "spot/btcusdt_20240809.gz", "usdm/btcusdt_20240808.gz",
         "cm/btcusd_perp_20240808.gz", "cm/btcusd_perp_20240809.gz")
N_EVENTS = 40_000
PAIRS = 7
#: The ratio of this benchmark on the stack as it was before the scorecard's estimators
#: (bias-corrected volatility, led fair mid, calibrated toxicity): the median of 20 runs of
#: it on main at e6ac8d2, each interleaved with a run on the new stack, same machine.
BASELINE_RATIO = 5.51


def report(name: str, value: float, unit: str, op: str, target: float) -> bool:
    """Print one BENCH line; True on PASS."""
    ok = value <= target if op == "<=" else value >= target
    print(f"BENCH {name} {value:.3g} {unit} target {op} {target:.3g} "
          f"{'PASS' if ok else 'MISS'}", flush=True)
    return ok


def _book_pass(events, streams) -> float:
    from workbench.book.sync import BookSync
    from workbench.core.events import BookDelta, BookSnapshot
    from workbench.data.binance.instruments import SYNC_RULES

    syncs = {k: BookSync(SYNC_RULES[k[0]], *k) for k in streams.keys}
    clock = time.perf_counter_ns
    t0 = clock()
    for e in events:
        kind = type(e)
        if kind is BookDelta:
            syncs[(e.venue, e.symbol)].on_delta(e)
        elif kind is BookSnapshot:
            syncs[(e.venue, e.symbol)].on_snapshot(e)
    return (clock() - t0) / len(events)


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


def stack_ratio(events, streams, pairs: int = PAIRS) -> tuple[float, float, float]:
    """Median of per-pair ratios stack / book, and the median ns of each."""
    books, stacks = [], []
    for _ in range(pairs):
        books.append(_book_pass(events, streams))
        stacks.append(_stack_pass(events, streams))
    ratios = np.array(stacks) / np.array(books)
    return float(np.median(ratios)), float(np.median(books)), float(np.median(stacks))


def main() -> None:
    """Run the benchmarks and print the BENCH lines."""
    if not BINANCE.is_dir():
        print(f"shared data not found at {BINANCE}", file=sys.stderr)
        raise SystemExit(1)
    from workbench.data.binance.feed import read_raw_feed
    from workbench.estimators import StreamSet

    feed = read_raw_feed([BINANCE / f for f in FILES])
    events = list(feed.events())[:N_EVENTS]
    streams = StreamSet.of(sorted({(e.venue, e.symbol) for e in events}))
    _stack_pass(events[:5_000], streams)  # warm-up
    ratio, book_ns, stack_ns = stack_ratio(events, streams)
    print(f"# book update {book_ns:.0f} ns/event, stack {stack_ns:.0f} ns/event", flush=True)
    report("stack_vs_book_update", ratio, "x", "<=", 1.1 * BASELINE_RATIO)
    if "--stack-only" in sys.argv:
        return
    from workbench.analytics.scorecard import run_scorecard

    t0 = time.perf_counter()
    run_scorecard(BINANCE)
    report("scorecard_s", time.perf_counter() - t0, "s", "<=", 60.0)


if __name__ == "__main__":
    main()
