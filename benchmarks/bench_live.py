"""Live feeds against the local exchange: native versus ccxt.pro, many books, resync time.

Each figure streams recorded Binance data from the local exchange (on 127.0.0.1, real
sockets) as fast as the client reads it, and is a ratio measured
interleaved (:mod:`interleave`: five pairs at least, median of the per-pair ratios):

* ``native_feed_vs_ccxt_pro``: diffs per second into our book, native feed against
  ccxt.pro's ``watch_order_book`` on the same stream (the peer library: without ccxt
  the script stops with exit status 2), the exchange in its own process serving the
  depth channel alone, so that it never holds the client back;
* ``live_books_vs_offline_replay``: book levels per second of six books (spot, USD-M and
  COIN-M, BTC and ETH) through three native feeds, against the same files' levels applied
  offline in this process (parse + :class:`BookSync`);
* ``resync_vs_first_sync``: the time a feed takes to be in sync again after its sockets
  are dropped, against the time the same fresh feed took to sync the first time.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator

import aiohttp
from common import shared_files
from interleave import QUICK, Figure, info, interleave, interleave_metrics, report_pairs, require

from workbench.book.sync import BINANCE_FUTURES, BookSync
from workbench.connectors.binance.feed import BinanceFeed, BinanceFeeds, venue_api
from workbench.connectors.ccxt_feed import CcxtFeed
from workbench.connectors.clock import ReceiveClock
from workbench.connectors.registry import make_exchange
from workbench.core.events import BookDelta, BookSnapshot
from workbench.data.sample import sample_paths
from workbench.testing.exchange import LocalExchange, Recording, point_ccxt

FIGURES = {
    "ccxt": Figure("native_feed_vs_ccxt_pro", "ccxt.pro watch_order_book on the same "
                   "stream into our book", ">=", 5.0, speed=True),
    "books": Figure("live_books_vs_offline_replay", "the same files' levels applied "
                    "offline (parse + BookSync) in this process", ">=", 0.2, speed=True),
    "resync": Figure("resync_vs_first_sync", "the first sync of the same fresh feed",
                     "<=", 8.0),
}
BOOK_FILES = ("spot/btcusdt_20240808.gz", "spot/ethusdt_20240808.gz",
              "usdm/btcusdt_20240808.gz", "usdm/ethusdt_20240808.gz",
              "cm/btcusd_perp_20240808.gz", "cm/ethusd_perp_20240808.gz")
USDM_FILE = ("usdm/btcusdt_20240808.gz",)
#: The books streamed at once: three venues, two symbols each.
BOOK_FEEDS = {"binance-spot": ["BTCUSDT", "ETHUSDT"], "binance-usdm": ["BTCUSDT", "ETHUSDT"],
              "binance-coinm": ["BTCUSD_PERP", "ETHUSD_PERP"]}


async def _quiet(count, quiet_s=0.5, timeout_s=120.0):
    last, since, deadline = -1, time.monotonic(), time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        n = count()
        if n != last:
            last, since = n, time.monotonic()
        elif n and time.monotonic() - since >= quiet_s:  # quiet once something came
            return
        await asyncio.sleep(0.02)


@contextlib.contextmanager
def served(paths) -> Iterator[str]:
    """A local exchange in its own process (``workbench exchange serve``), paused, serving
    the depth channel of ``paths`` parsed before it listens: the client under test has a
    core of its own and the server does no parsing while it streams. Yields its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "exchange", "serve", "--port", "0",
         "--speed", "0", "--paused", "--channels", "depth", "--data", *map(str, paths)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the local exchange did not start: {url!r}")
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


async def _resume(url: str) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/_control/replay", json={"action": "resume"}) as r:
            r.raise_for_status()


