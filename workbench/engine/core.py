"""The engine step: one event in, the commands to send out. Same code in every mode.

For every market event the engine updates the event's book, the estimators and the
market state the risk gate reads, then decides: the kill switch may trip (loss or
drawdown), quotes are pulled when the risk gate says the quoted book cannot be trusted
(stale, crossed, no fair mid, halted) or while quoting is paused, otherwise the maker
turns the Signals snapshot, the top of book and the inventory into target quotes and the
order manager into place, amend and cancel commands. Every command passes the risk gate
once; refused ones become rejections the order manager sees at once.

The journal is written a batch at a time: the reports that arrived together are
committed in one transaction before any of them is applied, and the records a step makes
(the commands it sends, the gate's rejections before the order manager takes them, risk
events, parameter changes) in one more before the step returns its commands. Nothing is
sent or acted on that the journal does not hold, and the loop pays a commit per batch,
not one per report.

Nothing here reads the wall clock or draws a random number, unless a ``stale_clock`` is
given (paper and live: the age of market data is then measured on it): the same events
give the same commands, which is what makes backtest, paper-on-replay and live agree.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from workbench.book.sync import BookSync, SyncState
from workbench.core.clock import Clock
from workbench.core.commands import Command, Filled, Rejected, Report, TimeInForce
from workbench.core.events import BookDelta, BookSnapshot, MarketEvent
from workbench.engine.config import EngineConfig
from workbench.engine.control import QuotingMode
from workbench.engine.params import replace_path
from workbench.engine.recorder import RunRecorder
from workbench.engine.snapshot import EngineSnapshot
from workbench.estimators.book_mid import BookMidSignals
from workbench.estimators.signals import Signals
from workbench.estimators.stack import SignalStack
from workbench.execution.journal import (
    ParamChange,
    Record,
    RiskEvent,
    RiskEventKind,
    SessionEvent,
    SessionMarker,
    SqliteJournal,
    VenueOrder,
)
from workbench.execution.orders.client_ids import ClientIds, new_namespace
from workbench.execution.orders.manager import OrderManager
from workbench.execution.position import Portfolio
from workbench.execution.risk import KillSwitch, RiskContext, RiskGate
from workbench.strategies.combined import strategy_targets
from workbench.strategies.hedger import HedgeVenue, hedge, lots_to_base
from workbench.strategies.maker import QuoteCache, quote_reads_time
from workbench.strategies.toxic_guard import QUIET, ToxicGuard
from workbench.strategies.types import TargetQuotes, TopOfBook, no_quote

_DELTA, _SNAPSHOT = BookDelta, BookSnapshot
_SYNCED = SyncState.SYNCED
_perf_ns = time.perf_counter_ns
_IOC = TimeInForce.IOC
_ON, _PULLED, _HELD = QuotingMode.ON, QuotingMode.PULLED, QuotingMode.HELD
_NOTICE_KINDS = {"presumed_gone": RiskEventKind.ORDER_PRESUMED_GONE,
                 "revived": RiskEventKind.ORDER_REVIVED}
_COMPUTE_WINDOW = 1 << 16

#: The high-water mark is journaled each time it rises by this fraction of the drawdown
#: limit, so a restart loses less than that of it.
_HIGH_WATER_STEP = 0.01


class Engine:
    """A synchronous, deterministic market-making engine over several streams.

    Parameters
    ----------
    config : EngineConfig
        Instruments, strategy, limits.
    journal : SqliteJournal, optional
        Where commands, reports, parameter changes and risk events go before they are
        acted on; None keeps no journal (research runs).
    recorder : RunRecorder, optional
        Collects fills, quotes and equity for a result object (backtests); None in live.
    stale_clock : Clock, optional
        Measures the age of market data for the stale-data pull: a wall clock in paper
        and live mode, so that a backlog of old events is not taken for a fresh market.
        None (backtests) measures it on event time.

    Attributes
    ----------
    orders, portfolio, gate, kill_switch, stack, syncs
        The parts, for inspection (read only).
    quoting : QuotingMode
        Whether the maker quotes (see :meth:`pull_quotes`, :meth:`hold_quotes`).
    """

    def __init__(self, config: EngineConfig, journal: SqliteJournal | None = None,
                 recorder: RunRecorder | None = None, stale_clock: Clock | None = None) -> None:
        self.config = config
        self.journal = journal
        self.recorder = recorder
        self.stale_clock = stale_clock
        self.instrument = config.quoted
        self.params = config.maker
        self.syncs = {i.key: BookSync(config.sync_rules[i.venue], *i.key)
                      for i in config.instruments}
        stack = config.stack
        if stack.fair.reference is None:  # fuse in the quoted venue's price units
            stack = dataclasses.replace(
                stack, fair=dataclasses.replace(stack.fair, reference=config.quote[0]))
        if config.constant_vol_per_sqrt_s is None:
            self.stack = SignalStack(list(config.instruments), stack,
                                     books={k: s.book for k, s in self.syncs.items()})
        else:
            self.stack = BookMidSignals(config.quoted, self.syncs[config.quote].book,
                                        config.constant_vol_per_sqrt_s)
        self.guard = ToxicGuard(config.maker.guard)
        self._quotes = QuoteCache()
        self.orders = OrderManager(config.orders)
        self.portfolio = Portfolio(config.instruments)
        self.ctx = RiskContext(self.orders, self.portfolio, config.instruments,
                               books={k: s.book for k, s in self.syncs.items()})
        self.kill_switch = KillSwitch(self.orders, config.risk)
        self.gate = RiskGate(config.risk, self.kill_switch)
        self.signals: Signals | None = None
        self.targets: TargetQuotes = no_quote("no-quote:starting")
        self.pull_reasons: tuple[str, ...] = ()
        self.errors: deque[str] = deque(maxlen=100)
        self.recent_fills: deque[Filled] = deque(maxlen=100)
        self.compute_ns = np.zeros(_COMPUTE_WINDOW, dtype=np.int64)
        self.compute_count = 0
        self.quoting = _ON
        self.quoting_reason = ""
        self._sweep_all = False  # while pulled: cancel every order, hedges included (stop)
        self._resumes: list[tuple[QuotingMode, str, bool]] = []  # modes a resync returns to
        self.client_ids: ClientIds | None = None
        self._records: list[Record] = []
        self._high_water_step = config.risk.max_drawdown_quote * _HIGH_WATER_STEP
        self._journaled_high_water = 0.0
        self._quote_key = config.quote
        self._quote_sync = self.syncs[config.quote]
        self._quote_market = self.ctx.markets[config.quote]
        self._tick = self.instrument.tick_size_float
        self._instruments = {i.key: i for i in config.instruments}
        #: Per stream, its book sync and the market state the risk gate reads.
        self._streams = {k: (sync, self.ctx.markets[k]) for k, sync in self.syncs.items()}
        #: What the last decision read (see :meth:`_inputs`), if it can be answered again
        #: from that; None when it cannot.
        self._settled: tuple | None = None
        self._may_settle = (config.strategy == "maker" and config.hedge is None
                            and stale_clock is None)
        self.hedge_reason = ""

    # -- steps ---------------------------------------------------------------------------
    def on_market(self, event: MarketEvent) -> list[Command]:
        """A market event arrived; returns the commands to send now."""
        started = _perf_ns()
        key = (event.venue, event.symbol)
        now = event.local_ts_ns
        self.ctx.now_ns = now
        stream = self._streams.get(key)
        if stream is None:
            return []
        sync, market = stream
        kind = type(event)
        changed = False
        if kind is _DELTA:
            changed = sync.on_delta(event)
        elif kind is _SNAPSHOT:
            changed = sync.on_snapshot(event)
        self.stack.update(event)
        market.synced = sync.state is _SYNCED
        if changed:
            book = sync.book
            bid, ask = book.best_bid_ticks, book.best_ask_ticks
            market.on_book(max(bid, 0), max(ask, 0), now)
            if key != self._quote_key and bid > 0 and ask > 0:
                market.set_fair_mid((bid + ask) / 2)
                if self.portfolio.size_lots(key):
                    tick = self._instruments[key].tick_size_float
                    self.portfolio.mark(key, (bid + ask) / 2 * tick)
        commands = self._decide(now)
        if (commands or self._records or self.portfolio.high_water_quote
                > self._journaled_high_water + self._high_water_step):
            commands = self._emit(commands, now)  # else it would have nothing to do
        count = self.compute_count
        self.compute_ns[count & (_COMPUTE_WINDOW - 1)] = _perf_ns() - started
        self.compute_count = count + 1
        return commands

    def on_reports(self, reports: Iterable[Report], now_ns: int) -> list[Command]:
        """Venue reports that reached us together; each is journaled and applied in
        order, then the engine decides once if any changed our orders."""
        self.ctx.now_ns = now_ns
        orders = self.orders
        reports = list(reports)
        self._records += reports
        self._flush()  # the batch is durable before any of it is acted on
        changed = self._apply_reports(reports, now_ns)
        commands: list[Command] = []
        if orders.notices:
            self._journal_notices(now_ns)
        if orders.has_urgent:
            commands += orders.urgent_cancels(now_ns)
        if changed and self.signals is not None:
            commands += self._decide(now_ns)
        return self._emit(commands, now_ns)

    def _apply_reports(self, reports: Iterable[Report], now_ns: int,
                       journal: bool = False) -> bool:
        """Apply reports (journaling them in this step's records first if ``journal``);
        whether any changed an order."""
        recorder, orders = self.recorder, self.orders
        if journal:
            reports = list(reports)
            self._records += reports
            self._flush()
        changed = False
        for report in reports:
            update = orders.on_report(report)
            if update is not None:
                changed = True
                fill = update.fill
                if fill is not None:
                    self.portfolio.on_fill(fill)
                    self.recent_fills.append(fill)
                    if recorder is not None:
                        recorder.on_fill(fill)
            if type(report) is Rejected and recorder is not None:
                recorder.on_reject(report)
        return changed

    def on_timer(self, now_ns: int) -> list[Command]:
        """Time passed: resend what timed out, settle orders in doubt, pull quotes on
        stale data."""
        self.ctx.now_ns = now_ns
        commands: list[Command] = list(self.orders.check_timeouts(now_ns))
        if self.orders.notices:
            self._journal_notices(now_ns)
        if self.signals is not None:
            commands += self._decide(now_ns)
        return self._emit(commands, now_ns)

    # -- controls ------------------------------------------------------------------------
    def check_param(self, path: str, value: Any) -> Any:
        """The maker parameters with ``path`` set to ``value``, validated; nothing changes.

        Raises
        ------
        ValidationError
            If the path or the value is not valid.
        """
        return replace_path(self.params, path, value)

    def set_param(self, path: str, value: Any, now_ns: int) -> None:
        """Change one maker parameter by dotted path (validated); journaled first.

        Raises
        ------
        ValidationError
            If the path or the value is not valid; nothing changes then.
        """
        self._settled = None
        params = replace_path(self.params, path, value)
        self._records.append(ParamChange.of(path, value, now_ns))
        self._flush()
        self.params = params
        if path.startswith("guard."):
            self.guard = ToxicGuard(params.guard)

    def trip_kill_switch(self, reason: str, now_ns: int, flatten: bool = False) -> list[Command]:
        """Cancel everything (and flatten if asked); halt until :meth:`rearm`."""
        self._settled = None
        self.ctx.now_ns = now_ns
        self._records.append(RiskEvent(RiskEventKind.KILL_SWITCH_TRIP, reason, now_ns))
        return self._emit(self.kill_switch.trip(reason, self.ctx, flatten), now_ns)

    def rearm(self, now_ns: int) -> None:
        """Allow trading again after a trip."""
        self._settled = None
        self._records.append(RiskEvent(RiskEventKind.KILL_SWITCH_REARM, "rearmed", now_ns))
        self._flush()
        self.kill_switch.rearm()

    def pull_quotes(self, reason: str, now_ns: int, everything: bool = False) -> list[Command]:
        """Pause quoting and cancel the resting quotes (journaled); :meth:`resume_quoting`
        quotes again.

        Reports, timers, order timeouts, the stale-data pull and the kill switch keep
        working. With ``everything`` (a stop) every live order is cancelled, hedges
        included, now and at every later step, until none is left.
        """
        self._settled = None
        self.ctx.now_ns = now_ns
        self.quoting, self.quoting_reason, self._sweep_all = _PULLED, reason, everything
        self._records.append(SessionMarker(SessionEvent.PAUSE, "", now_ns,
                                           reason=f"pulled: {reason}"))
        commands = self._decide(now_ns) if self.signals is not None else []
        if everything or self.signals is None:
            commands += self._cancel_everything(now_ns, reason)
        return self._emit(commands, now_ns)

    def hold_quotes(self, reason: str, now_ns: int) -> list[Command]:
        """Pause quoting but leave the resting quotes as they are (journaled): nothing is
        placed, moved or cancelled by the maker, while the stale-data pull and the kill
        switch still cancel them when they must."""
        self._settled = None
        self.ctx.now_ns = now_ns
        self.quoting, self.quoting_reason, self._sweep_all = _HELD, reason, False
        self._records.append(SessionMarker(SessionEvent.PAUSE, "", now_ns,
                                           reason=f"held: {reason}"))
        return self._emit([], now_ns)

    def resume_quoting(self, now_ns: int) -> list[Command]:
        """Quote again after :meth:`pull_quotes` or :meth:`hold_quotes` (journaled)."""
        self._settled = None
        self.ctx.now_ns = now_ns
        self.quoting, self.quoting_reason, self._sweep_all = _ON, "", False
        self._records.append(SessionMarker(SessionEvent.RESUME, "", now_ns))
        commands = self._decide(now_ns) if self.signals is not None else []
        return self._emit(commands, now_ns)

    def cancel_order(self, order_id: int, now_ns: int, reason: str = "manual") -> list[Command]:
        """Cancel one order (journaled); nothing if it is not live or has a command in
        flight. A quote the maker still wants is placed again at its next decision."""
        self._settled = None
        self.ctx.now_ns = now_ns
        command = self.orders.cancel(order_id, now_ns, reason)
        return self._emit([command] if command is not None else [], now_ns)

    def cancel_everything(self, now_ns: int, reason: str) -> list[Command]:
        """Cancels for every live order with nothing in flight, built from the order
        manager alone (journaled): what a failing session sends on its way down."""
        self._settled = None
        self.ctx.now_ns = now_ns
        return self._emit(self._cancel_everything(now_ns, reason), now_ns)

    def start(self, mode: str, now_ns: int) -> ClientIds:
        """Mark the start of a session in ``mode`` (journaled) and return its client order
        ids; a session restored from its journal keeps the namespace it had."""
        if self.client_ids is None:
            self.client_ids = ClientIds(new_namespace())
        self._records.append(SessionMarker(SessionEvent.START, mode, now_ns,
                                           self.client_ids.namespace))
        self._flush()
        return self.client_ids

    def stop(self, mode: str, now_ns: int, failure: str = "") -> None:
        """Mark the end of a session: a clean stop, or a failure and why (journaled)."""
        event = SessionEvent.FAILURE if failure else SessionEvent.STOP
        self._records.append(SessionMarker(event, mode, now_ns, reason=failure))
        self._flush()

    def restore(self, venue_open_orders: Iterable[VenueOrder],
                venue_positions: Mapping[tuple[str, str], int],
                venue_fills: Iterable[Filled], now_ns: int) -> list[Command]:
        """Rebuild the state of a crashed session from its journal and the venue's view.

        See :func:`workbench.engine.restore.restore_engine`; returns the commands to send.
        """
        self._settled = None
        from workbench.engine.restore import restore_engine
        return restore_engine(self, venue_open_orders, venue_positions, venue_fills, now_ns)

    def begin_resync(self, reason: str, now_ns: int) -> list[Command]:
        """The link to the venue was lost and is back: pull quotes until
        :meth:`finish_resync` has squared our orders with the venue's (journaled)."""
        self._settled = None
        self._resumes.append((self.quoting, self.quoting_reason, self._sweep_all))
        return self.pull_quotes(f"resync: {reason}", now_ns)

    def finish_resync(self, venue_open_orders: Iterable[VenueOrder],
                      venue_positions: Mapping[tuple[str, str], int],
                      venue_fills: Iterable[Filled], now_ns: int) -> list[Command]:
        """Square our orders and fills with the venue's, then quote as before the resync.

        See :func:`workbench.engine.restore.resync_engine`; returns the commands to send.
        """
        self._settled = None
        from workbench.engine.restore import resync_engine
        commands = resync_engine(self, venue_open_orders, venue_positions, venue_fills,
                                 now_ns)
        mode, reason, sweep = self._resumes.pop() if self._resumes else (_ON, "", False)
        self.quoting, self.quoting_reason, self._sweep_all = mode, reason, sweep
        if mode is _ON:
            self._records.append(SessionMarker(SessionEvent.RESUME, "", now_ns,
                                               reason="resynced"))
        if self.signals is not None:
            commands += self._decide(now_ns)
        return self._emit(commands, now_ns)

    # -- decision ------------------------------------------------------------------------
    def _decide(self, now: int) -> list[Command]:
        """Decide on the state now: the commands to send (not yet screened).

        A decision that sent nothing, pulled nothing, found the guard quiet and the
        order manager settled is a function of :meth:`_inputs` and of the quoted book's
        age alone: asked again with the same inputs while the book is not stale, its
        answer (no commands, the same targets) is given without working it out again.
        """
        signals = self.stack.signals()
        self.signals = signals
        market = self._quote_market
        if signals.fair_mid_ok:
            fair_mid_ticks = signals.fair_mid / self._tick
            if fair_mid_ticks != market.fair_mid_ticks:  # else it holds this value already
                market.set_fair_mid(fair_mid_ticks)
            self.portfolio.mark(self._quote_key, signals.fair_mid)
        else:
            market.set_fair_mid(float("nan"))
        inputs = self._inputs(signals) if self._may_settle else None
        last_ns = market.last_update_ns
        if (inputs is not None and inputs == self._settled
                and 0 <= last_ns and now - last_ns <= self.gate.limits.stale_after_ns
                and self.quoting is _ON and not self.kill_switch.halted):
            self.ctx.now_ns = now
            if self.recorder is not None:
                self.recorder.on_decision(now, signals, self.targets, self.portfolio)
            return []
        self._settled = None
        ks = self.kill_switch
        was_halted = ks.halted
        commands = ks.watch(self.ctx)
        if ks.halted:
            if not was_halted:  # tripped automatically, just now
                self._records.append(RiskEvent(RiskEventKind.KILL_SWITCH_TRIP, ks.reason, now))
                self.errors.append(f"kill switch tripped: {ks.reason}")
            self.pull_reasons = (f"halted: {ks.reason}",)
            self.targets = no_quote(self.pull_reasons[0])
        else:
            ctx = self.ctx
            if self.stale_clock is not None:
                ctx.now_ns = self.stale_clock.now_ns()
                pulls = self.gate.pull_reasons_for(ctx, self._quote_key)
                ctx.now_ns = now
            else:
                ctx.now_ns = now
                pulls = self.gate.pull_reasons_for(ctx, self._quote_key)
            self.pull_reasons = pulls
            mode = self.quoting
            guard = None
            if pulls:
                self.targets = no_quote("pull:" + "; ".join(pulls))
            elif mode is _PULLED:
                self.targets = no_quote(f"paused: {self.quoting_reason}")
            elif mode is _HELD:
                self.targets = None
            else:
                top = TopOfBook._make(self._quote_sync.book.best_levels())
                position = self.portfolio.size_lots(self._quote_key)
                guard = self.guard.update(signals)
                self.targets = strategy_targets(self.config.strategy, self.config.taker,
                                                self._quotes, signals, top, position,
                                                self.params, self.instrument, guard)
            if self.targets is None:  # held: the resting quotes stay as they are
                self.targets = no_quote(f"held: {self.quoting_reason}")
            else:
                reconciled = self.orders.reconcile(self.instrument, self.targets, now)
                if reconciled:
                    commands += reconciled
            if mode is _ON and self.config.hedge is not None:
                commands += self._hedge(now)
            elif self._sweep_all:
                commands += self._cancel_everything(now, self.quoting_reason)
            if (inputs is not None and guard is QUIET and not commands and not self._records
                    and self.orders.settled and not quote_reads_time(self.params)):
                self._settled = inputs
        if self.recorder is not None:
            self.recorder.on_decision(now, signals, self.targets, self.portfolio)
        return commands

    def _inputs(self, signals: Signals) -> tuple:
        """What a settled decision read, but the time and the age of the book (the stale
        pull, checked on its own): the snapshot's fields (not its time), the quoted
        book's best prices and its market state (sync, best prices: the crossed pull),
        the position, equity and high-water mark (the kill switch), our orders' version,
        the parameters and the guard."""
        market, book, portfolio = self._quote_market, self._quote_sync.book, self.portfolio
        return (signals[1:], book.best_bid_ticks, book.best_ask_ticks,
                portfolio.size_lots(self._quote_key), portfolio.equity_quote,
                portfolio.high_water_quote, self.orders.version, market.synced,
                market.bid_ticks, market.ask_ticks, self.params, self.guard,
                self.kill_switch.trips)

    def _cancel_everything(self, now: int, reason: str) -> list[Command]:
        return list(self.orders.cancel_all(now, reason))

    def _hedge(self, now: int) -> list[Command]:
        """An IOC on the cheapest hedge venue when the net delta leaves its band."""
        config, orders, portfolio = self.config, self.orders, self.portfolio
        hedge_keys = set(config.hedge_on)
        if any(o.tif is _IOC and o.key in hedge_keys for o in orders.live_orders()):
            return []  # a hedge is in flight: wait for its outcome
        venues = []
        for key in config.hedge_on:
            book = self.syncs[key].book
            bid, ask = book.best_bid(), book.best_ask()
            if self.syncs[key].synced and bid is not None and ask is not None:
                top = TopOfBook(bid[0], bid[1], ask[0], ask[1])
                venues.append(HedgeVenue(self._instruments[key], top, config.hedge_fee_bps))
        delta = 0.0
        for key in (self._quote_key, *config.hedge_on):
            lots = portfolio.size_lots(key)
            if lots:
                inst = self._instruments[key]
                mark = portfolio.mark_price(key)
                if not mark > 0:
                    return []
                delta += math.copysign(lots_to_base(inst, abs(lots), mark), lots)
        order, reason = hedge(delta, venues, config.hedge)
        self.hedge_reason = reason
        if order is None:
            return []
        return [orders.place(order.venue, order.symbol, order.side, order.price_ticks,
                             order.size_lots, _IOC, now, order.reason)]

    # -- journal -------------------------------------------------------------------------
    def _emit(self, commands: list[Command], now: int) -> list[Command]:
        """Screen ``commands`` through the risk gate, journal the step, return what passed.

        Rejections are journaled (with the risk event saying why) before the order
        manager takes them, and the step's records are committed before anything is
        returned to be sent.
        """
        if commands:
            passed, rejected = self.gate.screen(commands, self.ctx)
            records = self._records
            records += passed
            for r in rejected:
                records.append(RiskEvent(RiskEventKind.REJECTION, r.reason, now, r.order_id))
                records.append(r)
            self._flush()
            if self.recorder is not None:
                self.recorder.on_commands(passed)
            for rejection in rejected:
                self.orders.on_report(rejection)
                if self.recorder is not None:
                    self.recorder.on_reject(rejection)
        else:
            passed = commands
        high_water = self.portfolio.high_water_quote
        if high_water > self._journaled_high_water + self._high_water_step:
            self._records.append(RiskEvent(RiskEventKind.HIGH_WATER, "high-water mark", now,
                                           value=high_water))
            self._journaled_high_water = high_water
        if self._records:
            self._flush()
        return passed

    def _journal_notices(self, now: int) -> None:
        for name, order_id, reason in self.orders.drain_notices():
            self._records.append(RiskEvent(_NOTICE_KINDS[name], reason, now, order_id))

    def _flush(self) -> None:
        """Commit the records of this step in one transaction."""
        records = self._records
        if not records:
            return
        self._records = []
        if self.journal is not None:
            self.journal.append_many(records)

    # -- state ---------------------------------------------------------------------------
    def snapshot(self) -> EngineSnapshot:
        """An immutable view of the engine for panels and notebooks."""
        n = min(self.compute_count, _COMPUTE_WINDOW)
        lat = self.compute_ns[:n]
        return EngineSnapshot(
            ts_ns=self.ctx.now_ns,
            signals=self.signals,
            targets=self.targets,
            pull_reasons=self.pull_reasons,
            orders=tuple(self.orders.snapshot()),
            recent_fills=tuple(self.recent_fills),
            positions=tuple(self.portfolio.snapshot()),
            equity_quote=self.portfolio.equity_quote,
            drawdown_quote=self.portfolio.drawdown_quote,
            kill_switch=self.kill_switch.state(),
            anomalies=dict(self.orders.anomalies),
            compute_p50_ns=float(np.percentile(lat, 50)) if n else float("nan"),
            compute_p99_ns=float(np.percentile(lat, 99)) if n else float("nan"),
            books_synced={f"{k[0]} {k[1]}": s.synced for k, s in self.syncs.items()},
            errors=tuple(self.errors),
            params=self.params,
            quoting=self.quoting.value,
            quoting_reason=self.quoting_reason,
            client_namespace=self.client_ids.namespace if self.client_ids else "",
        )
