"""Running the local exchange and our feeds against it, for the integration tests."""

from __future__ import annotations

import asyncio
import gzip
import time

from workbench.connectors.binance.feed import BinanceFeed, BinanceFeeds, venue_api
from workbench.connectors.clock import ReceiveClock
from workbench.connectors.live import LiveSource
from workbench.connectors.paper import paper_session
from workbench.connectors.record import Recorder
from workbench.core.clock import SimulatedClock
from workbench.data.binance.instruments import binance_instrument
from workbench.data.binance.parse import read_lines
from workbench.data.recorder import RawFileWriter
from workbench.engine.demo import DEMO_FEES, DEMO_MAKER, DEMO_ORDERS
from workbench.estimators.stack import StackParams
from workbench.estimators.volatility import VolParams
from workbench.execution.sim import ConservativeQueue, ConstantLatency

SPOT, USDM = ("binance-spot", "BTCUSDT"), ("binance-usdm", "BTCUSDT")
COINM = ("binance-coinm", "BTCUSD_PERP")


def native_feeds(ex, keys=(SPOT, USDM), clock=None, **kw):
    """Native feeds of ``keys`` on the local exchange, sharing one clock and hub."""
    clock = clock or ReceiveClock()
    feeds = [BinanceFeed(venue, [symbol], api=venue_api(venue, ex.urls.rest), clock=clock,
                         **kw) for venue, symbol in keys]
    return BinanceFeeds(feeds) if len(feeds) > 1 else feeds[0]


async def until(condition, timeout_s=20.0, step_s=0.02):
    """Wait for ``condition()`` to hold; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await asyncio.sleep(step_s)


async def quiet(statuses, quiet_s=0.5, timeout_s=60.0):
    """Wait until no feed received anything for ``quiet_s``."""
    deadline = time.monotonic() + timeout_s
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        n = sum(s.messages for s in statuses)
        if n != last:
            last, since = n, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("feeds never went quiet")


def top_levels(book, n):
    """The best ``n`` levels of both sides as lists."""
    return [a.tolist() for a in book.top(n)]


#: The paper proof's run: 5 ms each way, the replay 5 times faster than recorded (event
#: time 5 times denser, so a volatility on a fine grid is ready within the half minute).
PAPER_LATENCY = ConstantLatency(5_000_000, 5_000_000)
PAPER_SPEED = 5
PAPER_STACK = StackParams(vol=VolParams(grid_s=0.05, half_life_s=3.0, min_returns=10,
                                        stale_s=2.0))


def served_prefix(sample_files, out, seconds):
    """The spot and USD-M files of the sample's first ``seconds`` (from the earliest line
    of all the files), written under ``out``: what the exchange replays."""
    files = []
    first = min(int(read_lines(p)[0].split(b" ", 1)[0]) for p in sample_files)
    for path in sample_files[:2]:
        keep = [ln for ln in read_lines(path)
                if int(ln.split(b" ", 1)[0]) < first + seconds * 10**9]
        dst = out / path.parent.name / path.name
        dst.parent.mkdir(parents=True)
        dst.write_bytes(gzip.compress(b"\n".join(keep) + b"\n"))
        files.append(dst)
    return files


async def paper_through_local_exchange(served, recorded_to, journal_path=None):
    """A paper session of the demo maker on simulated time, fed by native feeds of the
    local exchange replaying ``served`` whole, what it received recorded under
    ``recorded_to``. Returns ``(run, feeds)``."""
    from workbench.testing import exchange

    instruments = [binance_instrument(*k) for k in (SPOT, USDM)]
    async with exchange.LocalExchange(exchange.Recording(served), speed=PAPER_SPEED,
                                      paused=True) as ex:
        writer = RawFileWriter(recorded_to)
        group = native_feeds(ex, stale_after_s=600)
        for feed in group.feeds:
            feed.lines.on_line = Recorder.native_line_sink(writer, feed.venue)
        source = LiveSource([group])
        run = paper_session(source, instruments, USDM, DEMO_MAKER,
                            fees={i.key: DEMO_FEES for i in instruments},
                            latency=PAPER_LATENCY, queue=ConservativeQueue(),
                            orders=DEMO_ORDERS, stack=PAPER_STACK, seed=7,
                            clock=SimulatedClock(), journal_path=journal_path)
        run.session.start()
        await until(lambda: all(f._subscribed for f in group.feeds))
        ex.replay.resume()
        await until(lambda: ex.replay.ended, timeout_s=120)
        await quiet(source.statuses)
        await until(lambda: source.backlog == 0, timeout_s=120)
        await source.stop()
        await run.session.stop()
        writer.close()
        return run, group
