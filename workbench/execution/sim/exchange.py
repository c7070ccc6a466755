"""The simulated exchange: several instruments, latency both ways, queues, partial fills.

Time
----
Everything runs on one clock, the clock of our receive times (``local_ts_ns`` of market
events and the ``now_ns`` of :meth:`SimExchange.submit`). A command sent at ``t``
arrives at ``t + entry`` and acts on the book built from every market event the venue
has seen by then (an event seen exactly at the arrival is applied first). Each report is
stamped with the exchange time it happened (``ts_ns``: the arrival of its command, or
the time the venue saw the market event that caused it) and reaches us at
``ts_ns + response``. One response delay is drawn per exchange action, so the reports of
one action arrive together. Like a single connection, the link keeps order both ways:
a command never overtakes an earlier one, nor a report an earlier report.

When does the venue see a market event? Without a feed latency (the latency model's
``feed`` is None: paper runs, the local exchange) it sees it when we do, at
``local_ts_ns``. With a :class:`~workbench.execution.sim.feed.FeedLatency` it sees it at
its exchange time (:meth:`FeedLatency.venue_time`; the events' ``local_ts_ns`` carry the
feed's offset), trade prints before depth diffs of the same exchange time, and we see
it feed latency later: a cancel sent in reaction to a book update reaches the venue no
earlier than the update's exchange time + feed latency + entry latency.

Driving it
----------
Without a feed: show it every market event in local-time order with
:meth:`~SimExchange.on_market` (streams it does not trade are ignored) just before the
engine; :meth:`~SimExchange.submit` commands; :meth:`~SimExchange.poll` at a time ``now``
only after every event stamped ``<= now`` has been shown; :meth:`~SimExchange.next_report_ns`
says when to poll next. With a feed: show it every event up to ``max_latency_ns`` (of
receive time) ahead of the engine; before the engine acts at ``t``, :meth:`advance` it to
``t`` and deliver the reports due (:class:`~workbench.engine.replay_driver.Stepper` does
all this).
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import deque
from collections.abc import Iterable, Mapping

from workbench.book.l2 import L2Book
from workbench.book.sync import BookSync, SyncRule
from workbench.core.commands import (
    Amend,
    Cancel,
    Command,
    CommandKind,
    Filled,
    Place,
    RejectCode,
    Rejected,
    Report,
    TimeInForce,
)
from workbench.core.errors import ValidationError
from workbench.core.events import BestBidOffer, BookDelta, BookSnapshot, MarketEvent, Side, Trade
from workbench.core.instruments import Instrument
from workbench.execution.journal.reconcile import VenueOrder
from workbench.execution.sim.feed import priority
from workbench.execution.sim.fees import FeeSchedule
from workbench.execution.sim.latency import LatencyModel
from workbench.execution.sim.matcher import InstrumentMatcher
from workbench.execution.sim.orders import OrderRegister, SimOrder
from workbench.execution.sim.queue import QueueModel
from workbench.execution.sim.validation import CommandRefused, positive_int

_PLACE, _CANCEL, _AMEND = CommandKind.PLACE, CommandKind.CANCEL, CommandKind.AMEND
_KINDS = {Place: _PLACE, Cancel: _CANCEL, Amend: _AMEND}


class SimExchange:
    """A simulated venue matching our orders on several instruments against market data.

    Implements :class:`~workbench.execution.venue.SimulatedVenue`. Bad commands never
    raise: they come back as :class:`Rejected` reports saying why. Same market events,
    same commands at the same times and the same seed give the same reports.

    Parameters
    ----------
    instruments : iterable of Instrument
        What can be traded; each keeps its own book from the market events.
    fees : mapping
        ``(venue, symbol) -> FeeSchedule`` for every instrument.
    latency : LatencyModel
        Entry and response delays, and the feed latency (``latency.feed``; see the
        module docstring).
    queue : QueueModel
        Attribution of cancellations at our levels.
    sync_rules : mapping
        ``venue -> SyncRule`` for every venue of the instruments.
    seed : int
        Seeds the latency draws and the queue draws (two independent streams).
    name : str
        The venue's name.
    books : mapping, optional
        ``(venue, symbol) -> BookSync`` to use instead of keeping books of its own, for
        instruments found there: an engine's books in a backtest or paper run, where the
        exchange and the engine read the same events in the same order. The exchange
        must be shown each event before the engine (as
        :class:`~workbench.engine.replay_driver.Stepper` does): it applies the event and
        the engine's turn finds it applied. One book then serves both, as their two books
        would hold the same levels at every step.

    Raises
    ------
    ValidationError
        If an instrument appears twice or lacks a fee schedule or a sync rule, or if
        ``books`` are given with a feed latency (the venue's books run ahead of ours).
    """

    def __init__(self, instruments: Iterable[Instrument],
                 fees: Mapping[tuple[str, str], FeeSchedule], latency: LatencyModel,
                 queue: QueueModel, sync_rules: Mapping[str, SyncRule], seed: int,
                 name: str = "sim",
                 books: Mapping[tuple[str, str], BookSync] | None = None) -> None:
        self.name = name
        self.latency = latency
        self.feed = getattr(latency, "feed", None)
        if self.feed is not None and books:
            raise ValidationError("books cannot be shared with a feed latency: the venue "
                                  "sees market data before the engine")
        self.queue = queue
        self._latency_rng = random.Random(f"{seed}:latency")
        queue_rng = random.Random(f"{seed}:queue")
        self._register = OrderRegister()
        fill_ids = itertools.count(1)
        self._matchers: dict[tuple[str, str], InstrumentMatcher] = {}
        for inst in instruments:
            if inst.key in self._matchers:
                raise ValidationError(f"instrument {inst.key} given twice")
            if inst.key not in fees:
                raise ValidationError(f"no fee schedule for {inst.key}")
            if inst.venue not in sync_rules:
                raise ValidationError(f"no book sync rule for venue {inst.venue!r}")
            self._matchers[inst.key] = InstrumentMatcher(
                inst, fees[inst.key], sync_rules[inst.venue], queue, queue_rng,
                self._register, fill_ids, books.get(inst.key) if books else None)
        if not self._matchers:
            raise ValidationError("SimExchange needs at least one instrument")
        # Commands in flight: (arrival_ns, response_ns, command), arrival non-decreasing.
        self._arrivals: deque[tuple[int, int, Command]] = deque()
        self._last_arrival_ns = -(2**63)
        # Reports in flight: (due_ns, report), due non-decreasing.
        self._outbox: deque[tuple[int, Report]] = deque()
        self._last_due_ns = -(2**63)
        self._fills: list[Filled] = []  # every execution, as the exchange knows it
        # Market events shown but not yet seen by the venue (with a feed):
        # (venue_ts_ns, priority, sequence, event).
        self._pending: list[tuple[int, int, int, MarketEvent]] = []
        self._shown = 0

    # -- Venue ---------------------------------------------------------------------------
    def submit(self, command: Command, now_ns: int) -> None:
        """Send a command at local time ``now_ns``; it acts when it arrives."""
        latency, rng = self.latency, self._latency_rng
        arrival = now_ns + latency.draw_entry_ns(rng)
        if arrival < self._last_arrival_ns:
            arrival = self._last_arrival_ns
        self._last_arrival_ns = arrival
        self._arrivals.append((arrival, latency.draw_response_ns(rng), command))

    def poll(self, now_ns: int) -> list[Report]:
        """Reports that have reached us by ``now_ns``, oldest first.

        Commands that have arrived by ``now_ns`` are executed first, against the book
        of the events shown so far.
        """
        if self.feed is not None:
            self._settle(now_ns, False)
        else:
            arrivals = self._arrivals
            if arrivals and arrivals[0][0] <= now_ns:
                self._run_arrivals(now_ns)
        outbox = self._outbox
        reports: list[Report] = []
        while outbox and outbox[0][0] <= now_ns:
            reports.append(outbox.popleft()[1])
        return reports

    def next_report_ns(self) -> int | None:
        """When to poll next: the earliest due report, or the earliest a command in flight
        can be answered (its arrival plus its response delay); None when nothing is
        in flight."""
        due = self._outbox[0][0] if self._outbox else None
        if self._arrivals:
            arrival, response, _ = self._arrivals[0]
            if due is None or arrival + response < due:
                due = arrival + response
        return due

    def advance(self, until_ns: int) -> None:
        """With a feed: let the venue act (market events seen, commands arriving) in time
        order up to ``until_ns``, stopping before anything later than the earliest report
        due, so that we can answer that report first. No-op without a feed."""
        pending, arrivals = self._pending, self._arrivals
        if self.feed is not None and ((pending and pending[0][0] <= until_ns)
                                      or (arrivals and arrivals[0][0] <= until_ns)):
            self._settle(until_ns, True)

    def on_market(self, event: MarketEvent) -> None:
        """Show the exchange a market event.

        Without a feed the venue sees it now, at its ``local_ts_ns``: commands arriving
        strictly before it act first; then it updates its stream's book (snapshots,
        diffs) or trades against our orders (trades). With a feed it is kept until the
        venue's clock reaches its exchange time (:meth:`advance`, :meth:`poll`). Best bid
        and offer messages are not used: the book is the venue's diff stream.
        """
        if self.feed is not None:
            if (event.venue, event.symbol) in self._matchers and type(event) is not BestBidOffer:
                self._shown += 1
                heapq.heappush(self._pending, (self.feed.venue_time(event), priority(event),
                                               self._shown, event))
            return
        ts_ns = event.local_ts_ns
        arrivals = self._arrivals
        if arrivals and arrivals[0][0] < ts_ns:
            self._run_arrivals(ts_ns - 1)
        self._see(event, ts_ns)

    def _see(self, event: MarketEvent, ts_ns: int) -> None:
        """The venue sees a market event at ``ts_ns``."""
        matcher = self._matchers.get((event.venue, event.symbol))
        if matcher is None:
            return
        kind = type(event)
        out: list[Report] = []
        if kind is Trade:
            matcher.on_trade(event, ts_ns, out)
        elif kind is BookDelta or kind is BookSnapshot:
            matcher.on_book(event, ts_ns, out)
        if out:
            self._send(out, ts_ns)

    # -- inspection ----------------------------------------------------------------------
    def book(self, venue: str, symbol: str) -> L2Book:
        """The exchange's book of one instrument (read it, do not change it).

        Raises
        ------
        ValidationError
            If the instrument is not traded here.
        """
        return self._matcher(venue, symbol).sync.book

    def synced(self, venue: str, symbol: str) -> bool:
        """Whether the exchange's book of one instrument is synchronised."""
        return self._matcher(venue, symbol).sync.synced

    def working_order(self, order_id: int) -> SimOrder | None:
        """A working order as the exchange holds it, or None when it is not working (not
        arrived yet, filled or cancelled). ``ahead_lots`` is its place in the queue: other
        participants' size ahead of it. Read it, do not change it."""
        return self._register.working.get(order_id)

    def open_orders(self) -> list[VenueOrder]:
        """Our orders working at the exchange now (what a venue's open-orders call gives)."""
        return [VenueOrder(o.order_id, o.venue, o.symbol, o.side, o.price_ticks, o.size_lots)
                for o in self._register.working.values()]

    def positions(self) -> dict[tuple[str, str], int]:
        """Our position in lots per instrument, from every execution so far."""
        out = {key: 0 for key in self._matchers}
        for f in self._fills:
            out[(f.venue, f.symbol)] += int(f.side) * f.size_lots
        return out

    def fills_since(self, ts_ns: int) -> list[Filled]:
        """Executions at or after exchange time ``ts_ns`` (a venue's trade history call)."""
        return [f for f in self._fills if f.ts_ns >= ts_ns]

    def _matcher(self, venue: str, symbol: str) -> InstrumentMatcher:
        matcher = self._matchers.get((venue, symbol))
        if matcher is None:
            raise ValidationError(f"{venue} {symbol} is not traded on {self.name}")
        return matcher

    # -- internals -----------------------------------------------------------------------
    def _settle(self, until_ns: int, stop_at_due: bool) -> None:
        """Venue actions up to ``until_ns`` in time order, market events first at equal
        times; with ``stop_at_due``, none later than the earliest report due."""
        pending, arrivals, outbox = self._pending, self._arrivals, self._outbox
        pop = heapq.heappop
        while pending or arrivals:
            t_market = pending[0][0] if pending else until_ns + 1
            t_command = arrivals[0][0] if arrivals else until_ns + 1
            t = t_market if t_market <= t_command else t_command
            if t > until_ns or (stop_at_due and outbox and outbox[0][0] < t):
                return
            if t_market <= t_command:
                self._see(pop(pending)[3], t)
            else:
                self._run_arrivals(t)

    def _run_arrivals(self, until_ns: int) -> None:
        arrivals = self._arrivals
        while arrivals and arrivals[0][0] <= until_ns:
            arrival, response, command = arrivals.popleft()
            out: list[Report] = []
            try:
                self._execute(command, arrival, out)
            except CommandRefused as refusal:
                out.append(Rejected(getattr(command, "order_id", -1), refusal.command,
                                    refusal.reason, arrival, refusal.transient, refusal.code))
            self._queue_reports(out, arrival + response)

    def _send(self, out: list[Report], ts_ns: int) -> None:
        self._queue_reports(out, ts_ns + self.latency.draw_response_ns(self._latency_rng))

    def _queue_reports(self, out: list[Report], due_ns: int) -> None:
        if due_ns < self._last_due_ns:
            due_ns = self._last_due_ns
        self._last_due_ns = due_ns
        append = self._outbox.append
        for report in out:
            append((due_ns, report))
            if type(report) is Filled:
                self._fills.append(report)

    def _execute(self, command: Command, ts_ns: int, out: list[Report]) -> None:
        kind = _KINDS.get(type(command))
        if kind is None:
            raise CommandRefused(_PLACE, f"not a command: {type(command).__name__}")
        if type(command.order_id) is not int:
            raise CommandRefused(kind, f"order_id must be an int, got {command.order_id!r}")
        matcher = self._find(command, kind)
        if kind is _PLACE:
            matcher.place(self._new_order(command), ts_ns, out)
        elif kind is _CANCEL:
            matcher.cancel(self._working(command, kind), ts_ns, out)
        else:
            price = positive_int(command.price_ticks, "price_ticks", kind)
            size = positive_int(command.size_lots, "size_lots", kind)
            matcher.amend(self._working(command, kind), price, size, ts_ns, out)

    def _find(self, command: Place | Cancel | Amend, kind: CommandKind) -> InstrumentMatcher:
        matcher = self._matchers.get((command.venue, command.symbol))
        if matcher is None:
            raise CommandRefused(kind, f"unknown instrument {command.venue} {command.symbol}")
        return matcher

    def _new_order(self, place: Place) -> SimOrder:
        order_id = place.order_id
        if self._register.is_taken(order_id):
            raise CommandRefused(_PLACE, f"duplicate order id {order_id}",
                                 code=RejectCode.DUPLICATE_ORDER)
        return SimOrder(order_id, place.venue, place.symbol,
                        _member(Side, place.side, "side"),
                        positive_int(place.price_ticks, "price_ticks", _PLACE),
                        positive_int(place.size_lots, "size_lots", _PLACE),
                        _member(TimeInForce, place.tif, "tif"))

    def _working(self, command: Cancel | Amend, kind: CommandKind) -> SimOrder:
        order = self._register.get_working(command.order_id, kind)
        if (order.venue, order.symbol) != (command.venue, command.symbol):
            raise CommandRefused(kind, f"order {order.order_id} is on {order.venue} "
                                 f"{order.symbol}, not {command.venue} {command.symbol}")
        return order


def _member(enum: type[Side] | type[TimeInForce], value: object,
            what: str) -> Side | TimeInForce:
    """``value`` as a member of ``enum`` (members pass straight through)."""
    if type(value) is enum:
        return value
    try:
        return enum(value)
    except ValueError:
        raise CommandRefused(_PLACE, f"{what} must be a {enum.__name__}, got {value!r}") from None
