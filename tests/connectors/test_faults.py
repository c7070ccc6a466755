"""Faults against the local exchange: drops, gaps, stalls, 429 storms, skew, bad names."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from tests.connectors.localex import COINM, SPOT, USDM, native_feeds, quiet, top_levels, until
from workbench.connectors.build import ccxt_feed, native_feed
from workbench.connectors.clock import ReceiveClock
from workbench.connectors.registry import UnknownSymbolError, UnknownVenueError, make_exchange
from workbench.core.errors import ValidationError

exchange = pytest.importorskip("workbench.testing.exchange")


@pytest.fixture(scope="module")
def recording():
    return exchange.Recording(cache=True, seconds=40)


async def _started(ex, feed):
    events = []
    task = asyncio.create_task(feed.run(events.append))
    feeds = getattr(feed, "feeds", [feed])
    await until(lambda: all(f._subscribed for f in feeds))
    ex.replay.resume()
    await until(lambda: all(s.synced for f in feeds for s in f.syncs.values()))
    return task, events


def _stop(task):
    task.cancel()


@pytest.mark.parametrize("key", [SPOT, USDM, COINM])
def test_socket_drop_mid_stream_unsyncs_then_resyncs_to_the_exchanges_book(recording, key):
    async def scenario():
        async with exchange.LocalExchange(recording, speed=20, paused=True) as ex:
            feed = native_feeds(ex, [key])
            task, events = await _started(ex, feed)
            await asyncio.sleep(0.3)
            markers_before = sum(1 for e in events if getattr(e, "prev_update_id", 0) == -2)
            assert await ex.faults.drop_market_sockets() == 1
            await until(lambda: feed.status.drops == 1)
            st = feed.status.streams[key]
            await until(lambda: st.synced and feed.status.connects == 2)
            markers = sum(1 for e in events if getattr(e, "prev_update_id", 0) == -2)
            await until(lambda: ex.replay.ended, timeout_s=60)
            await quiet([feed.status])
            _stop(task)
            return feed, ex.book(*key), st, markers - markers_before

    feed, ref, st, markers = asyncio.run(scenario())
    assert markers == 1  # the engine saw the break at once
    assert st.resync_ms[-1] < 5_000 and st.gaps >= 1
    assert top_levels(feed.syncs[key[1]].book, 500) == top_levels(ref, 500)


def test_a_lost_diff_is_a_gap_and_the_book_resyncs(recording):
    async def scenario():
        async with exchange.LocalExchange(recording, speed=20, paused=True) as ex:
            feed = native_feeds(ex, [SPOT])
            task, _ = await _started(ex, feed)
            ex.faults.lose(1, api="spot")
            st = feed.status.streams[SPOT]
            await until(lambda: st.gaps >= 1)
            await until(lambda: st.synced)
            snapshots = st.snapshots
            await until(lambda: ex.replay.ended, timeout_s=60)
            await quiet([feed.status])
            _stop(task)
            return feed, ex.book(*SPOT), st, snapshots

    feed, ref, st, snapshots = asyncio.run(scenario())
    assert snapshots == 2 and st.resync_ms
    assert top_levels(feed.syncs["BTCUSDT"].book, 500) == top_levels(ref, 500)


def test_ccxt_feed_survives_a_drop_and_a_gap(recording):
    async def scenario():
        # Slow enough that both resyncs find diffs to follow their snapshot, however
        # loaded the machine; then the rest as fast as it goes.
        async with exchange.LocalExchange(recording, speed=5, paused=True) as ex:
            feed = await ccxt_feed("binance", ["BTC/USDT"], ReceiveClock(),
                                   lambda e: exchange.point_ccxt(e, ex.urls.rest))
            events = []
            task = asyncio.create_task(feed.run(events.append))
            await asyncio.sleep(0.5)
            ex.replay.resume()
            st = feed.status.streams[SPOT]
            await until(lambda: st.synced)
            await ex.faults.drop_market_sockets(api="spot")
            await until(lambda: st.gaps == 1)
            await until(lambda: st.synced, timeout_s=30)
            ex.faults.lose(1, api="spot")
            await until(lambda: st.gaps == 2, timeout_s=30)
            await until(lambda: st.synced, timeout_s=30)
            ex.replay.speed = None
            await until(lambda: ex.replay.ended, timeout_s=90)
            await quiet([feed.status], quiet_s=1.0)
            from workbench.book.sync import BINANCE_SPOT, BookSync

            sync = BookSync(BINANCE_SPOT, *SPOT)
            for e in events:
                if type(e).__name__ == "BookSnapshot":
                    sync.on_snapshot(e)
                elif type(e).__name__ == "BookDelta":
                    sync.on_delta(e)
            task.cancel()
            return sync, ex.book(*SPOT), st

    sync, ref, st = asyncio.run(scenario())
    assert sync.synced and st.gaps == 2 and len(st.resync_ms) >= 2
    assert top_levels(sync.book, 500) == top_levels(ref, 500)


def test_a_stalled_stream_is_flagged_stale_then_reconnected(recording):
    async def scenario():
        async with exchange.LocalExchange(recording, speed=5, paused=True) as ex:
            feed = native_feeds(ex, [SPOT], stale_after_s=0.5)
            task, _ = await _started(ex, feed)
            st = feed.status.streams[SPOT]
            assert ex.faults.stall_market() == 1
            await until(lambda: st.stale, timeout_s=5)
            stale_seen = st.stale
            await until(lambda: feed.status.connects == 2, timeout_s=5)  # reconnected
            await until(lambda: st.synced and not st.stale, timeout_s=10)
            _stop(task)
            return stale_seen, st

    stale_seen, st = asyncio.run(scenario())
    assert stale_seen and st.synced


def test_a_429_storm_backs_off_within_the_weight_limit(recording):
    async def scenario():
        async with exchange.LocalExchange(recording, speed=20, paused=True) as ex:
            ex.faults.rate_limit(429, count=4, retry_after_s=1, path="/api/v3/depth")
            feed = native_feeds(ex, [SPOT])
            task, _ = await _started(ex, feed)
            _stop(task)
            return feed

    feed = asyncio.run(scenario())
    assert feed.status.rate_limited == 4
    history = feed.limiter.history
    depth = [t for t, w in history if w == 50]
    assert len(depth) == 5  # four refused, the fifth served
    gaps = [b - a for a, b in itertools.pairwise(depth)]
    assert all(g >= 0.99 for g in gaps)  # each waited its Retry-After
    for t, _ in history:  # never more than the limit within any minute
        assert sum(w for s, w in history if t - 60 < s <= t) <= feed.limiter.limit


def test_clock_skew_is_measured(recording):
    async def scenario():
        async with exchange.LocalExchange(recording, speed=20, paused=True) as ex:
            ex.faults.set_clock_skew(-7_000)
            feed = native_feeds(ex, [SPOT])
            task, _ = await _started(ex, feed)
            await until(lambda: feed.offset.known)
            ccxt_ex = exchange.point_ccxt(make_exchange("binance"), ex.urls.rest)
            try:
                await ccxt_ex.load_markets()  # adjustForTimeDifference: synced here
                ccxt_offset_ms = -ccxt_ex.options["timeDifference"]
            finally:
                await ccxt_ex.close()
            _stop(task)
            return feed.offset, ccxt_offset_ms

    offset, ccxt_ms = asyncio.run(scenario())
    assert abs(offset.offset_ns / 1e6 + 7_000) <= 2 + offset.error_bound_ns / 1e6
    assert abs(ccxt_ms + 7_000) <= 50


def test_unknown_venue_or_symbol_is_refused_before_anything_connects(recording):
    with pytest.raises(UnknownVenueError, match="binance"):
        make_exchange("binanse")
    with pytest.raises(ValidationError, match="unknown instrument"):
        native_feed("binance", ["NOPE/USDT"], ReceiveClock())
    with pytest.raises(ValidationError, match="no native feed"):
        native_feed("kraken", ["BTC/USD"], ReceiveClock())

    async def scenario():
        async with exchange.LocalExchange(recording, paused=True) as ex:
            with pytest.raises(UnknownSymbolError, match="NOPE"):
                await ccxt_feed("binance", ["NOPE/USDT"], ReceiveClock(),
                                lambda e: exchange.point_ccxt(e, ex.urls.rest))
            return len(ex.streams.connections)

    assert asyncio.run(scenario()) == 0  # no socket was opened
