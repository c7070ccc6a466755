"""The engine end to end: tick-to-quote against the bare minimum of the same work.

* ``tick_to_quote_p50_vs_bare_quote`` / ``_p99_``: the engine's compute time per market
  event (``compute_p50_ns`` / ``compute_p99_ns`` of its snapshot: from the event
  entering the engine to its commands leaving it, with the full estimator stack over
  three venues and the GLFT maker, the demo's configuration) over the recorded BTC set
  (or the bundled sample), against the same percentile of the bare work per event: the
  event's book updated by :class:`BookSync` and, when it changed, two quote prices put
  around its mid in plain Python, timed the same way;
* the Python engine's events per second through the simulated exchange and the replay
  driver is printed as information.

Runs alternate (:mod:`interleave`), five pairs, median of the per-pair ratios.
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
from common import BINANCE
from interleave import QUICK, Figure, info, interleave_metrics, report_pairs

from workbench.book import BookSync
from workbench.core.events import BookDelta, BookSnapshot
from workbench.data.binance.feed import group_streams, replay_streams
from workbench.data.binance.instruments import SYNC_RULES, binance_instrument
from workbench.data.sample import sample_paths
from workbench.engine import backtest
from workbench.engine.demo import DEMO_FEES, DEMO_MAKER, DEMO_ORDERS, DEMO_QUOTE
from workbench.execution.sim import ConservativeQueue, ConstantLatency

FIGURES = {
    "p50": Figure("tick_to_quote_p50_vs_bare_quote", "book sync + two prices around the "
                  "mid per event, same events, same timer (p50)", "<=", 200.0),
    "p99": Figure("tick_to_quote_p99_vs_bare_quote", "book sync + two prices around the "
                  "mid per event, same events, same timer (p99)", "<=", 15.0),
}
FILES = ("spot/btcusdt_20240808.gz", "usdm/btcusdt_20240808.gz", "cm/btcusd_perp_20240808.gz")
EVENTS = 20_000 if QUICK else 60_000


def bare_quote_ns(events: list, keys) -> np.ndarray:
    """Per-event nanoseconds of the bare work: book update, and two prices about the
    mid when the book changed."""
    syncs = {k: BookSync(SYNC_RULES[k[0]], *k) for k in keys}
    clock = time.perf_counter_ns
    out = np.empty(len(events), dtype=np.int64)
    half = 2.5
    for n, e in enumerate(events):
        t0 = clock()
        sync = syncs[(e.venue, e.symbol)]
        kind = type(e)
        changed = False
        if kind is BookDelta:
            changed = sync.on_delta(e)
        elif kind is BookSnapshot:
            changed = sync.on_snapshot(e)
        if changed:
            book = sync.book
            mid = (book.best_bid_ticks + book.best_ask_ticks) / 2
            bid, ask = math.floor(mid - half), math.ceil(mid + half)  # noqa: F841
        out[n] = clock() - t0
    return out


def main() -> None:
    files = [BINANCE / f for f in FILES] if BINANCE.is_dir() else sample_paths()
    keys = list(group_streams(files))
    instruments = [binance_instrument(*k) for k in keys]
    events = list(itertools.islice(replay_streams(files), EVENTS))
    runs = []

    def engine_run() -> tuple[float, float]:
        t0 = time.perf_counter()
        result = backtest(events, DEMO_QUOTE, DEMO_MAKER, instruments=instruments,
                          fees=DEMO_FEES, latency=ConstantLatency(5_000_000, 5_000_000),
                          queue=ConservativeQueue(), orders=DEMO_ORDERS, seed=7)
        runs.append((time.perf_counter() - t0, len(result.fills)))
        snap = result.engine.snapshot()
        return snap.compute_p50_ns, snap.compute_p99_ns

    def bare_run() -> tuple[float, float]:
        ns = bare_quote_ns(events, keys)
        return float(np.percentile(ns, 50)), float(np.percentile(ns, 99))

    p50, p99 = interleave_metrics(engine_run, bare_run, warmup=False)
    report_pairs(FIGURES["p50"], p50, "us", 1e-3)
    report_pairs(FIGURES["p99"], p99, "us", 1e-3)
    info("python_engine_events_per_s", len(events) / min(r[0] for r in runs), "events/s",
         f"{len(events):,} events, {runs[-1][1]:,} fills")


if __name__ == "__main__":
    main()
