"""Foundation figures: raw feed parsing, book updates, and the demo's run time.

* feed_parse_rate: recorded raw lines -> normalised events, messages/s (all cores);
* book_update_rate: level updates applied to the L2 book with best bid/ask kept, per s;
* demo_run_time: the demo's paper run on the bundled sample, seconds.
"""

from __future__ import annotations

import time

from common import binance_files, report

from workbench.book import BookSync
from workbench.core.events import BookDelta, BookSnapshot
from workbench.data.binance.feed import read_raw_feed
from workbench.data.binance.instruments import SYNC_RULES
from workbench.engine.demo import run_demo_once


def bench_feed(files) -> float:
    read_raw_feed(files[:1], workers=1)  # warm the imports
    best = 0.0
    for _ in range(3):
        t0 = time.perf_counter()
        feed = read_raw_feed(files)
        rate = sum(r.lines for r in feed.reports) / (time.perf_counter() - t0)
        best = max(best, rate)
    lines = sum(r.lines for r in feed.reports)
    print(f"# {lines:,} lines in {len(files)} files")
    return best


def bench_book(files) -> float:
    feed = read_raw_feed(files)
    levels, elapsed = 0, 0.0
    for key, table in feed.streams.items():
        events = [e for e in table.events() if isinstance(e, (BookDelta, BookSnapshot))]
        levels += sum(len(e.bid_ticks) + len(e.ask_ticks) for e in events
                      if isinstance(e, BookDelta))
        sync = BookSync(SYNC_RULES[key[0]], *key)
        t0 = time.perf_counter()
        for e in events:
            if isinstance(e, BookDelta):
                sync.on_delta(e)
                sync.book.best_bid_ticks  # noqa: B018 - keep the best price current
                sync.book.best_ask_ticks  # noqa: B018
            else:
                sync.on_snapshot(e)
        elapsed += time.perf_counter() - t0
    print(f"# {levels:,} level updates")
    return levels / elapsed


def bench_demo() -> float:
    t0 = time.perf_counter()
    run_demo_once()
    return time.perf_counter() - t0


def main() -> None:
    files = binance_files()
    report("feed_parse_rate", bench_feed(files), "msgs/s", ">=", 300_000)
    report("book_update_rate", bench_book(files), "updates/s", ">=", 1_000_000)
    report("demo_run_time", bench_demo(), "s", "<=", 30)


if __name__ == "__main__":
    main()