async def _native_run(url: str) -> tuple[int, float, float]:
    """Diffs applied to our book, the seconds they took and the CPU seconds this process
    spent meanwhile (the quiet wait at the end included), native feed, USD-M BTCUSDT."""
    feed = BinanceFeed("binance-usdm", ["BTCUSDT"], trades=False, book_ticker=False,
                       api=venue_api("binance-usdm", url), stale_after_s=600)
    last = [0.0]

    def emit(event):
        last[0] = time.perf_counter()

    task = asyncio.create_task(feed.run(emit))
    while not feed._subscribed:
        await asyncio.sleep(0.01)
    started, cpu = time.perf_counter(), time.process_time()
    await _resume(url)
    sync = feed.syncs["BTCUSDT"]
    await _quiet(lambda: sync.stats.deltas_applied + sync.stats.deltas_stale)
    cpu = time.process_time() - cpu
    task.cancel()
    _check_book("native", sync)
    return sync.stats.deltas_applied + sync.stats.deltas_stale, last[0] - started, cpu


async def _bare_run(url: str) -> tuple[int, float]:
    """Frames of the same stream read off the socket and dropped, and the seconds they
    took: what the exchange delivers, the fastest any client could be here."""
    api = venue_api("binance-usdm", url)
    async with aiohttp.ClientSession() as http, http.ws_connect(api.ws, max_msg_size=0) as ws:
        await ws.send_str('{"method":"SUBSCRIBE","params":["btcusdt@depth@0ms"],"id":1}')
        await ws.receive()
        started = last = time.perf_counter()
        await _resume(url)
        frames = 0
        with contextlib.suppress(TimeoutError):
            while True:
                await ws.receive(timeout=1.0)
                frames, last = frames + 1, time.perf_counter()
        return frames, last - started


#: The top levels of the reference book at the end of the stream (set before measuring).
_REFERENCE_TOP: list[tuple] = []
_TOP_LEVELS = 50


def _reference_top(paths) -> tuple:
    """The recorded file's snapshot and diffs applied offline: the book each side must
    end with (its best :data:`_TOP_LEVELS` levels a side)."""
    from workbench.data.binance.feed import read_raw_feed
    from workbench.data.binance.instruments import SYNC_RULES

    (key, table), = read_raw_feed(paths, workers=1).streams.items()
    sync = BookSync(SYNC_RULES[key[0]], *key)
    for e in table.events():
        if type(e) is BookDelta:
            sync.on_delta(e)
        elif type(e) is BookSnapshot:
            sync.on_snapshot(e)
    return tuple(a.tolist() for a in sync.book.top(_TOP_LEVELS))


def _check_book(side: str, sync: BookSync) -> None:
    got = tuple(a.tolist() for a in sync.book.top(_TOP_LEVELS))
    if not sync.synced or got != _REFERENCE_TOP[0]:
        raise RuntimeError(f"{side}: the book at the end is not the recorded one's")


async def _ccxt_run(url: str, diffs: int) -> tuple[int, float, float]:
    """The same stream through ccxt.pro's watch_order_book into our book (as
    :func:`_native_run`)."""
    exchange = point_ccxt(make_exchange("binanceusdm", config={"enableRateLimit": False}),
                          url)
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
    started, cpu = time.perf_counter(), time.process_time()
    await _resume(url)
    await _quiet(lambda: exchange.orderbooks.get("BTC/USDT:USDT", {}).get("nonce") or 0)
    cpu = time.process_time() - cpu
    task.cancel()
    await exchange.close()
    _check_book("ccxt.pro", sync)
    return diffs, last[0] - started, cpu


def native_vs_ccxt() -> None:
    usdm = shared_files(USDM_FILE) or [p for p in sample_paths() if p.parent.name == "usdm"]
    diffs = sum(1 for m in Recording(usdm, channels=["depth"]).messages()
                if m.channel.value == "depth")
    _REFERENCE_TOP.append(_reference_top(usdm))
    wire: list[float] = []

    def native() -> tuple[float, float]:
        with served(usdm) as url:
            n, seconds = asyncio.run(_bare_run(url))
        wire.append(seconds / n)
        with served(usdm) as url:
            n, seconds, cpu = asyncio.run(_native_run(url))
        return seconds / n, cpu / n

    def ccxt_pro() -> tuple[float, float]:
        with served(usdm) as url:
            n, seconds, cpu = asyncio.run(_ccxt_run(url, diffs))
        return seconds / n, cpu / n

    pairs, cpu = interleave_metrics(native, ccxt_pro, warmup=False)
    report_pairs(FIGURES["ccxt"], pairs, "us/diff", 1e6)
    info("native_feed_cpu_vs_ccxt_pro", statistics.median(cpu.ratios(speed=True)), "x",
         "CPU seconds of the client process per diff, ccxt.pro over native, median of "
         f"pairs (ours {statistics.median(cpu.ours) * 1e6:.3g}, ref "
         f"{statistics.median(cpu.reference) * 1e6:.3g} us/diff): what the wall figure "
         "reads on a machine whose other processes take no core from the client")
    ceiling = statistics.median(r / w for r, w in zip(pairs.reference, wire, strict=True))
    info("native_feed_wire_ceiling", ceiling, "x", "ccxt.pro over a client that reads "
         f"the frames and drops them, median of pairs (bare {statistics.median(wire) * 1e6:.3g}"
         " us/frame): the highest figure any native client reaches against this exchange")
    info("native_feed_diffs_per_s", 1 / min(pairs.ours), "diffs/s",
         f"{diffs:,} USD-M diffs from an exchange in its own process")


