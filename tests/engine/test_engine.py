"""The engine through its drivers: determinism, parity, accounting, limits, journal."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools

import numpy as np
import pytest

from tests.engine.drive import run_in_session
from workbench.core import Place, SimulatedClock, ValidationError
from workbench.data.binance.feed import replay_streams
from workbench.data.binance.instruments import SYNC_RULES, binance_instrument
from workbench.engine import Engine, EngineConfig, Session, backtest, default_risk_limits
from workbench.engine.demo import DEMO_FEES, DEMO_MAKER, DEMO_ORDERS, DEMO_QUOTE
from workbench.engine.recorder import RunRecorder
from workbench.engine.replay_driver import run_replay
from workbench.execution.journal import RiskEvent, RiskEventKind, read_records, recover
from workbench.execution.risk import InstrumentLimits, RiskLimits
from workbench.execution.sim import ConservativeQueue, ConstantLatency, SimExchange

N_EVENTS = 30_000
KEYS = (("binance-spot", "BTCUSDT"), ("binance-usdm", "BTCUSDT"), ("binance-coinm", "BTCUSD_PERP"))
INSTRUMENTS = tuple(binance_instrument(*k) for k in KEYS)
LATENCY = ConstantLatency(5_000_000, 5_000_000)


@pytest.fixture(scope="module")
def events(sample_files):
    return list(itertools.islice(replay_streams(sample_files), N_EVENTS))


def run(events, **kw):
    args = dict(instruments=INSTRUMENTS, fees=DEMO_FEES, latency=LATENCY,
                queue=ConservativeQueue(), orders=DEMO_ORDERS, seed=3)
    args.update(kw)
    maker = args.pop("maker", DEMO_MAKER)
    return backtest(events, DEMO_QUOTE, maker, **args)


@pytest.fixture(scope="module")
def result(events, tmp_path_factory):
    return run(events, journal_path=tmp_path_factory.mktemp("j") / "journal.sqlite")


def test_backtest_is_deterministic(events, result):
    again = run(events)
    assert len(result.fills) > 20
    assert result.fills.equals(again.fills)
    assert result.summary()["orders_placed"] == again.summary()["orders_placed"]


def test_paper_on_replay_gives_the_backtests_fills(events, result):
    """Same engine, same venue model and seed, driven by the async session instead."""
    quoted = binance_instrument(*DEMO_QUOTE)
    config = EngineConfig(INSTRUMENTS, DEMO_QUOTE, DEMO_MAKER,
                          default_risk_limits(quoted, DEMO_MAKER), SYNC_RULES,
                          orders=DEMO_ORDERS)
    recorder = RunRecorder(quoted)
    run_in_session(Engine(config, recorder=recorder), events, INSTRUMENTS, LATENCY)
    assert recorder.fills_frame().equals(result.fills)


def test_pnl_matches_an_independent_cash_flow_computation(result):
    f = result.fills
    sign = f["side"].to_numpy()
    cash = float(-(sign * f["price"] * f["size"]).sum() - f["fee"].sum())
    inventory = float((sign * f["size"]).sum())
    portfolio = result.engine.portfolio
    mark = portfolio.mark_price(DEMO_QUOTE)
    assert result.summary()["inventory_base"] == pytest.approx(inventory, abs=1e-12)
    assert portfolio.equity_quote == pytest.approx(cash + inventory * mark, abs=1e-6)
    maker = f["liquidity"] == "maker"
    expected_fees = ((f["price"] * f["size"])[maker].sum() * 2e-4
                     + (f["price"] * f["size"])[~maker].sum() * 5e-4)
    assert f["fee"].sum() == pytest.approx(expected_fees, rel=1e-9)


def test_risk_limits_are_never_exceeded(events):
    quoted = binance_instrument(*DEMO_QUOTE)
    tight = RiskLimits({DEMO_QUOTE: InstrumentLimits(6, 1e9, 2, 200.0, 4)},
                       max_total_notional_quote=1e9, max_loss_quote=1e9,
                       max_drawdown_quote=1e9, orders_per_s=50.0, order_burst=5)
    res = run(events, risk=tight)
    path = np.cumsum(res.fills["side"] * res.fills["size_lots"])
    assert len(res.fills) > 5 and np.abs(path).max() <= 6
    reasons = res.recorder.rejections
    assert any(k.startswith("place max_position") or k.startswith("place rate_limit")
               for k in reasons), reasons
    assert quoted.key in res.engine.portfolio.positions


def test_journal_recovers_the_engines_state(result):
    state = recover(result.journal_path)
    engine = result.engine
    assert state.positions_lots.get(DEMO_QUOTE, 0) == engine.portfolio.size_lots(DEMO_QUOTE)
    assert len(state.fills) == len(result.fills)
    live = {o.order_id for o in engine.orders.live_orders()}
    assert {o.order_id for o in state.open_orders()} == live
    assert state.fees[DEMO_QUOTE] == pytest.approx(result.fills["fee"].sum(), rel=1e-12)


def test_kill_switch_cancels_everything_and_blocks_new_orders(events, tmp_path):
    quoted = binance_instrument(*DEMO_QUOTE)
    config = EngineConfig(INSTRUMENTS, DEMO_QUOTE, DEMO_MAKER,
                          default_risk_limits(quoted, DEMO_MAKER), SYNC_RULES,
                          orders=DEMO_ORDERS)
    from workbench.execution.journal import SqliteJournal

    journal = SqliteJournal(tmp_path / "k.sqlite", synchronous="OFF")
    engine = Engine(config, journal)
    venue = SimExchange(INSTRUMENTS, {i.key: DEMO_FEES for i in INSTRUMENTS}, LATENCY,
                        ConservativeQueue(), SYNC_RULES, seed=3)
    from workbench.engine.replay_driver import Stepper

    stepper = Stepper(engine, venue, SimulatedClock())
    half = len(events) // 2
    for event in events[:half]:
        stepper.market(event)
    assert engine.orders.open_orders > 0
    now = events[half].local_ts_ns
    stepper.submit(engine.trip_kill_switch("test", now), now)
    for event in events[half:]:
        stepper.market(event)
    stepper.finish()
    journal.close()
    assert engine.orders.open_orders == 0
    assert engine.snapshot().kill_switch.halted
    records = [e.record for e in read_records(tmp_path / "k.sqlite")]
    trip = next(i for i, r in enumerate(records)
                if isinstance(r, RiskEvent) and r.event is RiskEventKind.KILL_SWITCH_TRIP)
    assert not any(isinstance(r, Place) for r in records[trip:])


def test_parameters_change_by_path_and_bad_ones_change_nothing(events):
    res = run(events[:2000])
    engine = res.engine
    engine.set_param("glft_params.gamma", 0.2, 0)
    assert engine.params.glft_params.gamma == 0.2
    with pytest.raises(ValidationError):
        engine.set_param("glft_params.gamma", -1.0, 0)
    with pytest.raises(ValidationError):
        engine.set_param("no.such.param", 1, 0)
    assert engine.params.glft_params.gamma == 0.2


class RejectingVenue(SimExchange):
    """A venue that refuses every order."""

    def submit(self, command, now_ns):
        if isinstance(command, Place):
            command = dataclasses.replace(command, size_lots=-1)
        super().submit(command, now_ns)


def test_a_venue_rejecting_everything_leaves_a_safe_state(events):
    quoted = binance_instrument(*DEMO_QUOTE)
    config = EngineConfig(INSTRUMENTS, DEMO_QUOTE, DEMO_MAKER,
                          default_risk_limits(quoted, DEMO_MAKER), SYNC_RULES)
    engine = Engine(config)
    venue = RejectingVenue(INSTRUMENTS, {i.key: DEMO_FEES for i in INSTRUMENTS}, LATENCY,
                           ConservativeQueue(), SYNC_RULES, seed=3)
    from workbench.engine.replay_driver import run_replay

    run_replay(engine, venue, events[:8000], SimulatedClock())
    assert engine.portfolio.size_lots(DEMO_QUOTE) == 0
    assert engine.orders.open_orders <= 4  # only the latest, still in flight


def test_hedger_keeps_the_net_delta_inside_its_band_on_another_venue(events):
    from workbench.strategies.hedger import HedgeParams

    band = 0.004
    res = run(events, hedge=HedgeParams(band_base=band, max_order_base=0.02),
              hedge_on=[("binance-spot", "BTCUSDT")])
    portfolio = res.engine.portfolio
    perp = portfolio.position(DEMO_QUOTE).size
    spot = portfolio.position(("binance-spot", "BTCUSDT")).size
    assert abs(perp) >= band and spot != 0  # inventory was built, and hedged
    spot_fills = [f for f in res.recorder.fills if f.venue == "binance-spot"]
    assert spot_fills and all(f.liquidity.value == "taker" for f in spot_fills)
    # Replay the fills: a hedge only ever starts outside the band, and each brings the net
    # delta back towards zero without overshooting the band on the other side (an IOC at
    # the touch may fill partly: the next decision hedges the rest).
    net = {}
    fills = res.recorder.fills
    before = None
    for n, f in enumerate(fills):
        inst = binance_instrument(f.venue, f.symbol)
        if f.venue == "binance-spot" and before is None:
            before = sum(net.values())
            assert abs(before) > band
        net[f.venue] = net.get(f.venue, 0.0) + int(f.side) * f.size_lots * inst.lot_size_float
        if before is not None and (n + 1 == len(fills) or fills[n + 1].order_id != f.order_id):
            after = sum(net.values())
            assert abs(after) < abs(before) and (after * before >= 0 or abs(after) <= band)
            before = None


@pytest.mark.parametrize("crash_at", [0.45, 0.65, 0.9])
def test_restart_rebuilds_state_from_the_journal_and_the_venue(events, tmp_path, crash_at):
    """A session dies mid-run; a new one on the same journal takes over the live venue.

    The venue keeps running (its reports in flight reach the new session); afterwards the
    new engine's orders and positions must be exactly the venue's, with no fill booked
    twice and no order lost.
    """
    from workbench.engine.replay_driver import Stepper
    from workbench.execution.journal import SqliteJournal

    quoted = binance_instrument(*DEMO_QUOTE)
    config = EngineConfig(INSTRUMENTS, DEMO_QUOTE, DEMO_MAKER,
                          default_risk_limits(quoted, DEMO_MAKER), SYNC_RULES,
                          orders=DEMO_ORDERS)
    path = tmp_path / "session.sqlite"
    venue = SimExchange(INSTRUMENTS, {i.key: DEMO_FEES for i in INSTRUMENTS}, LATENCY,
                        ConservativeQueue(), SYNC_RULES, seed=3)
    clock = SimulatedClock()
    first = Engine(config, SqliteJournal(path, synchronous="OFF"))
    stepper = Stepper(first, venue, clock)
    cut = int(len(events) * crash_at)
    for event in events[:cut]:
        stepper.market(event)
    while not first.orders.open_orders:  # die while orders are live, the hard case
        stepper.market(events[cut])
        cut += 1
    first.journal.close()  # the process dies here: nothing else of it survives

    second = Engine(config, SqliteJournal(path, synchronous="OFF"))
    now = clock.now_ns()
    commands = second.restore(venue.open_orders(), venue.positions(),
                              venue.fills_since(now - 60_000_000_000), now)
    stepper = Stepper(second, venue, clock)
    stepper.submit(commands, now)
    for event in events[cut:]:
        stepper.market(event)
    stepper.finish()
    assert not second.kill_switch.halted, second.errors
    assert second.portfolio.size_lots(DEMO_QUOTE) == venue.positions()[DEMO_QUOTE]
    live = {o.order_id for o in second.orders.live_orders()}
    assert live == {o.order_id for o in venue.open_orders()}
    booked = [f.fill_id for f in recover(path).fills]
    assert len(booked) == len(set(booked)) == len(venue.fills_since(0))


def test_session_tunes_the_running_engine_between_events(events):
    """A parameter queued on a paper session reaches the engine, validated, mid-run."""
    quoted = binance_instrument(*DEMO_QUOTE)
    config = EngineConfig(INSTRUMENTS, DEMO_QUOTE, DEMO_MAKER,
                          default_risk_limits(quoted, DEMO_MAKER), SYNC_RULES,
                          orders=DEMO_ORDERS)
    engine = Engine(config)
    venue = SimExchange(INSTRUMENTS, {i.key: DEMO_FEES for i in INSTRUMENTS}, LATENCY,
                        ConservativeQueue(), SYNC_RULES, seed=3)

    refused = []

    async def source(session):
        for n, event in enumerate(events[:6000]):
            if n == 3000:
                session.set_param("glft_params.gamma", 0.2)
                try:
                    session.set_param("glft_params.gamma", -5.0)  # refused at once
                except ValidationError as exc:
                    refused.append(str(exc))
            yield event

    async def main():
        session = Session(engine, venue, None, clock=SimulatedClock())
        session.source = source(session)
        await session.run()
        return session

    asyncio.run(main())
    assert engine.params.glft_params.gamma == 0.2
    assert refused == ["gamma=-5.0: GLFTParams.gamma must be finite and > 0, got -5.0"]
    snap = engine.snapshot()
    assert snap.params.glft_params.gamma == 0.2 and snap.ts_ns == events[5999].local_ts_ns


def test_reports_arriving_together_are_applied_then_decided_on_once(events):
    class Counting(Engine):
        def __init__(self, *args):
            super().__init__(*args)
            self.batches, self.report_decisions, self._in_reports = [], 0, False

        def on_reports(self, reports, now_ns):
            self.batches.append(len(reports))
            self._in_reports = True
            try:
                return super().on_reports(reports, now_ns)
            finally:
                self._in_reports = False

        def _decide(self, now):
            self.report_decisions += self._in_reports
            return super()._decide(now)

    quoted = binance_instrument(*DEMO_QUOTE)
    engine = Counting(EngineConfig(INSTRUMENTS, DEMO_QUOTE, DEMO_MAKER,
                                   default_risk_limits(quoted, DEMO_MAKER), SYNC_RULES,
                                   orders=DEMO_ORDERS))
    venue = SimExchange(INSTRUMENTS, {i.key: DEMO_FEES for i in INSTRUMENTS}, LATENCY,
                        ConservativeQueue(), SYNC_RULES, seed=3, books=engine.syncs)
    run_replay(engine, venue, events, SimulatedClock())
    assert max(engine.batches) > 1  # an ack and its fill, acks of one requote, ...
    assert 0 < engine.report_decisions <= len(engine.batches) < sum(engine.batches)
