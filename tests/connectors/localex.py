"""Running the local exchange and our feeds against it, for the integration tests."""

from __future__ import annotations

import asyncio
import time

from workbench.connectors.binance.feed import BinanceFeed, BinanceFeeds, venue_api
from workbench.connectors.clock import ReceiveClock

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