async def _books_run(recording: Recording) -> tuple[int, float]:
    """Levels applied by three native feeds (six books) and the seconds they took."""
    async with LocalExchange(recording, speed=None, paused=True) as ex:
        clock = ReceiveClock()
        feeds = [BinanceFeed(v, symbols, api=venue_api(v, ex.urls.rest), clock=clock,
                             stale_after_s=600) for v, symbols in BOOK_FEEDS.items()]
        group = BinanceFeeds(feeds)
        levels = [0]
        last = [0.0]

        def emit(event):
            last[0] = time.perf_counter()
            if type(event) is BookDelta:
                levels[0] += len(event.bid_ticks) + len(event.ask_ticks)

        task = asyncio.create_task(group.run(emit))
        while not all(f._subscribed for f in feeds):
            await asyncio.sleep(0.01)
        started = time.perf_counter()
        ex.replay.resume()
        await _quiet(lambda: levels[0])
        task.cancel()
        return levels[0], last[0] - started


def offline_books(paths) -> tuple[int, float]:
    """The same files' diffs parsed and applied to books in this process."""
    from workbench.data.binance.feed import read_raw_feed
    from workbench.data.binance.instruments import SYNC_RULES

    t0 = time.perf_counter()
    feed = read_raw_feed(paths, workers=1)
    levels = 0
    for key, table in feed.streams.items():
        sync = BookSync(SYNC_RULES[key[0]], *key)
        for e in table.events():
            if type(e) is BookDelta:
                levels += len(e.bid_ticks) + len(e.ask_ticks)
                sync.on_delta(e)
            elif type(e) is BookSnapshot:
                sync.on_snapshot(e)
    return levels, time.perf_counter() - t0


def many_books() -> None:
    paths = shared_files(BOOK_FILES)
    if paths is None or QUICK:
        info("live_books_vs_offline_replay", 0, "x", "skipped: ../shared/data absent or quick")
        return
    recording = Recording(paths, cache=True, seconds=120)

    def live() -> float:
        n, seconds = asyncio.run(_books_run(recording))
        return seconds / n

    def offline() -> float:
        n, seconds = offline_books(paths)
        return seconds / n

    pairs = interleave(live, offline, warmup=False)
    report_pairs(FIGURES["books"], pairs, "us/level", 1e6)
    info("live_book_updates_per_s", 1 / min(pairs.ours), "levels/s")


async def _resync_run() -> tuple[float, float]:
    """(ms to be in sync again after a drop, ms of the first sync) of one fresh feed."""
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
        await asyncio.sleep(0.3)
        await ex.faults.drop_market_sockets()
        while len(st.resync_ms) < 2:
            await asyncio.sleep(0.01)
        task.cancel()
        return st.resync_ms[1], st.resync_ms[0]


def resync() -> None:
    runs: list[tuple[float, float]] = []

    def again() -> float:
        runs.append(asyncio.run(_resync_run()))
        return runs[-1][0]

    pairs = interleave(again, lambda: runs[-1][1], warmup=False)
    report_pairs(FIGURES["resync"], pairs, "ms")


def main() -> None:
    require("ccxt.pro", "the native feed against ccxt.pro")
    native_vs_ccxt()
    many_books()
    resync()


if __name__ == "__main__":
    main()
