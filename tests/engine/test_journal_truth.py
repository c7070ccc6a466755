"""The journal tells the whole truth, and a restart reads it all back.

Automatic kill-switch trips are journaled with their reason and a restored engine stays
halted until re-armed; the high-water mark survives a restart; no command is journaled
twice; the gate's rejections are journaled before the order manager takes them; the
toxic-flow guard is rebuilt from journaled ``guard.*`` changes; the session's client id
namespace is kept; a mid-session resync squares the engine with the venue after reports
were lost; and the stale-data pull measures age on the wall clock it is given.
"""

from __future__ import annotations

import dataclasses
import itertools
import sqlite3

import pytest

from workbench.core import Cancel, Place, RejectCode, Rejected, SimulatedClock
from workbench.data.binance.feed import replay_streams
from workbench.data.binance.instruments import SYNC_RULES, binance_instrument
from workbench.engine import Engine, EngineConfig, default_risk_limits
from workbench.engine.demo import DEMO_FEES, DEMO_MAKER, DEMO_ORDERS, DEMO_QUOTE
from workbench.engine.replay_driver import Stepper
from workbench.execution.journal import (
    RiskEvent,
    RiskEventKind,
    SqliteJournal,
    read_records,
    recover,
)
from workbench.execution.journal.codec import RECORD_COLUMNS
from workbench.execution.orders import OrderState
from workbench.execution.sim import ConservativeQueue, ConstantLatency, SimExchange

KEYS = (("binance-spot", "BTCUSDT"), ("binance-usdm", "BTCUSDT"), ("binance-coinm", "BTCUSD_PERP"))
INSTRUMENTS = tuple(binance_instrument(*k) for k in KEYS)
QUOTED = binance_instrument(*DEMO_QUOTE)


@pytest.fixture(scope="module")
def events(sample_files):
    return list(itertools.islice(replay_streams(sample_files), 40_000))


def config(**risk):
    limits = dataclasses.replace(default_risk_limits(QUOTED, DEMO_MAKER), **risk)
    return EngineConfig(INSTRUMENTS, DEMO_QUOTE, DEMO_MAKER, limits, SYNC_RULES,
                        orders=DEMO_ORDERS)


def venue():
    return SimExchange(INSTRUMENTS, {i.key: DEMO_FEES for i in INSTRUMENTS},
                       ConstantLatency(5_000_000, 5_000_000), ConservativeQueue(), SYNC_RULES,
                       seed=3)


def run(engine, ex, events, clock):
    stepper = Stepper(engine, ex, clock)
    for event in events:
        stepper.market(event)
    return stepper


def restart(cfg, path, ex, clock):
    second = Engine(cfg, SqliteJournal(path, synchronous="OFF"))
    now = clock.now_ns()
    commands = second.restore(ex.open_orders(), ex.positions(), ex.fills_since(0), now)
    return second, commands


def test_an_automatic_trip_is_journaled_and_a_restart_stays_halted_until_rearmed(
        events, tmp_path):
    cfg = config(max_drawdown_quote=0.05)  # 5 US cents: the first adverse mark trips it
    path = tmp_path / "j.sqlite"
    ex, clock = venue(), SimulatedClock()
    first = Engine(cfg, SqliteJournal(path, synchronous="OFF"))
    stepper = Stepper(first, ex, clock)
    cut = None
    for i, event in enumerate(events):
        stepper.market(event)
        if first.kill_switch.halted:
            cut = i + 1
            break
    assert cut is not None
    reason = first.kill_switch.reason
    assert reason.startswith("max_drawdown: drawdown")
    trips = [e.record for e in read_records(path) if isinstance(e.record, RiskEvent)
             and e.record.event is RiskEventKind.KILL_SWITCH_TRIP]
    assert [t.reason for t in trips] == [reason]
    state = recover(path)
    assert state.kill_switch_tripped and state.kill_switch_reason == reason
    first.journal.close()
    # The new session runs with a wide limit: it is halted because the journal says so.
    second, commands = restart(config(max_drawdown_quote=1e9), path, ex, clock)
    assert second.kill_switch.halted and second.kill_switch.reason == reason
    cancelled = [c.order_id for c in commands if type(c) is Cancel]
    assert len(cancelled) == len(set(cancelled))  # one cancel an order, not one per reason
    stepper = Stepper(second, ex, clock)
    stepper.submit(commands, clock.now_ns())
    for event in events[cut:cut + 3000]:
        stepper.market(event)
    assert second.kill_switch.halted and second.pull_reasons[0] == f"halted: {reason}"
    assert ex.open_orders() == []
    second.rearm(clock.now_ns())  # by hand: it may trade again
    stepper.market(events[cut + 3000])
    assert not any(r.startswith("halted") for r in second.pull_reasons)


