"""The engine step: one event in, the commands to send out. Same code in every mode.

For every market event the engine updates the event's book, the estimators and the
market state the risk gate reads, then decides: the kill switch may trip (loss or
drawdown), quotes are pulled when the risk gate says the quoted book cannot be trusted
(stale, crossed, no fair mid, halted), otherwise the maker turns the Signals snapshot,
the top of book and the inventory into target quotes and the order manager into place,
amend and cancel commands. Every command passes the risk gate; refused ones become
rejections the order manager sees at once. Commands and rejections are journaled before
they are returned, reports before they are acted on.

Nothing here reads the wall clock or draws a random number: the same events give the
same commands, which is what makes backtest, paper-on-replay and live agree.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from workbench.book.sync import BookSync
from workbench.core.commands import Command, Filled, Rejected, Report, TimeInForce
from workbench.core.errors import WorkbenchError
from workbench.core.events import BookDelta, BookSnapshot, MarketEvent
from workbench.engine.config import EngineConfig
from workbench.engine.params import replace_path
from workbench.engine.recorder import RunRecorder
from workbench.engine.snapshot import EngineSnapshot
from workbench.estimators.book_mid import BookMidSignals
from workbench.estimators.signals import Signals
from workbench.estimators.stack import SignalStack
from workbench.execution.journal import (
    OrderStatus,
    ParamChange,
    RiskEvent,
    RiskEventKind,
    SqliteJournal,
    VenueOrder,
    reconcile,
    recover,
)
from workbench.execution.orders.manager import OrderManager
from workbench.execution.orders.state import OrderState
from workbench.execution.position import Portfolio
from workbench.execution.risk import KillSwitch, RiskContext, RiskGate
from workbench.strategies.combined import strategy_targets
from workbench.strategies.hedger import HedgeVenue, hedge, lots_to_base
from workbench.strategies.maker import QuoteCache
from workbench.strategies.toxic_guard import ToxicGuard
from workbench.strategies.types import TargetQuotes, TopOfBook, no_quote

_DELTA, _SNAPSHOT = BookDelta, BookSnapshot
_IOC = TimeInForce.IOC
_FINAL_STATES = {OrderStatus.CANCELLED: OrderState.CANCELED, OrderStatus.FILLED: OrderState.FILLED,
                 OrderStatus.REJECTED: OrderState.REJECTED}
_LATENCY_WINDOW = 1 << 16


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

    Attributes
    ----------
    orders, portfolio, gate, kill_switch, stack, syncs
        The parts, for inspection (read only).
    """

    def __init__(self, config: EngineConfig, journal: SqliteJournal | None = None,
                 recorder: RunRecorder | None = None) -> None:
        self.config = config
        self.journal = journal
        self.recorder = recorder
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
        self.ctx = RiskContext(self.orders, self.portfolio, config.instruments)
        self.kill_switch = KillSwitch(self.orders, config.risk)
        self.gate = RiskGate(config.risk, self.kill_switch)
        self.signals: Signals | None = None
        self.targets: TargetQuotes = no_quote("no-quote:starting")
        self.pull_reasons: tuple[str, ...] = ()
        self.errors: deque[str] = deque(maxlen=100)
        self.recent_fills: deque[Filled] = deque(maxlen=100)
        self.latency_ns = np.zeros(_LATENCY_WINDOW, dtype=np.int64)
        self.latency_count = 0
        self._quote_key = config.quote
        self._quote_sync = self.syncs[config.quote]
        self._quote_market = self.ctx.markets[config.quote]
        self._tick = self.instrument.tick_size_float
        self._instruments = {i.key: i for i in config.instruments}
        self.hedge_reason = ""

    # -- steps ---------------------------------------------------------------------------
    def on_market(self, event: MarketEvent) -> list[Command]:
        """A market event arrived; returns the commands to send now."""
        started = time.perf_counter_ns()
        key = (event.venue, event.symbol)
        now = event.local_ts_ns
        self.ctx.now_ns = now
        kind = type(event)
        sync = self.syncs.get(key)
        if sync is None:
            return []
        changed = False
        if kind is _DELTA:
            changed = sync.on_delta(event)
        elif kind is _SNAPSHOT:
            changed = sync.on_snapshot(event)
        self.stack.update(event)
        if changed:
            book = sync.book
            bid, ask = book.best_bid_ticks, book.best_ask_ticks
            market = self.ctx.markets[key]
            market.on_book(max(bid, 0), max(ask, 0), now)
            if key != self._quote_key and bid > 0 and ask > 0:
                market.set_fair_mid((bid + ask) / 2)
                if self.portfolio.size_lots(key):
                    tick = self._instruments[key].tick_size_float
                    self.portfolio.mark(key, (bid + ask) / 2 * tick)
        commands = self._decide(now)
        elapsed = time.perf_counter_ns() - started
        self.latency_ns[self.latency_count & (_LATENCY_WINDOW - 1)] = elapsed
        self.latency_count += 1
        return commands

    def on_reports(self, reports: Iterable[Report], now_ns: int) -> list[Command]:
        """Venue reports that reached us together; each is journaled and applied in
        order, then the engine decides once if any changed our orders."""
        self.ctx.now_ns = now_ns
        journal, recorder, orders = self.journal, self.recorder, self.orders
        changed = False
        for report in reports:
            if journal is not None:
                journal.append(report)
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
        if not changed or self.signals is None:
            return []
        return self._decide(now_ns)

    def on_timer(self, now_ns: int) -> list[Command]:
        """Time passed: resend what timed out, pull quotes on stale data."""
        self.ctx.now_ns = now_ns
        commands: list[Command] = list(self.orders.check_timeouts(now_ns))
        if self.signals is not None:
            commands += self._decide(now_ns)
        return self._screen(commands, now_ns) if commands else commands

    # -- controls ------------------------------------------------------------------------
    def set_param(self, path: str, value: Any, now_ns: int) -> None:
        """Change one maker parameter by dotted path (validated); journaled first.

        Raises
        ------
        ValidationError
            If the path or the value is not valid; nothing changes then.
        """
        params = replace_path(self.params, path, value)
        if self.journal is not None:
            self.journal.append(ParamChange.of(path, value, now_ns))
        self.params = params
        if path.startswith("guard."):
            self.guard = ToxicGuard(params.guard)

    def trip_kill_switch(self, reason: str, now_ns: int, flatten: bool = False) -> list[Command]:
        """Cancel everything (and flatten if asked); halt until :meth:`rearm`."""
        self.ctx.now_ns = now_ns
        if self.journal is not None:
            self.journal.append(RiskEvent(RiskEventKind.KILL_SWITCH_TRIP, reason, now_ns))
        return self._screen(self.kill_switch.trip(reason, self.ctx, flatten), now_ns)

    def rearm(self, now_ns: int) -> None:
        """Allow trading again after a trip."""
        if self.journal is not None:
            self.journal.append(RiskEvent(RiskEventKind.KILL_SWITCH_REARM, "rearmed", now_ns))
        self.kill_switch.rearm()

    def restore(self, venue_open_orders: Iterable[VenueOrder],
                venue_positions: Mapping[tuple[str, str], int],
                venue_fills: Iterable[Filled], now_ns: int) -> list[Command]:
        """Rebuild the state of a crashed session from its journal and the venue's view.

        Recovers the journal this engine writes to, reconciles it with the venue (orders
        it no longer has are dropped, orders we never knew are cancelled, fills that came
        while we were down are booked once), journals the reconciliation, then adopts the
        working orders, books every fill, re-applies the parameter changes and re-trips
        a tripped kill switch. If a position still disagrees with the venue's, the kill
        switch trips: exposure nobody accounted for is not traded on.

        Returns
        -------
        list of Command
            The cancels to send for orders the venue has and we did not know.

        Raises
        ------
        WorkbenchError
            If the engine has no journal to restore from.
        """
        if self.journal is None:
            raise WorkbenchError("restore needs the engine's journal")
        self.ctx.now_ns = now_ns
        rec = reconcile(recover(self.journal.path), venue_open_orders, venue_positions,
                        now_ns=now_ns, venue_fills=venue_fills)
        self.journal.append_many(rec.records)
        state = rec.state
        self.orders.reserve_ids(state.next_order_id)
        fill_ids: dict[int, list[int]] = {}
        for fill in state.fills:
            fill_ids.setdefault(fill.order_id, []).append(fill.fill_id)
            self.portfolio.on_fill(fill)
        # A place journaled but not seen by the venue may still be on its way: in doubt
        # (live until a cancel settles it), not dropped, so that its fills are booked.
        in_doubt = set(rec.never_sent)
        open_ids = {o.order_id for o in state.open_orders()}
        for o in state.orders.values():
            fills = fill_ids.get(o.order_id, ())
            args = (o.order_id, o.venue, o.symbol, o.side, o.price_ticks, o.size_lots,
                    o.filled_lots, o.tif)
            if o.order_id in open_ids or o.order_id in in_doubt:
                self.orders.adopt(*args, now_ns, fills, in_doubt=o.order_id in in_doubt)
            else:
                self.orders.remember(*args, _FINAL_STATES[o.status], fills)
        for name, value in state.params.items():
            self.params = replace_path(self.params, name, value)
        commands: list[Command] = list(rec.cancels)
        for key, lots in venue_positions.items():
            if key in self.portfolio.positions and self.portfolio.size_lots(key) != lots:
                reason = (f"restore: {key[0]} {key[1]} position {self.portfolio.size_lots(key)}"
                          f" lots, venue says {lots}")
                self.errors.append(reason)
                commands += self.trip_kill_switch(reason, now_ns)
        if state.kill_switch_tripped and not self.kill_switch.halted:
            commands += self.trip_kill_switch("restored: tripped before the restart", now_ns)
        return commands

    # -- decision ------------------------------------------------------------------------
    def _decide(self, now: int) -> list[Command]:
        signals = self.stack.signals()
        self.signals = signals
        market = self._quote_market
        if signals.fair_mid_ok:
            market.set_fair_mid(signals.fair_mid / self._tick)
            self.portfolio.mark(self._quote_key, signals.fair_mid)
        else:
            market.set_fair_mid(float("nan"))
        commands = self.kill_switch.watch(self.ctx)
        if self.kill_switch.halted:
            self.pull_reasons = (f"halted: {self.kill_switch.reason}",)
            self.targets = no_quote(self.pull_reasons[0])
        else:
            pulls = self.gate.pull_reasons_for(self.ctx, self._quote_key)
            if pulls:
                self.pull_reasons = pulls
                self.targets = no_quote("pull:" + "; ".join(pulls))
            else:
                self.pull_reasons = ()
                book = self._quote_sync.book
                bid, ask = book.best_bid(), book.best_ask()
                top = TopOfBook(bid[0] if bid else None, bid[1] if bid else 0,
                                ask[0] if ask else None, ask[1] if ask else 0)
                position = self.portfolio.size_lots(self._quote_key)
                self.targets = strategy_targets(self.config.strategy, self.config.taker,
                                                self._quotes, signals, top, position,
                                                self.params, self.instrument,
                                                self.guard.update(signals))
            commands += self.orders.reconcile(self.instrument, self.targets, now)
            if self.config.hedge is not None:
                commands += self._hedge(now)
        if self.recorder is not None:
            self.recorder.on_decision(now, signals, self.targets, self.portfolio)
        return self._screen(commands, now) if commands else commands

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

    def _screen(self, commands: list[Command], now: int) -> list[Command]:
        passed, rejected = self.gate.screen(commands, self.ctx)
        if self.recorder is not None:
            self.recorder.on_commands(passed)
        for rejection in rejected:
            self.orders.on_report(rejection)
            if self.recorder is not None:
                self.recorder.on_reject(rejection)
        if self.journal is not None:
            records: list = list(passed)
            for r in rejected:
                records.append(RiskEvent(RiskEventKind.REJECTION, r.reason, now, r.order_id))
                records.append(r)
            if records:
                self.journal.append_many(records)
        return passed

    # -- state ---------------------------------------------------------------------------
    def snapshot(self) -> EngineSnapshot:
        """An immutable view of the engine for panels and notebooks."""
        n = min(self.latency_count, _LATENCY_WINDOW)
        lat = self.latency_ns[:n]
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
            latency_p50_ns=float(np.percentile(lat, 50)) if n else float("nan"),
            latency_p99_ns=float(np.percentile(lat, 99)) if n else float("nan"),
            books_synced={f"{k[0]} {k[1]}": s.synced for k, s in self.syncs.items()},
            errors=tuple(self.errors),
            params=self.params,
        )

