"""Step an engine and a venue through events in time order; replay recorded data with it.

:class:`Stepper` owns the time line of one run: market events at their ``local_ts_ns``,
venue reports at the time they reach us. Before each market event every report due at
or before it is delivered, each at its own due time (the reports due at one time in one
batch, as a live engine drains what has arrived before it decides), so the engine sees
exactly what it would have seen live and submits its commands at the time it decided
them. The replay
driver and the paper session both step through it, which is why a backtest and a paper
run on the same data and seed give the same fills.

A simulated venue with a feed latency (``venue.feed``, a
:class:`~workbench.execution.sim.FeedLatency`) sees market data at its exchange time,
before we do: :func:`run_replay` then puts the events' receive times on the venue's
clock (:meth:`FeedLatency.retime`) and shows the venue each event up to
``max_latency_ns`` of receive time ahead of the engine, and the stepper lets the venue
act up to each time the engine acts (:meth:`~workbench.execution.sim.SimExchange.advance`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from workbench.core.clock import Clock, SimulatedClock
from workbench.core.commands import Command
from workbench.core.events import MarketEvent
from workbench.engine.protocols import EngineCore
from workbench.execution.venue import Venue


class Stepper:
    """Delivers events and reports to an engine in time order and submits its commands.

    Parameters
    ----------
    engine : EngineCore
        The engine step.
    venue : Venue
        Takes the commands; a simulated venue (one with ``on_market``) also sees every
        market event, before the engine does (with a feed latency the driver shows it
        the events ahead of time, see :func:`run_replay`).
    clock : Clock
        A :class:`SimulatedClock` (replays: advanced to each event's and report's time)
        or a wall clock (live: read, never advanced).
    timer_interval_ns : int
        The engine's timer fires at the first event this long after the previous firing.
    send : callable, optional
        ``send(command, now_ns)``; defaults to ``venue.submit`` (a session wraps it with
        retries).
    on_commands : callable, optional
        Observer of every batch of commands with its submit time.
    """

    def __init__(self, engine: EngineCore, venue: Venue, clock: Clock,
                 timer_interval_ns: int = 100_000_000,
                 send: Callable[[Command, int], None] | None = None,
                 on_commands: Callable[[list[Command], int], None] | None = None) -> None:
        self.engine = engine
        self.venue = venue
        self.clock = clock
        self.timer_interval_ns = timer_interval_ns
        self._send = send or venue.submit
        self._on_commands = on_commands
        self._on_market = getattr(venue, "on_market", None)
        #: The venue's feed latency, if it sees market data before us.
        self.feed = getattr(venue, "feed", None)
        self._venue_advance = getattr(venue, "advance", None) if self.feed else None
        if self.feed is not None:
            self._on_market = None  # shown ahead by the driver
        self._advance = getattr(clock, "advance_to", None)
        self._next_timer: int | None = None
        self.events = 0
        self.reports = 0

    def submit(self, commands: list[Command], now_ns: int) -> None:
        """Send ``commands`` at ``now_ns``."""
        if commands:
            if self._on_commands is not None:
                self._on_commands(commands, now_ns)
            for command in commands:
                self._send(command, now_ns)

    def deliver_until(self, t_ns: int) -> None:
        """Hand the engine every report due at or before ``t_ns``, each at its due time."""
        venue, clock, advance = self.venue, self.clock, self._venue_advance
        while True:
            if advance is not None:
                advance(t_ns)
            due = venue.next_report_ns()
            if due is None or due > t_ns:
                return
            if self._advance is not None:
                self._advance(max(due, clock.now_ns()))
            now = clock.now_ns()
            reports = venue.poll(now)
            self.reports += len(reports)
            self.submit(self.engine.on_reports(reports, now), now)

    def market(self, event: MarketEvent) -> None:
        """One market event: due reports first, the timer if due, then the event."""
        t = event.local_ts_ns
        if self._venue_advance is not None:
            self.deliver_until(t)
        else:  # a report due is rare: ask the venue here before delivering
            due = self.venue.next_report_ns()
            if due is not None and due <= t:
                self.deliver_until(t)
        clock = self.clock
        now = clock.now_ns()
        if t > now and self._advance is not None:
            self._advance(t)
            now = clock.now_ns()
        if self._next_timer is None:
            self._next_timer = now + self.timer_interval_ns
        elif now >= self._next_timer:
            self.submit(self.engine.on_timer(now), now)
            self._next_timer = now + self.timer_interval_ns
        if self._on_market is not None:
            self._on_market(event)
        commands = self.engine.on_market(event)
        if commands:
            self.submit(commands, now)
        self.events += 1

    def timer(self) -> None:
        """No event came for a while: deliver due reports and run the engine's timer."""
        now = self.clock.now_ns()
        self.deliver_until(now)
        self.submit(self.engine.on_timer(now), now)

    def finish(self) -> None:
        """Let what is in flight land: reports due within one timer interval of the end."""
        self.deliver_until(self.clock.now_ns() + self.timer_interval_ns)


def run_replay(
    engine: EngineCore,
    venue: Venue,
    events: Iterable[MarketEvent],
    clock: SimulatedClock,
    timer_interval_ns: int = 100_000_000,
    on_commands: Callable[[list[Command], int], None] | None = None,
) -> int:
    """Replay ``events`` (in ``local_ts_ns`` order) through ``venue`` and ``engine``.

    Returns
    -------
    int
        Events replayed.
    """
    stepper = Stepper(engine, venue, clock, timer_interval_ns, on_commands=on_commands)
    feed = stepper.feed
    if feed is None:
        for event in events:
            stepper.market(event)
    else:
        show, lead, ahead = venue.on_market, feed.max_latency_ns, deque()
        market, first = stepper.market, ahead.popleft
        for event in feed.retime(events):
            show(event)
            ahead.append(event)
            horizon = event.local_ts_ns - lead
            while ahead[0].local_ts_ns < horizon:
                market(first())
        while ahead:
            market(first())
    stepper.finish()
    return stepper.events
