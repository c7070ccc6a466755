"""Simulated exchange benchmarks, each a ratio to the bare version of the same work.

* ``sim_place_ack_vs_bare_ack``: submit of a post-only order + poll of its ack (zero
  latency) on a synchronised USD-M BTCUSDT book from the bundled sample, each order
  later cancelled (the cancel is not timed), against the bare version of the same
  work: each order checked against the best ask, queued in a dict by price, acked;
* ``sim_replay_vs_book_update``: the whole bundled sample (three streams) shown to the
  exchange while our orders rest at both bests of every stream, against the same events
  applied to bare books (:class:`BookSync`): what matching and queues add to keeping
  the books.

Runs alternate (:mod:`interleave`), five pairs, median of per-pair ratios; absolute
figures are printed as information.
"""

from __future__ import annotations

import time

from common import book_sync_pass
from interleave import Figure, info, interleave, report_pairs

from workbench.core import Accepted, Cancel, Place, Side, TimeInForce
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

FIGURES = {
    "ack": Figure("sim_place_ack_vs_bare_ack", "the same orders checked against the best "
                  "ask, queued in a dict by price and acked, in plain Python", "<=", 12.0),
    "replay": Figure("sim_replay_vs_book_update", "the same events applied to bare books "
                     "(BookSync)", "<=", 3.0),
}


def _exchange(keys, queue) -> SimExchange:
    instruments = [binance_instrument(v, s) for v, s in sorted(keys)]
    fees = {i.key: FeeSchedule(-0.5, 4.0) for i in instruments}
    return SimExchange(instruments, fees, ConstantLatency(0, 0), queue, SYNC_RULES, seed=1)


def bench_place_ack(events, n: int = 50_000) -> float:
    """Mean seconds of submit + poll -> Accepted for one post-only order."""
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
    return total_ns / n / 1e9


def bare_place_ack(n: int = 50_000) -> float:
    """Mean seconds of the bare version of a post-only place: check it does not cross,
    append it to its price's queue in a dict, make its ack, hand the ack over."""
    out: list = []
    queues: dict[int, list] = {}
    best_ask = 600_001
    total_ns = 0
    clock = time.perf_counter_ns
    for start in range(0, n, 1_000):
        places = [Place(i, USDM, "BTCUSDT", Side.BUY, 600_000 - i % 20, 1,
                        TimeInForce.POST_ONLY, 0) for i in range(start, start + 1_000)]
        t0 = clock()
        for cmd in places:
            if cmd.price_ticks < best_ask:
                queues.setdefault(cmd.price_ticks, []).append(cmd)
                out.append(Accepted(cmd.order_id, 0))
            acks, out = out, []
        total_ns += clock() - t0
        queues.clear()
    del acks
    return total_ns / n / 1e9


def bench_replay(events) -> float:
    """Seconds to show ``events`` to the exchange with our orders resting at both bests
    of every stream."""
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
    return time.perf_counter() - t0


def main() -> None:
    """Run every benchmark and print one BENCH line each."""
    events = list(read_raw_feed(sample_paths(), workers=1).events())
    pairs = interleave(lambda: bench_place_ack(events), bare_place_ack)
    report_pairs(FIGURES["ack"], pairs, "us", 1e6)
    info("sim_place_ack_us", min(pairs.ours) * 1e6, "us")
    pairs = interleave(lambda: bench_replay(events), lambda: book_sync_pass(events))
    report_pairs(FIGURES["replay"], pairs)
    info("sim_replay_events_per_s", len(events) / min(pairs.ours), "events/s")


if __name__ == "__main__":
    main()
