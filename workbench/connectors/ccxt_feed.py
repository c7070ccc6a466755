"""ccxt.pro feeds for any venue: books, trades and tickers as our events, endlessly.

Every stream is one endless task (``watch_*`` resolves on the next message only, so a
one-off call would see one update). A ``NetworkError`` (dropped socket, timeout, 429) or
``ChecksumError`` (a sequence gap ccxt found) makes the book unsynced at once (a
:func:`~workbench.connectors.ccxt_book.gap_marker` goes downstream, so the engine pulls its
quotes), then the task sleeps a backoff and calls ``watch_*`` again, which reconnects and
resubscribes: the next book is a snapshot. Where a venue has no websocket book the feed
polls its REST endpoints instead, with the same events out. Anything else a stream raises
is counted and logged, never raised into the caller.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping

from workbench.book.sync import SyncRule
from workbench.connectors.ccxt_book import (
    CONTIGUOUS,
    BookConverter,
    TickerConverter,
    TradeConverter,
)
from workbench.connectors.clock import ReceiveClock
from workbench.connectors.instruments import Listing, listings
from workbench.connectors.pacing import Backoff
from workbench.connectors.status import FeedStatus, StreamStatus, log
from workbench.core.errors import ValidationError
from workbench.core.events import MarketEvent
from workbench.core.instruments import Instrument
from workbench.data.binance.instruments import KNOWN, SYNC_RULES


def sync_rule(venue: str) -> SyncRule:
    """The book rule events of ``venue`` are numbered for: Binance's for its venues (so
    their live and recorded streams are alike), else contiguous ids."""
    return SYNC_RULES.get(venue, CONTIGUOUS)


class CcxtFeed:
    """Books, trades and tickers of several symbols of one ccxt exchange.

    Parameters
    ----------
    exchange : ccxt exchange
        From :func:`~workbench.connectors.registry.make_exchange` (its books record what
        changed).
    symbols : iterable of str
        Unified symbols or venue ids.
    books, trades, tickers : bool
        Which streams to run.
    limit : int, optional
        Book depth to ask for.
    clock : ReceiveClock, optional
        Receive stamps (share one among the feeds of a source).
    poll_interval_s : float
        REST polling period where the venue has no websocket for a stream.
    stale_after_s : float
        A stream without a message for this long is flagged stale.
    time_sync_s : float
        How often the exchange's clock offset is measured again (``load_time_difference``)
        where the exchange supports it.
    grids : mapping, optional
        Known instrument grids (default: the recorded Binance instruments).
    backoff : callable, optional
        Makes each stream's :class:`Backoff`.
    """

    def __init__(self, exchange, symbols: Iterable[str], *, books: bool = True,
                 trades: bool = True, tickers: bool = False, limit: int | None = None,
                 clock: ReceiveClock | None = None, poll_interval_s: float = 1.0,
                 stale_after_s: float = 5.0, time_sync_s: float = 60.0,
                 grids: Mapping[tuple[str, str], Instrument] | None = None,
                 backoff: Callable[[], Backoff] = Backoff) -> None:
        self.exchange = exchange
        self.wanted = list(symbols)
        if not self.wanted:
            raise ValidationError("a feed needs at least one symbol")
        self.streams = (books, trades, tickers)
        self.limit = limit
        self.clock = clock or ReceiveClock()
        self.poll_interval_s = poll_interval_s
        self.stale_after_s = stale_after_s
        self.time_sync_s = time_sync_s
        self.grids = KNOWN if grids is None else grids
        self.backoff = backoff
        self.status = FeedStatus(f"ccxt {exchange.id}")
        self.listings: list[Listing] = []
        self.converters: dict[str, BookConverter] = {}

    async def prepare(self) -> list[Listing]:
        """Load the markets and check every symbol (nothing subscribes yet).

        Raises
        ------
        UnknownSymbolError
            If the venue does not list a symbol.
        """
        if not self.listings:
            await self.exchange.load_markets()
            self.listings = listings(self.exchange, self.wanted, self.grids)
            for lst in self.listings:
                self.status.stream(*lst.key)
        return self.listings

    @property
    def instruments(self) -> list[Instrument]:
        """The instruments of the feed (after :meth:`prepare`)."""
        return [lst.instrument for lst in self.listings]

    async def run(self, emit: Callable[[MarketEvent], None]) -> None:
        """Stream until cancelled; closes the exchange's connections at the end."""
        await self.prepare()
        has = self.exchange.has
        books, trades, tickers = self.streams
        jobs = []
        for lst in self.listings:
            st = self.status.stream(*lst.key)
            if books:
                conv = self.converters[lst.ccxt_symbol] = BookConverter(
                    lst, sync_rule(lst.instrument.venue))
                jobs.append(self._books(lst, conv, st, emit, bool(has.get("watchOrderBook"))))
            if trades:
                jobs.append(self._trades(lst, st, emit, bool(has.get("watchTrades"))))
            if tickers:
                jobs.append(self._tickers(lst, st, emit, bool(has.get("watchTicker"))))
        jobs.append(self._watchdog())
        if has.get("fetchTime"):
            jobs.append(self._time_sync())
        tasks = [asyncio.create_task(j) for j in jobs]
        try:
            await asyncio.gather(*tasks)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.exchange.close()

    # -- streams -------------------------------------------------------------------------
    async def _books(self, lst: Listing, conv: BookConverter, st: StreamStatus,
                     emit: Callable[[MarketEvent], None], ws: bool) -> None:
        ex, sym, limit = self.exchange, lst.ccxt_symbol, self.limit

        async def read():
            if ws:
                return await ex.watch_order_book(sym, limit)
            await asyncio.sleep(self.poll_interval_s if conv.synced else 0)
            return await ex.fetch_order_book(sym, limit)

        def handle(book, ts: int) -> None:
            event = conv.on_book(book, ts)
            if event is not None:
                emit(event)
                st.events += 1
                if not st.synced:
                    st.on_synced(ts)
                    st.snapshots += 1

        def broken(ts: int) -> None:
            if conv.synced:
                emit(conv.gap(ts))
                st.gaps += 1
            st.on_unsynced(ts)

        await self._loop(st, read, handle, broken)

    async def _trades(self, lst: Listing, st: StreamStatus,
                      emit: Callable[[MarketEvent], None], ws: bool) -> None:
        ex, sym = self.exchange, lst.ccxt_symbol
        conv = TradeConverter(lst)
        seen: dict[str, None] = {}

        async def read():
            if ws:
                return await ex.watch_trades(sym)
            await asyncio.sleep(self.poll_interval_s)
            return await ex.fetch_trades(sym)

        def handle(trades, ts: int) -> None:
            for trade in trades:
                tid = trade.get("id")
                if not ws and tid is not None:  # polled pages overlap
                    if tid in seen:
                        continue
                    seen[tid] = None
                    if len(seen) > 10_000:
                        del seen[next(iter(seen))]
                emit(conv.on_trade(trade, ts))
                st.events += 1

        await self._loop(st, read, handle, lambda ts: None)

    async def _tickers(self, lst: Listing, st: StreamStatus,
                       emit: Callable[[MarketEvent], None], ws: bool) -> None:
        ex, sym = self.exchange, lst.ccxt_symbol
        conv = TickerConverter(lst)

        async def read():
            if ws:
                return await ex.watch_ticker(sym)
            await asyncio.sleep(self.poll_interval_s)
            return await ex.fetch_ticker(sym)

        def handle(ticker, ts: int) -> None:
            event = conv.on_ticker(ticker, ts)
            if event is not None:
                emit(event)
                st.events += 1

        await self._loop(st, read, handle, lambda ts: None)

    async def _loop(self, st: StreamStatus, read, handle, broken) -> None:
        """The endless read loop of one stream, with its error policy."""
        from ccxt.base.errors import BadRequest, BadSymbol, NetworkError, NotSupported

        backoff = self.backoff()
        while True:
            try:
                result = await read()
                ts = self.clock.now_ns()
                st.messages += 1
                st.last_local_ns = ts
                st.stale = False
                handle(result, ts)
                backoff.reset()
            except asyncio.CancelledError:
                raise
            except ValidationError as exc:  # off the grid: the update is not trusted
                st.bad_messages += 1
                self.status.error(f"{st.symbol}: bad update", exc)
                broken(self.clock.now_ns())
                await asyncio.sleep(backoff.next())
            except NetworkError as exc:  # incl. ChecksumError, RateLimitExceeded
                self.status.drops += 1
                st.last_error = f"{type(exc).__name__}: {exc}"
                broken(self.clock.now_ns())
                log.info("%s %s: %s; retrying", self.status.name, st.symbol, st.last_error)
                await asyncio.sleep(backoff.next())
            except (BadSymbol, BadRequest, NotSupported) as exc:
                st.last_error = f"{type(exc).__name__}: {exc}"
                self.status.error(f"{st.symbol}: stream stopped", exc)
                broken(self.clock.now_ns())
                return
            except Exception as exc:  # a feed never dies of one message
                st.bad_messages += 1
                self.status.error(f"{st.symbol}: unexpected", repr(exc))
                broken(self.clock.now_ns())
                await asyncio.sleep(backoff.next())

    async def _watchdog(self) -> None:
        period = min(0.25, self.stale_after_s / 4)
        while True:
            await asyncio.sleep(period)
            now = time.time_ns()
            for st in self.status.streams.values():
                quiet = st.last_local_ns and (now - st.last_local_ns) / 1e9 > self.stale_after_s
                if quiet and not st.stale:
                    log.warning("%s %s: no message for %.1f s", self.status.name, st.symbol,
                                (now - st.last_local_ns) / 1e9)
                st.stale = bool(quiet)

    async def _time_sync(self) -> None:
        from ccxt.base.errors import BaseError

        while True:
            await asyncio.sleep(self.time_sync_s)
            try:
                await self.exchange.load_time_difference()
                self.status.clock_offset_ns = -int(self.exchange.options.get(
                    "timeDifference", 0)) * 1_000_000
            except (BaseError, OSError) as exc:
                self.status.error("time", exc)