def test_the_high_water_mark_survives_a_restart(events, tmp_path):
    cfg = config(max_drawdown_quote=50.0)  # journaled each time it rises by 1%: 0.5
    path = tmp_path / "j.sqlite"
    ex, clock = venue(), SimulatedClock()
    first = Engine(cfg, SqliteJournal(path, synchronous="OFF"))
    stepper = Stepper(first, ex, clock)
    for event in events:
        stepper.market(event)
        if first.portfolio.size_lots(DEMO_QUOTE):
            break
    lots = first.portfolio.size_lots(DEMO_QUOTE)
    mark = first.portfolio.mark_price(DEMO_QUOTE)
    # The market moves 1% our way, and back: equity made a high and fell from it.
    first.portfolio.mark(DEMO_QUOTE, mark * (1 + 0.01 * (1 if lots > 0 else -1)))
    first.on_timer(clock.now_ns())
    high = first.portfolio.high_water_quote
    first.portfolio.mark(DEMO_QUOTE, mark)
    first.on_timer(clock.now_ns())
    assert high > first.portfolio.equity_quote + 1.0
    first.journal.close()
    second, _ = restart(cfg, path, ex, clock)
    second.portfolio.mark(DEMO_QUOTE, mark)
    assert high - 0.5 <= second.portfolio.high_water_quote <= high
    assert second.portfolio.drawdown_quote == pytest.approx(first.portfolio.drawdown_quote,
                                                            abs=0.5)


class CountingVenue(SimExchange):
    """A simulated exchange that counts the commands it is sent."""

    sent = 0

    def submit(self, command, now_ns):
        CountingVenue.sent += 1
        super().submit(command, now_ns)


def test_no_command_is_journaled_twice(events, tmp_path):
    path = tmp_path / "j.sqlite"
    engine = Engine(config(), SqliteJournal(path, synchronous="OFF"))
    ex = CountingVenue(INSTRUMENTS, {i.key: DEMO_FEES for i in INSTRUMENTS},
                       ConstantLatency(5_000_000, 5_000_000), ConservativeQueue(), SYNC_RULES,
                       seed=3)
    run(engine, ex, events, SimulatedClock()).finish()
    records = [e.record for e in read_records(path)]
    commands = [r for r in records if type(r) in (Place, Cancel)]
    places = [r.order_id for r in commands if type(r) is Place]
    assert len(places) == len(set(places)) > 50
    assert len(commands) == CountingVenue.sent  # every command sent, each journaled once


def test_rejections_are_journaled_before_the_order_manager_takes_them(events, tmp_path):
    seen = []

    class Watching(SqliteJournal):
        def append_many(self, records):
            records = list(records)
            for r in records:
                if type(r) is Rejected and r.code is RejectCode.RISK:  # the gate's
                    seen.append(engine.orders.get(r.order_id).state)
            return super().append_many(records)

    cfg = config(orders_per_s=0.5, order_burst=1)  # the gate refuses most places
    engine = Engine(cfg, Watching(tmp_path / "j.sqlite", synchronous="OFF"))
    run(engine, venue(), events, SimulatedClock())
    assert seen and set(seen) == {OrderState.PENDING_NEW}


