"""Benchmark the estimator stack on the recorded BTC set (spot + USD-M + COIN-M).

Figures (:mod:`interleave`: ours and the reference alternate, five pairs, median of the
per-pair ratios):

* ``stack_caller_books_vs_book_update``: the per-event cost of the full stack (fused fair
  mid over 3 venues, volatility, three imbalance measures, toxicity:
  :meth:`SignalStack.update` then :meth:`SignalStack.signals`) with books kept by the
  caller (book sync untimed), against the bare book update of the same events
  (:class:`BookSync`), timed the same way; the stack keeping its own books is
  ``stack_vs_book_update`` of ``bench_scorecard.py``;
* ``signals_frame_vs_stack``: the vectorised twin of the whole stack
  (:func:`signals_frame` over :class:`EventArrays` built once beforehand) against the
  streaming stack over the same events: how many times faster research runs than the
  event loop.

Printed as information: per-event p50/p99 of the stack, and each twin's events per
second (the time to build the arrays from the long frame is reported separately).
"""

from __future__ import annotations

import time

import numpy as np
from common import BINANCE
from interleave import QUICK, Figure, info, interleave, report_pairs, wall

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
FIGURES = {
    "stack": Figure("stack_caller_books_vs_book_update", "a bare BookSync applying the "
                    "same events, per event, same timer", "<=", 8.0),
    "twin": Figure("signals_frame_vs_stack", "the streaming stack over the same events",
                   ">=", 5.0, speed=True),
}
EVENTS = 20_000 if QUICK else 60_000
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


def time_books(events: list, streams) -> np.ndarray:
    """Per-event ns of the bare book update (the reference), timed as :func:`time_stack`."""
    syncs = {k: BookSync(SYNC_RULES[k[0]], *k) for k in streams.keys}
    clock = time.perf_counter_ns
    out = np.empty(len(events), dtype=np.int64)
    for n, e in enumerate(events):
        t0 = clock()
        kind = type(e)
        if kind is BookDelta:
            syncs[(e.venue, e.symbol)].on_delta(e)
        elif kind is BookSnapshot:
            syncs[(e.venue, e.symbol)].on_snapshot(e)
        out[n] = clock() - t0
    return out


def main() -> None:
    """Run the benchmarks and print the BENCH lines."""
    if not DATA.is_dir():
        info("bench_estimators", 0, "figures", f"skipped: shared data not found at {DATA}")
        return
    feed = read_raw_feed([DATA / f for f in FILES])
    events = list(feed.events())[:EVENTS]
    frame = feed.to_frame()
    frame = frame[frame["local_ts_ns"] <= events[-1].local_ts_ns]
    t0 = time.perf_counter()
    arrays = EventArrays.from_frame(frame)
    build_s = time.perf_counter() - t0
    n = len(events)
    streams = arrays.streams
    last: list[np.ndarray] = []

    def stack_run() -> float:
        syncs = {k: BookSync(SYNC_RULES[k[0]], *k) for k in streams.keys}
        stack = SignalStack(streams, StackParams(), books={k: s.book for k, s in syncs.items()})
        ns = time_stack(events, stack, syncs)
        last[:] = [ns]
        return float(ns.mean())

    pairs = interleave(stack_run, lambda: float(time_books(events, streams).mean()))
    report_pairs(FIGURES["stack"], pairs, "ns/event")
    info("stack_caller_books_p50", np.percentile(last[0], 50) / 1e3, "us")
    info("stack_caller_books_p99", np.percentile(last[0], 99) / 1e3, "us")

    def stack_wall() -> None:
        stack = SignalStack(streams, StackParams())
        update, signals = stack.update, stack.signals
        for e in events:
            update(e)
            signals()

    pairs = interleave(wall(lambda: signals_frame(arrays)), wall(stack_wall))
    report_pairs(FIGURES["twin"], pairs)
    info("arrays_from_frame_rows_per_s", len(frame) / build_s, "rows/s")
    fair = fair_mid_frame(arrays)["fair_mid"].to_numpy()
    twins = {
        "fair_mid_frame": lambda: fair_mid_frame(arrays),
        "volatility_frame": lambda: volatility_frame(arrays),
        "imbalance_frame": lambda: imbalance_frame(arrays),
        "vpin_frame": lambda: vpin_frame(arrays, np.log(np.where(fair > 0, fair, np.nan))),
        "markout_frame": lambda: markout_frame(arrays, fair),
        "burst_sweep_frame": lambda: burst_sweep_frame(arrays),
    }
    for name, fn in twins.items():
        info(f"{name}_events_per_s", n / min(wall(fn)() for _ in range(3)), "events/s")


if __name__ == "__main__":
    main()
