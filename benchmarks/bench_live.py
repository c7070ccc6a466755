"""Live feeds against the local exchange: native versus ccxt.pro, many books, resync time.

Each figure streams recorded Binance data from the local exchange (in this process, on
127.0.0.1, real sockets) as fast as the client reads it. Ratios are measured interleaved
(native, ccxt, native, ccxt, ...), five pairs, and the median of the per-pair ratios is
reported. Prints ``BENCH <name> <value> <unit> target <op> <value> PASS|MISS``.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

from workbench.book.sync import BINANCE_FUTURES, BookSync
from workbench.connectors.binance.feed import BinanceFeed, BinanceFeeds, venue_api
from workbench.connectors.ccxt_feed import CcxtFeed
from workbench.connectors.clock import ReceiveClock
from workbench.connectors.registry import make_exchange
from workbench.core.events import BookDelta, BookSnapshot
from workbench.data.sample import sample_paths
from workbench.testing.exchange import LocalExchange, Recording, point_ccxt

PAIRS = 5
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "binance-multivenue-l2"


def report(name: str, value: float, unit: str, op: str, target: float) -> None:
    ok = value >= target if op == ">=" else value <= target
    print(f"BENCH {name} {value:.4g} {unit} target {op} {target:g} {'PASS' if ok else 'MISS'}",
          flush=True)


async def _quiet(count, quiet_s=0.5, timeout_s=120.0):
    last, since, deadline = -1, time.monotonic(), time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        n = count()
        if n != last:
            last, since = n, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return
        await asyncio.sleep(0.02)


async def _native_run(recording: Recording) -> tuple[int, float]:
    """Diffs applied to our book per second, native feed, USD-M BTCUSDT."""
    async with LocalExchange(recording, speed=None, paused=True) as ex:
        feed = BinanceFeed("binance-usdm", ["BTCUSDT"], trades=False, book_ticker=False,
                           api=venue_api("binance-usdm", ex.urls.rest), stale_after_s=600)
        last = [0.0]

        def emit(event):
            last[0] = time.perf_counter()

        task = asyncio.create_task(feed.run(emit))
        while not feed._subscribed:
            await asyncio.sleep(0.01)
        started = time.perf_counter()
        ex.replay.resume()
        sync = feed.syncs["BTCUSDT"]
        await _quiet(lambda: sync.stats.deltas_applied + sync.stats.deltas_stale)
        task.cancel()
        return sync.stats.deltas_applied + sync.stats.deltas_stale, last[0] - started


async def _ccxt_run(recording: Recording) -> tuple[int, float]:
    """The same stream through ccxt.pro's watch_order_book into our book."""
    async with LocalExchange(recording, speed=None, paused=True) as ex:
        exchange = point_ccxt(make_exchange("binanceusdm", config={"enableRateLimit": False}),
                              ex.urls.rest)
        feed = CcxtFeed(exchange, ["BTC/USDT:USDT"], trades=False, stale_after_s=600)
        await feed.prepare()
        sync = BookSync(BINANCE_FUTURES, "binance-usdm", "BTCUSDT")
        last = [0.0]

        def emit(event):
            last[0] = time.perf_counter()
            if type(event) is BookDelta:
                sync.on_delta(event)
            elif type(event) is BookSnapshot:
                sync.on_snapshot(event)

        task = asyncio.create_task(feed.run(emit))
        await asyncio.sleep(0.3)
        started = time.perf_counter()
        ex.replay.resume()
        await _quiet(lambda: exchange.orderbooks.get("BTC/USDT:USDT", {}).get("nonce") or 0)
        task.cancel()
        return sum(1 for m in recording.messages()
                   if m.venue == "binance-usdm" and m.channel.value == "depth"), \
            last[0] - started


async def native_vs_ccxt() -> None:
    usdm = [p for p in sample_paths() if p.parent.name == "usdm"]
    recording = Recording(usdm, cache=True)
    ratios = []
    for _ in range(PAIRS):
        n_native, t_native = await _native_run(recording)
        n_ccxt, t_ccxt = await _ccxt_run(recording)
        ratios.append((n_native / t_native) / (n_ccxt / t_ccxt))
        print(f"  native {n_native / t_native:,.0f} diffs/s, ccxt.pro {n_ccxt / t_ccxt:,.0f} "
              f"diffs/s", file=sys.stderr)
    report("native_feed_vs_ccxt_pro", statistics.median(ratios), "x", ">=", 5)


async def many_books() -> None:
    names = ["spot/btcusdt_20240808.gz", "spot/ethusdt_20240808.gz",
             "usdm/btcusdt_20240808.gz", "usdm/ethusdt_20240808.gz"]
    if not all((SHARED / n).exists() for n in names):
        print("BENCH live_book_updates_per_s skipped: ../shared/data absent", flush=True)
        return
    recording = Recording([SHARED / n for n in names], cache=True, seconds=120)
    rates = []
    for _ in range(3):
        async with LocalExchange(recording, speed=None, paused=True) as ex:
            clock = ReceiveClock()
            feeds = [BinanceFeed(v, ["BTCUSDT", "ETHUSDT"], api=venue_api(v, ex.urls.rest),
                                 clock=clock, stale_after_s=600)
                     for v in ("binance-spot", "binance-usdm")]
            group = BinanceFeeds(feeds)
            levels = [0]
            last = [0.0]

            def emit(event, levels=levels, last=last):
                last[0] = time.perf_counter()
                if type(event) is BookDelta:
                    levels[0] += len(event.bid_ticks) + len(event.ask_ticks)

            task = asyncio.create_task(group.run(emit))
            while not all(f._subscribed for f in feeds):
                await asyncio.sleep(0.01)
            started = time.perf_counter()
            ex.replay.resume()
            await _quiet(lambda levels=levels: levels[0])
            task.cancel()
            rates.append(levels[0] / (last[0] - started))
    report("live_book_updates_per_s", statistics.median(rates), "levels/s", ">=", 20_000)


async def resync() -> None:
    recording = Recording(cache=True)
    async with LocalExchange(recording, speed=2, paused=True) as ex:
        feed = BinanceFeed("binance-spot", ["BTCUSDT"], api=venue_api("binance-spot",
                                                                      ex.urls.rest))
        task = asyncio.create_task(feed.run(lambda e: None))
        while not feed._subscribed:
            await asyncio.sleep(0.01)
        ex.replay.resume()
        st = feed.status.streams[("binance-spot", "BTCUSDT")]
        while not st.synced:
            await asyncio.sleep(0.01)
        for i in range(7):
            await ex.faults.drop_market_sockets()
            while len(st.resync_ms) < i + 2:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.3)
        task.cancel()
        report("resync_after_drop_ms", statistics.median(st.resync_ms[1:]), "ms", "<=", 1000)


def main() -> None:
    asyncio.run(native_vs_ccxt())
    asyncio.run(many_books())
    asyncio.run(resync())


if __name__ == "__main__":
    main()
