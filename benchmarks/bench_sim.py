"""Simulated exchange benchmarks, one line each: `BENCH <name> <value> <unit> target ...`.

* sim_place_ack_us: submit of a post-only order + poll of its ack (zero latency) on a
  synchronised USD-M BTCUSDT book from the bundled sample, mean over many orders, each
  later cancelled (the cancel is not timed), microseconds;
* sim_replay_events_per_s: the whole bundled sample (three streams) shown to the
  exchange while our orders rest at both bests of every stream, events per second.
"""

from __future__ import annotations

import time

from common import report

from workbench.core import Cancel, Place, Side, TimeInForce
from workbench.data.binance.feed import read_raw_feed
from workbench.data.binance.instruments import SYNC_RULES, USDM, binance_instrument
from workbench.data.sample import sample_paths
from workbench.execution.sim import (
    ConservativeQueue,
    ConstantLatency,
    FeeSchedule,
    ProbabilisticQueue,
    SimExchange,
)


def _exchange(keys, queue) -> SimExchange:
    instruments = [binance_instrument(v, s) for v, s in sorted(keys)]
    fees = {i.key: FeeSchedule(-0.5, 4.0) for i in instruments}
    return SimExchange(instruments, fees, ConstantLatency(0, 0), queue, SYNC_RULES, seed=1)


def bench_place_ack(events, n: int = 50_000) -> float:
    """Mean microseconds of submit + poll -> Accepted for one post-only order."""
    ex = _exchange([(USDM, "BTCUSDT")], ConservativeQueue())
    for event in events:
        if event.venue == USDM:
            ex.on_market(event)
    book = ex.book(USDM, "BTCUSDT")
    bid = book.best_bid_ticks
    now = events[-1].local_ts_ns + 1
    total_ns = 0
    clock = time.perf_counter_ns
    for start in range(0, n, 1_000):
        places = [Place(i, USDM, "BTCUSDT", Side.BUY, bid - i % 20, 1, TimeInForce.POST_ONLY,
                        now) for i in range(start, start + 1_000)]
        t0 = clock()
        for cmd in places:
            ex.submit(cmd, now)
            ex.poll(now)
        total_ns += clock() - t0
        for cmd in places:
            ex.submit(Cancel(cmd.order_id, USDM, "BTCUSDT", now), now)
        ex.poll(now)
    return total_ns / n / 1e3


def bench_replay(events) -> float:
    """Events per second with our orders resting at both bests of every stream."""
    keys = {(e.venue, e.symbol) for e in events}
    ex = _exchange(keys, ProbabilisticQueue(2.0))
    next_id, seen = 1, dict.fromkeys(keys, 0)
    t0 = time.perf_counter()
    for event in events:
        ex.on_market(event)
        now = event.local_ts_ns
        ex.poll(now)
        key = (event.venue, event.symbol)
        seen[key] += 1
        if seen[key] % 500 == 0 and ex.synced(*key):
            book = ex.book(*key)
            for side, price in ((Side.BUY, book.best_bid_ticks), (Side.SELL, book.best_ask_ticks)):
                ex.submit(Place(next_id, *key, side, price, 1, TimeInForce.POST_ONLY, now), now)
                next_id += 1
    return len(events) / (time.perf_counter() - t0)


def main() -> None:
    """Run every benchmark and print one BENCH line each."""
    events = list(read_raw_feed(sample_paths(), workers=1).events())
    report("sim_place_ack_us", bench_place_ack(events), "us", "<=", 5)
    report("sim_replay_events_per_s", bench_replay(events), "events/s", ">=", 100_000)


if __name__ == "__main__":
    main()
