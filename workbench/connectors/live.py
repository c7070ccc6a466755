"""Several feeds as one async stream of events, in the order they arrived.

:class:`LiveSource` is what a :class:`~workbench.engine.session.Session` reads in paper
and live modes: every feed runs as tasks on the running loop and hands its events over
as they come; the source yields them in that order. All feeds share one
:class:`~workbench.connectors.clock.ReceiveClock`, so the events' ``local_ts_ns`` rise
strictly: a replay of what was recorded meanwhile, merged by that stamp, sees the same
order.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Protocol

from workbench.connectors.clock import ReceiveClock
from workbench.connectors.status import FeedStatus, status_line
from workbench.core.events import MarketEvent


class Feed(Protocol):
    """What a source needs of a feed."""

    status: FeedStatus

    async def run(self, emit: Callable[[MarketEvent], None]) -> None:
        """Stream until cancelled, calling ``emit`` for every event."""
        ...


class LiveSource:
    """The events of ``feeds`` as one async iterator.

    Parameters
    ----------
    feeds : iterable of Feed
        Native or ccxt feeds (give them this source's :attr:`clock`).
    clock : ReceiveClock, optional
        The shared receive clock.
    on_event : callable, optional
        Also called with every event as it arrives (a recorder).
    """

    def __init__(self, feeds: Iterable[Feed], clock: ReceiveClock | None = None,
                 on_event: Callable[[MarketEvent], None] | None = None) -> None:
        self.feeds = list(feeds)
        self.clock = clock or ReceiveClock()
        self._on_event = on_event
        self._events: deque[MarketEvent] = deque()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._failed: BaseException | None = None
        self.received = 0
        self.max_backlog = 0
        self._rate_mark = (time.monotonic(), 0)

    def emit(self, event: MarketEvent) -> None:
        """Take one event from a feed."""
        self._events.append(event)
        self.received += 1
        if self._on_event is not None:
            self._on_event(event)
        self._wake.set()

    def start(self) -> None:
        """Start every feed as a task on the running loop."""
        if self._tasks:
            return
        for feed in self.feeds:
            task = asyncio.get_running_loop().create_task(feed.run(self.emit),
                                                          name=feed.status.name)
            task.add_done_callback(self._feed_done)
            self._tasks.append(task)

    def _feed_done(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            self._failed = task.exception()
            self._wake.set()

    async def stop(self) -> None:
        """Cancel every feed and wait for them to close their connections."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        self._wake.set()

    @property
    def backlog(self) -> int:
        """Events received and not yet read."""
        return len(self._events)

    def __aiter__(self) -> AsyncIterator[MarketEvent]:
        self.start()
        return self

    async def __anext__(self) -> MarketEvent:
        events = self._events
        while not events:
            if self._failed is not None:
                raise self._failed
            if not self._tasks:
                raise StopAsyncIteration
            self._wake.clear()
            await self._wake.wait()
        self.max_backlog = max(self.max_backlog, len(events))
        return events.popleft()

    @property
    def statuses(self) -> list[FeedStatus]:
        """Each feed's status."""
        return [f.status for f in self.feeds]

    def status_line(self) -> str:
        """Messages and their rate since the last call, gaps, drops, book states."""
        now = time.monotonic()
        t0, n0 = self._rate_mark
        n = sum(s.messages for s in self.statuses)
        self._rate_mark = (now, n)
        rate = (n - n0) / (now - t0) if now > t0 else 0.0
        return status_line(self.statuses, rate)
