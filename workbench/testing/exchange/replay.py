"""The local exchange's market: recorded messages replayed at a chosen speed.

Each message is applied first (the exchange's own book through :class:`BookSync`, and the
simulated exchange, which matches our orders against it), then published to the
websocket subscribers. A depth snapshot is therefore always the book as of a
``lastUpdateId`` the diff stream continues from. Publishing waits for slow subscribers
(their queues are bounded), so "as fast as possible" is as fast as the slowest client.

While none of our orders is working, book messages are only queued and applied when
something reads the book (a snapshot, an order, an inspection: :meth:`Replay.sync`), and
trades are skipped (with no order working they cannot fill anything): a market-data
client then gets the replay at the speed of the wire, not of the exchange's book.

Speed is messages' recorded time divided by wall time: 1 is real time, N is N times
faster, None as fast as possible. The replay can be paused and stepped; a stepped or
paused replay is what tests drive, waiting on conditions instead of sleeping.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from workbench.book.sync import BookSync
from workbench.core.commands import Report
from workbench.core.errors import DataError, ValidationError
from workbench.execution.sim import SimExchange
from workbench.testing.exchange.recorded import Channel, RecordedMessage, StreamKey

#: Messages replayed between two yields to the event loop when nothing else waits.
_YIELD_EVERY = 64
#: Book messages kept unapplied at most (then they are applied: bounded memory).
_MAX_PENDING = 100_000


@dataclass(frozen=True, slots=True)
class DepthSnapshot:
    """The exchange's book of one stream at one instant (what the depth endpoint sends).

    Attributes
    ----------
    last_update_id : int
        The id of the last diff applied.
    bid_ticks, bid_lots, ask_ticks, ask_lots : numpy.ndarray
        The best levels of each side, best first.
    exch_ts_ns : int
        Venue time of the last diff applied.
    """

    last_update_id: int
    bid_ticks: np.ndarray
    bid_lots: np.ndarray
    ask_ticks: np.ndarray
    ask_lots: np.ndarray
    exch_ts_ns: int


class Replay:
    """Drives recorded messages through the exchange's books, matching and streams.

    Parameters
    ----------
    messages : iterator of RecordedMessage
        In local receive-time order.
    books : mapping
        ``(venue, symbol) -> BookSync`` of every depth stream, shared with ``sim``.
    sim : SimExchange
        The matching of our orders; shown every depth and trade message.
    publish : callable
        ``await publish(message)`` puts a message on the wire.
    on_reports : callable
        Called with the simulated exchange's reports after each message that has some.
    speed : float or None
        Replay speed (None: as fast as possible).
    """

    def __init__(self, messages: Iterator[RecordedMessage], books: Mapping[StreamKey, BookSync],
                 sim: SimExchange, publish: Callable[[RecordedMessage], Awaitable[None]],
                 on_reports: Callable[[list[Report]], None], speed: float | None = None) -> None:
        self._messages = messages
        self._books = dict(books)
        self._pending: deque[RecordedMessage] = deque()
        self._sim = sim
        self._publish = publish
        self._on_reports = on_reports
        self._speed = _check_speed(speed)
        self._paused = False
        self._allowance = 0
        self._wake = asyncio.Event()
        self._anchor: tuple[float, int] | None = None
        self._depth_waiters: dict[StreamKey, list[tuple[int, asyncio.Future]]] = {}
        self._progress_waiters: list[tuple[int, asyncio.Future]] = []
        self._last_exch_ts: dict[StreamKey, int] = {}
        self._task: asyncio.Task | None = None
        self._ended = asyncio.Event()
        #: Recorded local time of the last message applied, ns.
        self.now_ns = 0
        #: Messages replayed (published) since priming.
        self.replayed = 0

    # -- state -------------------------------------------------------------------------
    @property
    def speed(self) -> float | None:
        """Replay speed: recorded time over wall time; None is as fast as possible."""
        return self._speed

    @speed.setter
    def speed(self, value: float | None) -> None:
        self._speed = _check_speed(value)
        self._anchor = None
        self._wake.set()

    @property
    def paused(self) -> bool:
        """True while paused (steps and futures snapshot requests still advance it)."""
        return self._paused

    @property
    def ended(self) -> bool:
        """True when every message has been replayed."""
        return self._ended.is_set()

    def pause(self) -> None:
        """Stop replaying after the current message."""
        self._paused = True

    def resume(self) -> None:
        """Replay again at the set speed, from now on."""
        self._paused = False
        self._anchor = None
        self._wake.set()

    # -- driving -----------------------------------------------------------------------
    def prime(self) -> int:
        """Apply messages without publishing them until every book is synchronised.

        Returns the number of messages applied.

        Raises
        ------
        DataError
            If the data ends before every depth stream has had its snapshot.
        """
        n = 0
        while not all(b.synced for b in self._books.values()):
            message = next(self._messages, None)
            if message is None:
                missing = sorted(k for k, b in self._books.items() if not b.synced)
                raise DataError(f"the recording ends before a depth snapshot of {missing}")
            self._show(message)
            n += 1
        return n

    def start(self) -> None:
        """Start the replay task on the running loop (paused replays wait for steps)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="replay")

    async def stop(self) -> None:
        """Cancel the replay task."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def step(self, n: int = 1) -> int:
        """Replay the next ``n`` messages now, paused or not; returns how many were.

        Returns fewer than ``n`` when the recording ends first.
        """
        target = self.replayed + n
        if self.ended or n <= 0:
            return 0
        before = self.replayed
        future = asyncio.get_running_loop().create_future()
        self._progress_waiters.append((target, future))
        if self._paused:
            self._allowance += n
            self._wake.set()
        await future
        return self.replayed - before

    async def wait_ended(self) -> None:
        """Return once every message has been replayed."""
        await self._ended.wait()

    async def after_next_depth(self, key: StreamKey, limit: int) -> DepthSnapshot:
        """The book of ``key`` just after the next diff of that stream is published.

        Paused, the replay advances until it is. At the end of the recording the book as
        it is. This is the futures snapshot: Binance's rule wants the first diff to
        process to contain the snapshot's id (``U <= lastUpdateId <= u``).
        """
        if self.ended:
            return self.snapshot(key, limit)
        future = asyncio.get_running_loop().create_future()
        self._depth_waiters.setdefault(key, []).append((limit, future))
        self._wake.set()
        return await future

    @property
    def streams(self) -> list[StreamKey]:
        """The depth streams replayed."""
        return list(self._books)

    def sync(self, key: StreamKey) -> BookSync:
        """The exchange's book sync of ``key``, with every replayed message applied.

        Raises
        ------
        KeyError
            If ``key`` is not a depth stream of the recording.
        """
        sync = self._books[key]
        self.catch_up()
        return sync

    def catch_up(self) -> None:
        """Apply the book messages still queued (see the module docstring)."""
        pending = self._pending
        while pending:
            self._show(pending.popleft())

    def snapshot(self, key: StreamKey, limit: int) -> DepthSnapshot:
        """The book of ``key`` now, its best ``limit`` levels a side.

        Raises
        ------
        KeyError
            If ``key`` is not a depth stream of the recording.
        """
        sync = self.sync(key)
        bid_t, bid_l, ask_t, ask_l = sync.book.top(limit)
        return DepthSnapshot(sync.last_update_id, bid_t, bid_l, ask_t, ask_l,
                             self._last_exch_ts.get(key, 0))

    # -- internals ---------------------------------------------------------------------
    def _apply(self, message: RecordedMessage) -> None:
        """Show a message now if an order is working, else queue it or skip it."""
        channel = message.channel
        self.now_ns = message.local_ts_ns
        if channel is Channel.BOOK_TICKER:
            return
        if channel is Channel.DEPTH:
            self._last_exch_ts[(message.venue, message.symbol)] = message.event.exch_ts_ns
        if self._sim.open_orders():
            self.catch_up()
            self._show(message)
        elif channel is not Channel.TRADE:
            self._pending.append(message)
            if len(self._pending) > _MAX_PENDING:
                self.catch_up()

    def _show(self, message: RecordedMessage) -> None:
        """Show a message to the simulated exchange (and so to its shared books)."""
        event = message.event
        if message.channel is Channel.BOOK_TICKER:
            return
        self._sim.on_market(event)
        reports = self._sim.poll(event.local_ts_ns)
        if reports:
            self._on_reports(reports)

    async def _run(self) -> None:
        since_yield = 0
        try:
            for message in self._messages:
                await self._gate(message)
                self._apply(message)
                if message.channel is not Channel.SNAPSHOT:
                    await self._publish(message)
                self.replayed += 1
                if message.channel is Channel.DEPTH:
                    self._resolve_depth((message.venue, message.symbol))
                if self._progress_waiters:
                    self._resolve_progress()
                since_yield += 1
                if since_yield >= _YIELD_EVERY:
                    since_yield = 0
                    await asyncio.sleep(0)
        finally:
            self._ended.set()
            for key in list(self._depth_waiters):
                self._resolve_depth(key)
            for _, future in self._progress_waiters:
                if not future.done():
                    future.set_result(None)
            self._progress_waiters.clear()

    async def _gate(self, message: RecordedMessage) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if self._paused:
                if self._allowance > 0:
                    self._allowance -= 1
                    return
                if self._depth_waiters:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            if self._speed is None or self._progress_waiters:
                return
            if self._anchor is None:
                self._anchor = (loop.time(), message.local_ts_ns)
                return
            wall0, ts0 = self._anchor
            delay = wall0 + (message.local_ts_ns - ts0) / 1e9 / self._speed - loop.time()
            if delay <= 0:
                return
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), delay)
            except TimeoutError:
                return

    def _resolve_depth(self, key: StreamKey) -> None:
        waiters = self._depth_waiters.pop(key, None)
        for limit, future in waiters or ():
            if not future.done():
                future.set_result(self.snapshot(key, limit))

    def _resolve_progress(self) -> None:
        keep = []
        for target, future in self._progress_waiters:
            if self.replayed >= target:
                if not future.done():
                    future.set_result(None)
            else:
                keep.append((target, future))
        self._progress_waiters = keep


def _check_speed(speed: float | None) -> float | None:
    if speed is None:
        return None
    speed = float(speed)
    if not speed > 0 or speed != speed:
        raise ValidationError(f"speed must be positive (or None: as fast as possible), got {speed}")
    return None if speed == float("inf") else speed
