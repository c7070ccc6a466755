"""The native Binance feed: one combined-stream socket per venue, REST snapshots, resync.

Messages are stamped the moment the socket hands them over and queued; one task turns
whatever has queued into events through :class:`~workbench.connectors.binance.lines.LinePath`
(the recorded files' parser and book sync), in arrival order, and emits them. A book
that is not in sync (at the start, after a gap, after a dropped socket) gets a REST depth
snapshot, paid for from the venue's request-weight budget; 429 and 418 answers close the
budget for their ``Retry-After`` and back off. A socket that drops, or stays silent past
``stale_after_s`` twice over, is reconnected with backoff, its books unsynced meanwhile.
The clock offset to the venue is measured at the start and every ``time_sync_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import aiohttp
import orjson

from workbench.connectors.binance.lines import LinePath, stream_symbol
from workbench.connectors.clock import ClockOffset, OffsetSample, ReceiveClock
from workbench.connectors.pacing import Backoff, WeightLimiter
from workbench.connectors.status import FeedStatus, log
from workbench.core.errors import ValidationError
from workbench.core.events import MarketEvent
from workbench.core.instruments import Instrument
from workbench.data.binance.instruments import COINM, SPOT, USDM


@dataclass(frozen=True, slots=True)
class VenueApi:
    """Where and how one Binance venue serves market data.

    Attributes
    ----------
    rest, ws : str
        REST root and combined-stream websocket URL.
    prefix : str
        REST path prefix (``/api/v3``, ``/fapi/v1``, ``/dapi/v1``).
    depth_stream : str
        Depth stream suffix (``depth@100ms``; the futures recordings use ``depth@0ms``).
    weight_limit : int
        Request weight allowed per minute.
    """

    rest: str
    ws: str
    prefix: str
    depth_stream: str
    weight_limit: int

    def depth_weight(self, limit: int) -> int:
        """Weight of a depth snapshot of ``limit`` levels, as Binance documents it."""
        if self.prefix == "/api/v3":
            return 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250
        return 2 if limit <= 50 else 5 if limit <= 100 else 10 if limit <= 500 else 20


#: Binance's own hosts, and the path under which a local stand-in serves each of them.
_HOSTS = {
    SPOT: ("https://api.binance.com", "wss://stream.binance.com:9443", "/stream", "/api/v3",
           "depth@100ms", 6000),
    USDM: ("https://fapi.binance.com", "wss://fstream.binance.com", "/fstream", "/fapi/v1",
           "depth@0ms", 2400),
    COINM: ("https://dapi.binance.com", "wss://dstream.binance.com", "/dstream", "/dapi/v1",
            "depth@0ms", 2400),
}


def venue_api(venue: str, base_url: str | None = None) -> VenueApi:
    """The endpoints of ``venue``: Binance's, or a local stand-in's at ``base_url``
    (``http://127.0.0.1:P``, the stream hosts' paths under it, as ccxt's URLs are rewritten
    for it).

    Raises
    ------
    ValidationError
        For a venue other than Binance spot, USD-M and COIN-M.
    """
    try:
        rest, ws, local_path, prefix, depth, limit = _HOSTS[venue]
    except KeyError:
        raise ValidationError(f"no native feed for {venue!r}; one of {sorted(_HOSTS)}") from None
    if base_url is not None:
        rest = base_url.rstrip("/")
        ws = "ws" + rest[4:] + local_path
    return VenueApi(rest, ws + "/stream", prefix, depth, limit)


class BinanceFeed:
    """Native market data of one Binance venue for several symbols.

    Parameters
    ----------
    venue : str
        ``binance-spot``, ``binance-usdm`` or ``binance-coinm``.
    symbols : iterable of str
        Binance symbols (``BTCUSDT``).
    api : VenueApi, optional
        Endpoints (Binance's by default; :func:`venue_api` with a local URL for tests).
    trades, book_ticker : bool
        Also stream trades and the venue's best bid/offer.
    instruments : mapping, optional
        Instruments of symbols outside the known set.
    clock : ReceiveClock, optional
        Receive stamps (share one among the feeds of a source).
    depth_limit : int
        Levels asked of a REST snapshot.
    stale_after_s : float
        No message for this long flags the streams stale; twice as long reconnects.
    time_sync_s : float
        How often the clock offset is measured again.
    on_line : callable, optional
        ``on_line(symbol, line)`` for every line received that parsed (the recorder).
    backoff : Backoff, optional
        Between reconnects and failed snapshots.

    Raises
    ------
    ValidationError
        On an unknown venue or symbol (before anything connects).
    """

    def __init__(self, venue: str, symbols: Iterable[str], *, api: VenueApi | None = None,
                 trades: bool = True, book_ticker: bool = True,
                 instruments: Mapping[tuple[str, str], Instrument] | None = None,
                 clock: ReceiveClock | None = None, depth_limit: int = 1000,
                 stale_after_s: float = 5.0, time_sync_s: float = 60.0,
                 on_line: Callable[[str, bytes], None] | None = None,
                 backoff: Backoff | None = None) -> None:
        from workbench.data.binance.instruments import binance_instrument

        self.api = api or venue_api(venue)
        self.venue = venue
        self.symbols = [s.upper() for s in symbols]
        if not self.symbols:
            raise ValidationError("a feed needs at least one symbol")
        for sym in self.symbols:
            binance_instrument(venue, sym, dict(instruments) if instruments else None)
        self.status = FeedStatus(f"native {venue}")
        self.lines = LinePath(venue, self.symbols, self.status, instruments, on_line)
        self.clock = clock or ReceiveClock()
        self.offset = ClockOffset()
        self.limiter = WeightLimiter(self.api.weight_limit)
        self.backoff = backoff or Backoff()
        self.snapshot_backoff = Backoff(base_s=0.1, max_s=10.0)
        self.depth_limit = depth_limit
        self.stale_after_s = stale_after_s
        self.time_sync_s = time_sync_s
        names = [f"{s.lower()}@{self.api.depth_stream}" for s in self.symbols]
        if trades:
            names += [f"{s.lower()}@trade" for s in self.symbols]
        if book_ticker:
            names += [f"{s.lower()}@bookTicker" for s in self.symbols]
        self.stream_names = names
        self.hub = Hub([self])
        self._subscribed = False
        self._diff_seen: set[str] = set()
        self._in_flight: set[str] = set()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._last_message_ns = 0
        self._session: aiohttp.ClientSession | None = None

    @property
    def syncs(self):
        """``symbol -> BookSync``: the feed's books."""
        return self.lines.syncs

    # -- running -------------------------------------------------------------------------
    async def run(self, emit: Callable[[MarketEvent], None]) -> None:
        """Stream until cancelled, handing every event to ``emit`` in arrival order."""
        await _run_all(self.hub, [self], emit)

    async def _connections(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            self._session = session
            try:
                await asyncio.gather(self._socket_loop(), self._watchdog(), self._time_sync())
            finally:
                self._session = None

    def _push(self, sym: str, ts: int, body: bytes) -> None:
        self.hub.push(self, sym, ts, body)

    async def _socket_loop(self) -> None:
        while True:
            try:
                await self._connect_and_read()
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                self.status.error("socket", exc)
            self._on_drop()
            await asyncio.sleep(self.backoff.next())

    async def _connect_and_read(self) -> None:
        assert self._session is not None
        async with self._session.ws_connect(self.api.ws, autoping=True, max_msg_size=0,
                                            timeout=aiohttp.ClientWSTimeout(ws_close=2)) as ws:
            self._ws = ws
            self.status.connects += 1
            self._subscribed = False
            await ws.send_str(orjson.dumps({"method": "SUBSCRIBE",
                                            "params": self.stream_names, "id": 1}).decode())
            clock, push, ours = self.clock, self._push, self.lines.symbols
            self._last_message_ns = time.time_ns()
            async for msg in ws:
                ts = clock.now_ns()
                self._last_message_ns = ts
                if msg.type is aiohttp.WSMsgType.TEXT:
                    body = msg.data.encode()
                elif msg.type is aiohttp.WSMsgType.BINARY:
                    body = msg.data
                else:
                    break
                raw = stream_symbol(body)
                sym = ours.get(raw) if raw is not None else None
                if sym is not None:
                    push(sym, ts, body)
                else:
                    self._control(body)
        self._ws = None

    def _control(self, body: bytes) -> None:
        """A message of no stream: the subscription's answer, or something unknown."""
        try:
            msg = orjson.loads(body)
        except orjson.JSONDecodeError:
            msg = None
        if isinstance(msg, dict) and msg.get("id") == 1 and "result" in msg:
            self._subscribed = True
            self.backoff.reset()
            self.hub.wake()
            return
        self.status.error("unknown message", body[:120])
        for st in self.lines.streams.values():
            st.unknown_messages += 1

    def _on_drop(self) -> None:
        self._ws = None
        self._subscribed = False
        self._diff_seen.clear()
        self.status.drops += 1
        now = self.clock.now_ns()
        for sym in self.symbols:
            self._push(sym, now, b"")

    def _on_batch(self, batch: list[tuple[str, int, bytes]]) -> list[MarketEvent]:
        for sym, _, body in batch:
            if body and sym not in self._diff_seen and b"@depth" in body[:40]:
                self._diff_seen.add(sym)
        return self.lines.process(batch)

    def _request_snapshots(self) -> None:
        if not self._subscribed:
            return
        for sym in self.lines.needs_snapshot():
            if sym in self._diff_seen and sym not in self._in_flight:
                self._in_flight.add(sym)
                asyncio.get_running_loop().create_task(self._snapshot(sym))

    async def _snapshot(self, sym: str) -> None:
        api = self.api
        url = f"{api.rest}{api.prefix}/depth"
        params = {"symbol": sym, "limit": str(self.depth_limit)}
        weight = api.depth_weight(self.depth_limit)
        try:
            while self._session is not None:
                await self.limiter.acquire(weight)
                try:
                    async with self._session.get(url, params=params) as resp:
                        used = resp.headers.get("X-MBX-USED-WEIGHT-1M")
                        if used is not None and used.isdigit():
                            self.limiter.observe_used(int(used))
                        if resp.status in (429, 418):
                            retry = float(resp.headers.get("Retry-After") or 1)
                            self.limiter.block(retry)
                            self.status.rate_limited += 1
                            log.warning("%s: %d on depth, retry after %.0f s",
                                        self.status.name, resp.status, retry)
                            await asyncio.sleep(max(retry, self.snapshot_backoff.next()))
                            continue
                        body = await resp.read()
                        ts = self.clock.now_ns()
                        if resp.status != 200:
                            self.status.error(f"depth {sym} answered {resp.status}", body[:120])
                            await asyncio.sleep(self.snapshot_backoff.next())
                            continue
                except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                    self.status.error(f"depth {sym}", exc)
                    await asyncio.sleep(self.snapshot_backoff.next())
                    continue
                self.snapshot_backoff.reset()
                self._push(sym, ts, body)
                return
        finally:
            self._in_flight.discard(sym)

    async def _watchdog(self) -> None:
        period = min(0.25, self.stale_after_s / 4)
        while True:
            await asyncio.sleep(period)
            if not self._last_message_ns:
                continue
            quiet_s = (time.time_ns() - self._last_message_ns) / 1e9
            stale = quiet_s > self.stale_after_s
            for st in self.lines.streams.values():
                if stale and not st.stale:
                    log.warning("%s %s: no message for %.1f s", self.venue, st.symbol, quiet_s)
                st.stale = stale
            if quiet_s > 2 * self.stale_after_s and self._ws is not None:
                self.status.error("stream silent", f"{quiet_s:.1f} s: reconnecting")
                self._last_message_ns = time.time_ns()
                with contextlib.suppress(Exception):
                    await self._ws.close()

    async def _time_sync(self) -> None:
        url = f"{self.api.rest}{self.api.prefix}/time"
        while True:
            if self._session is not None:
                try:
                    await self.limiter.acquire(1)
                    sent = time.time_ns()
                    async with self._session.get(url) as resp:
                        body = await resp.json(content_type=None)
                    received = time.time_ns()
                    if resp.status == 200 and "serverTime" in body:
                        self.offset.add(OffsetSample(sent, int(body["serverTime"]) * 1_000_000,
                                                     received))
                        self.status.clock_offset_ns = self.offset.offset_ns
                except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
                    self.status.error("time", exc)
            await asyncio.sleep(self.time_sync_s if self.offset.known else 1.0)


class Hub:
    """One queue for the messages of several native feeds, worked off by one task.

    Every message is stamped by one clock as it arrives; the task turns what queued into
    events feed by feed and merges them by stamp, so the events of all the feeds come out
    in the order their messages arrived (what a replay of their recordings sees).
    """

    def __init__(self, feeds: list[BinanceFeed]) -> None:
        self.feeds = feeds
        self._queue: list[tuple[BinanceFeed, str, int, bytes]] = []
        self._wake = asyncio.Event()

    def push(self, feed: BinanceFeed, sym: str, ts: int, body: bytes) -> None:
        """Queue one message (``b""``: the feed's stream broke)."""
        self._queue.append((feed, sym, ts, body))
        self._wake.set()

    def wake(self) -> None:
        """Run the task (a feed's state changed)."""
        self._wake.set()

    async def run(self, emit: Callable[[MarketEvent], None]) -> None:
        """Work the queue until cancelled."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._queue = self._queue, []
            if batch:
                per_feed: dict[int, list[tuple[str, int, bytes]]] = {}
                for feed, sym, ts, body in batch:
                    per_feed.setdefault(id(feed), []).append((sym, ts, body))
                feeds = {id(f): f for f in self.feeds}
                outs = [feeds[k]._on_batch(v) for k, v in per_feed.items()]
                events = outs[0] if len(outs) == 1 else heapq.merge(*outs, key=_local_ts)
                for event in events:
                    emit(event)
            for feed in self.feeds:
                feed._request_snapshots()
            await asyncio.sleep(0)


class BinanceFeeds:
    """Several native feeds (venues) sharing one clock and one :class:`Hub`: their events
    come out in arrival order across venues.

    Parameters
    ----------
    feeds : list of BinanceFeed
        Made with the same ``clock``.
    """

    def __init__(self, feeds: list[BinanceFeed]) -> None:
        if len({id(f.clock) for f in feeds}) > 1:
            raise ValidationError("feeds of one group must share their receive clock")
        self.feeds = feeds
        self.hub = Hub(feeds)
        for feed in feeds:
            feed.hub = self.hub
        self.status = FeedStatus("native " + ",".join(f.venue for f in feeds))
        for feed in feeds:
            self.status.streams.update(feed.status.streams)

    async def run(self, emit: Callable[[MarketEvent], None]) -> None:
        """Stream every feed until cancelled."""
        await _run_all(self.hub, self.feeds, emit)


async def _run_all(hub: Hub, feeds: list[BinanceFeed],
                   emit: Callable[[MarketEvent], None]) -> None:
    tasks = [asyncio.create_task(hub.run(emit))]
    tasks += [asyncio.create_task(f._connections(), name=f.status.name) for f in feeds]
    try:
        await asyncio.gather(*tasks)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _local_ts(event: MarketEvent) -> int:
    return event.local_ts_ns
