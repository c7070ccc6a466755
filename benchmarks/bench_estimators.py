"""Benchmark the estimator stack on the recorded BTC set (spot + USD-M + COIN-M).

Prints lines ``BENCH <name> <value> <unit> target <op> <value> PASS|MISS``:

* per-event latency of the full stack (fused fair mid over 3 venues, volatility, three
  imbalance measures, toxicity): :meth:`SignalStack.update` then
  :meth:`SignalStack.signals`, on every event, with the stack keeping its own books
  (book sync included) and with books kept by the caller (book sync excluded);
* throughput of each vectorised twin over :class:`EventArrays` (built once beforehand;
  the time to build them from the long frame is reported separately).
"""

from __future__ import annotations

import sys
import time

import numpy as np
from common import BINANCE, report

from workbench.book.sync import BookSync
from workbench.core.events import BookDelta, BookSnapshot
from workbench.data.binance.feed import read_raw_feed
from workbench.data.binance.instruments import SYNC_RULES
from workbench.estimators import (
    EventArrays,
    SignalStack,
    StackParams,
    burst_sweep_frame,
    fair_mid_frame,
    imbalance_frame,
    markout_frame,
    signals_frame,
    volatility_frame,
    vpin_frame,
)

DATA = BINANCE
FILES = ("spot/btcusdt_20240808.gz", "spot/btcusdt_20240809.gz", "usdm/btcusdt_20240808.gz",
         "cm/btcusd_perp_20240808.gz", "cm/btcusd_perp_20240809.gz")


def time_stack(events: list, stack: SignalStack, syncs: dict | None) -> np.ndarray:
    """Per-event seconds of ``update`` + ``signals`` (caller's book sync untimed)."""
    clock = time.perf_counter_ns
    out = np.empty(len(events), dtype=np.int64)
    update, signals = stack.update, stack.signals
    for n, e in enumerate(events):
        if syncs is not None:
            kind = type(e)
            if kind is BookDelta:
                syncs[(e.venue, e.symbol)].on_delta(e)
            elif kind is BookSnapshot:
                syncs[(e.venue, e.symbol)].on_snapshot(e)
        t0 = clock()
        update(e)
        signals()
        out[n] = clock() - t0
    return out


def main() -> None:
    """Run the benchmarks and print the BENCH lines."""
    if not DATA.is_dir():
        print(f"shared data not found at {DATA}", file=sys.stderr)
        raise SystemExit(1)
    feed = read_raw_feed([DATA / f for f in FILES])
    events = list(feed.events())
    frame = feed.to_frame()
    t0 = time.perf_counter()
    arrays = EventArrays.from_frame(frame)
    build_s = time.perf_counter() - t0
    n = len(events)
    streams = arrays.streams

    for label, own in (("own_books", True), ("caller_books", False)):
        syncs = None if own else {k: BookSync(SYNC_RULES[k[0]], *k) for k in streams.keys}
        books = None if own else {k: s.book for k, s in syncs.items()}
        stack = SignalStack(streams, StackParams(), books=books)
        time_stack(events[:20_000], SignalStack(streams, StackParams(), books=books),
                   None if own else {k: BookSync(SYNC_RULES[k[0]], *k)
                                     for k in streams.keys})  # warm-up
        t0 = time.perf_counter()
        ns = time_stack(events, stack, syncs)
        wall = time.perf_counter() - t0
        report(f"stack_{label}_p50", np.percentile(ns, 50) / 1e3, "us", "<=", 10)
        report(f"stack_{label}_p99", np.percentile(ns, 99) / 1e3, "us", "<=", 50)
        report(f"stack_{label}_events_per_s", n / (ns.sum() / 1e9), "events/s", ">=", 0)
        report(f"stack_{label}_with_harness_events_per_s", n / wall, "events/s", ">=", 0)

    # Input preparation for the twins, not a twin itself.
    report("arrays_from_frame_rows_per_s", len(frame) / build_s, "rows/s", ">=", 0)
    fair = fair_mid_frame(arrays)["fair_mid"].to_numpy()
    twins = {
        "fair_mid_frame": lambda: fair_mid_frame(arrays),
        "volatility_frame": lambda: volatility_frame(arrays),
        "imbalance_frame": lambda: imbalance_frame(arrays),
        "vpin_frame": lambda: vpin_frame(arrays, np.log(np.where(fair > 0, fair, np.nan))),
        "markout_frame": lambda: markout_frame(arrays, fair),
        "burst_sweep_frame": lambda: burst_sweep_frame(arrays),
        "signals_frame": lambda: signals_frame(arrays),
    }
    for name, fn in twins.items():
        best = min(_timed(fn) for _ in range(3))
        report(f"{name}_events_per_s", n / best, "events/s", ">=", 2_000_000)


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