def test_a_restart_rebuilds_the_guard_and_keeps_the_namespace(events, tmp_path):
    path = tmp_path / "j.sqlite"
    ex, clock = venue(), SimulatedClock()
    first = Engine(config(), SqliteJournal(path, synchronous="OFF"))
    ids = first.start("paper", 0)
    run(first, ex, events[:5000], clock)
    first.set_param("guard.widen_ticks", 7, clock.now_ns())
    assert first.guard.params.widen_ticks == 7
    first.journal.close()
    second, _ = restart(config(), path, ex, clock)
    assert second.guard.params.widen_ticks == 7  # the guard, not only the parameters
    assert second.client_ids.namespace == ids.namespace
    assert second.start("paper", clock.now_ns()).client_id(12) == ids.client_id(12)


def test_a_resync_after_lost_reports_squares_the_engine_with_the_venue(events):
    engine, ex, clock = Engine(config()), venue(), SimulatedClock()
    stepper = run(engine, ex, events[:20_000], clock)
    poll = ex.poll
    ex.poll = lambda now_ns: (poll(now_ns), [])[1]  # the link is down: answers are lost
    for event in events[20_000:26_000]:
        stepper.market(event)
    ex.poll = poll
    now = clock.now_ns()
    assert ({o.order_id for o in ex.open_orders()}
            != {o.order_id for o in engine.orders.live_orders()}
            or engine.portfolio.size_lots(DEMO_QUOTE) != ex.positions()[DEMO_QUOTE])
    stepper.submit(engine.begin_resync("user stream reconnected", now), now)
    assert engine.snapshot().quoting == "pulled"
    commands = engine.finish_resync(ex.open_orders(), ex.positions(), ex.fills_since(0), now)
    stepper.submit(commands, now)
    stepper.finish()
    assert not engine.kill_switch.halted, engine.errors
    assert engine.portfolio.size_lots(DEMO_QUOTE) == ex.positions()[DEMO_QUOTE]
    assert {o.order_id for o in ex.open_orders()} <= {o.order_id for o in
                                                     engine.orders.live_orders()}
    assert engine.snapshot().quoting == "on"


class FakeWallClock:
    def __init__(self):
        self.now = 0

    def now_ns(self):
        return self.now


def test_the_stale_pull_measures_age_on_the_wall_clock_in_live_modes(events):
    wall = FakeWallClock()
    engine = Engine(config(), stale_clock=wall)
    for event in events[:20_000]:
        wall.now = event.local_ts_ns  # keeping up: events are fresh
        engine.on_market(event)
    assert not any(r.startswith("stale") for r in engine.pull_reasons)
    for event in events[20_000:20_100]:  # a backlog: handled 10 s after they arrived
        wall.now = event.local_ts_ns + 10_000_000_000
        engine.on_market(event)
    assert any(r.startswith("stale: no book update for") for r in engine.pull_reasons)
    assert engine.targets.bids == () and engine.targets.asks == ()


def test_a_journal_of_the_first_layout_is_upgraded_when_opened(tmp_path):
    path = tmp_path / "old.sqlite"
    old = [c for c in RECORD_COLUMNS if c.name not in ("venue_order_id", "code", "value",
                                                       "namespace")]
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE records (seq INTEGER PRIMARY KEY, "
                 + ", ".join(f"{c.name} {c.sql_type}" for c in old[1:]) + ")")
    conn.execute("PRAGMA user_version=1")
    conn.execute("INSERT INTO records (seq, ts_ns, wall_ns, kind, order_id, command, reason, "
                 "transient) VALUES (1, 5, 6, 'rejected', 9, 'cancel', 'x', 0)")
    conn.commit()
    conn.close()
    journal = SqliteJournal(path)
    journal.close()
    (entry,) = read_records(path)
    assert entry.record == Rejected(9, "cancel", "x", 5)  # the new fields at their defaults
