"""The async session: a task on the running loop that never abandons its quotes.

Each test drives the real engine against the simulated exchange on the bundled sample
(or a venue wrapped to misbehave) and checks the venue's own view at the end: after a
stop, a failure or a pause that pulls quotes, no order of ours is working there. None of
them waits on a sleep for the outcome: a session on the simulated clock steps on events,
and the wall-clock ones wait on conditions with a generous bound.
"""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from workbench.core import (
    Accepted,
    Place,
    Side,
    SimulatedClock,
    Trade,
    TransientError,
    ValidationError,
    WorkbenchError,
)
from workbench.data.binance.feed import replay_streams
from workbench.data.binance.instruments import SYNC_RULES, binance_instrument
from workbench.engine import Engine, EngineConfig, Session, SessionState, default_risk_limits
from workbench.engine.demo import DEMO_FEES, DEMO_MAKER, DEMO_ORDERS, DEMO_QUOTE
from workbench.execution.sim import ConservativeQueue, ConstantLatency, SimExchange

KEYS = (("binance-spot", "BTCUSDT"), ("binance-usdm", "BTCUSDT"), ("binance-coinm", "BTCUSD_PERP"))
INSTRUMENTS = tuple(binance_instrument(*k) for k in KEYS)
QUOTED = binance_instrument(*DEMO_QUOTE)


@pytest.fixture(scope="module")
def events(sample_files):
    return list(itertools.islice(replay_streams(sample_files), 36_000))


def make(engine_cls=Engine, seed=3):
    config = EngineConfig(INSTRUMENTS, DEMO_QUOTE, DEMO_MAKER,
                          default_risk_limits(QUOTED, DEMO_MAKER), SYNC_RULES,
                          orders=DEMO_ORDERS)
    engine = engine_cls(config)
    venue = SimExchange(INSTRUMENTS, {i.key: DEMO_FEES for i in INSTRUMENTS},
                        ConstantLatency(5_000_000, 5_000_000), ConservativeQueue(),
                        SYNC_RULES, seed=seed)
    return engine, venue


async def replay(events):
    for event in events:
        yield event


def at_events(venue, control):
    """Call ``control(n)`` as the engine's step reaches its ``n``-th event (the session
    reads ahead of the engine, so a control in the source would come early)."""
    shown = venue.on_market
    count = itertools.count()

    def on_market(event):
        control(next(count))
        shown(event)

    venue.on_market = on_market


def agree(engine, venue, settled=True):
    """Nothing works at the venue that the engine does not hold live; once every report
    has landed (``settled``), the same position."""
    live = {o.order_id for o in engine.orders.live_orders()}
    assert {o.order_id for o in venue.open_orders()} <= live
    if settled:
        assert engine.portfolio.size_lots(QUOTED.key) == venue.positions()[QUOTED.key]


def run(session):
    asyncio.run(session.run())
    return session


def test_a_source_that_ends_leaves_nothing_working(events):
    engine, venue = make()
    session = run(Session(engine, venue, replay(events), clock=SimulatedClock()))
    assert session.state is SessionState.STOPPED
    assert session.stats.events == len(events) and session.stats.commands > 50
    assert venue.open_orders() == [] and engine.orders.open_orders == 0
    agree(engine, venue)


def test_stop_cancels_every_working_order_and_waits_for_the_answers(events):
    engine, venue = make()
    seen_working = []

    def stop_midway(n):
        if n == 24_000:
            seen_working.append(len(venue.open_orders()))
            session.request_stop()

    at_events(venue, stop_midway)
    session = Session(engine, venue, replay(events), clock=SimulatedClock())
    run(session)
    assert seen_working[0] > 0  # it was quoting when told to stop
    assert session.state is SessionState.STOPPED
    assert session.stats.events < 24_100  # stopped there, not at the end of the data
    assert venue.open_orders() == [] and engine.orders.open_orders == 0
    agree(engine, venue)


def test_stop_while_paused(events):
    engine, venue = make()

    def control(n):
        if n == 20_000:
            session.pause(pull_quotes=False)  # quotes held: still working at the venue
        if n == 20_150:  # (held quotes fill as the market moves: stop soon)
            held.append(len(venue.open_orders()))
            session.request_stop()

    held = []
    at_events(venue, control)
    session = Session(engine, venue, replay(events), clock=SimulatedClock())
    run(session)
    assert held[0] > 0
    assert venue.open_orders() == [] and engine.orders.open_orders == 0


def test_pause_pulls_quotes_but_keeps_applying_reports_timers_and_the_kill_switch(events):
    engine, venue = make()
    log = {}

    def control(n):
        if n == 18_000:
            log["before"] = len(venue.open_orders())
            session.pause()
        elif n == 19_000:  # paused: the quotes are gone, and none came back
            log["paused"] = len(venue.open_orders())
            log["places_paused"] = session.stats.commands
            log["reports_paused"] = session.stats.reports
        elif n == 23_000:
            log["places_later"] = session.stats.commands
            log["reports_later"] = session.stats.reports
            log["halted_before_kill"] = engine.kill_switch.halted
            session.kill("pressed while paused")
        elif n == 23_500:
            log["halted"] = engine.kill_switch.halted
            session.resume()
        elif n == 26_000:
            log["after_resume"] = len(venue.open_orders())  # halted: still nothing
            session.rearm()
        elif n == 30_000:
            log["rearmed"] = len(venue.open_orders())

    at_events(venue, control)
    session = Session(engine, venue, replay(events), clock=SimulatedClock())
    run(session)
    assert log["before"] > 0 and log["paused"] == 0
    # Reports kept coming (the cancels' answers, late fills) while no new command went out.
    assert log["places_later"] == log["places_paused"]
    assert log["reports_paused"] > 0
    assert not log["halted_before_kill"] and log["halted"]
    assert log["after_resume"] == 0 and log["rearmed"] > 0
    assert engine.snapshot().kill_switch.trips == 1
    agree(engine, venue)


def test_an_engine_exception_cancels_the_orders_before_the_session_fails(events):
    class Failing(Engine):
        steps = 0

        def on_market(self, event):
            Failing.steps += 1
            if Failing.steps == 20_001:
                raise RuntimeError("estimator blew up")
            return super().on_market(event)

    engine, venue = make(Failing)
    working = []
    at_events(venue, lambda n: working.append(len(venue.open_orders())) if n == 20_000 else None)
    session = Session(engine, venue, replay(events), clock=SimulatedClock())

    async def main():
        task = session.start()
        with pytest.raises(RuntimeError, match="estimator blew up"):
            await task

    asyncio.run(main())
    assert working and working[-1] > 0
    assert session.state is SessionState.FAILED
    assert session.error == "RuntimeError: estimator blew up"
    assert venue.open_orders() == [] and engine.orders.open_orders == 0
    agree(engine, venue)


class LostAnswer:
    """The simulated exchange behind a link that loses the answer to the first place:
    the venue got the order, the client saw a timeout (a :class:`TransientError`)."""

    def __init__(self, venue):
        self.inner, self.name, self.lost = venue, venue.name, []

    def submit(self, command, now_ns):
        self.inner.submit(command, now_ns)
        if type(command) is Place and not self.lost:
            self.lost.append(command.order_id)
            raise TransientError("timed out waiting for the answer")

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_a_retried_place_never_makes_a_second_live_order(events):
    engine, raw = make()
    venue = LostAnswer(raw)
    checks = []

    def check(n):
        if n % 500 == 0:
            checks.append(n)
            agree(engine, raw, settled=False)  # fills may be on their way

    at_events(raw, check)
    session = Session(engine, venue, replay(events[:24_000]), clock=SimulatedClock(),
                      retry_base_s=0.001)
    run(session)
    (lost,) = venue.lost
    # The retry reached the venue with the same id and was refused as a duplicate; the
    # engine kept the order live (in doubt) instead of taking it for rejected.
    assert engine.orders.anomalies["duplicate_place"] == 1
    assert engine.orders.get(lost).state.value != "rejected"
    assert len(checks) == 48 and raw.open_orders() == []
    agree(engine, raw)


def test_start_twice_and_outside_a_running_loop_are_refused(events):
    engine, venue = make()
    session = Session(engine, venue, replay(events[:10]), clock=SimulatedClock())
    with pytest.raises(RuntimeError):
        session.start()

    async def twice():
        session.start()
        with pytest.raises(WorkbenchError, match="already started"):
            session.start()
        await session.stop()
        await session.stop()  # stopping a stopped session does nothing

    asyncio.run(twice())
    assert session.state is SessionState.STOPPED


def test_refused_parameters_raise_at_once_and_change_nothing(events):
    engine, venue = make()
    session = Session(engine, venue, replay(events[:10]), clock=SimulatedClock())
    with pytest.raises(ValidationError, match="gamma"):
        session.set_param("glft_params.gamma", -1.0)
    with pytest.raises(ValidationError):
        session.set_param("no_such.param", 1)
    run(session)
    assert engine.params == DEMO_MAKER


class Live:
    """A wall-clock venue whose answers arrive on their own, as a connector's do: it
    sets ``reports_ready`` when one is there. Acks every place, fills none."""

    name = "live"

    def __init__(self):
        self.reports_ready = asyncio.Event()
        self.queue, self.submitted = [], []

    def submit(self, command, now_ns):
        self.submitted.append(command)
        asyncio.get_running_loop().call_soon(self._answer, command, now_ns)

    def _answer(self, command, now_ns):
        self.queue.append(Accepted(command.order_id, now_ns))
        self.reports_ready.set()

    def poll(self, now_ns):
        out, self.queue = self.queue, []
        return out

    def next_report_ns(self):
        return self.queue[0].ts_ns if self.queue else None


class Recording:
    """An engine stub: counts what it is given and sends one place at the first event."""

    def __init__(self):
        from workbench.execution.orders import OrderManager

        self.orders = OrderManager()
        self.reports, self.timers, self.events = [], 0, 0
        self.got_report = asyncio.Event()

    def on_market(self, event):
        self.events += 1
        if self.events == 1:
            return [self.orders.place("live", "S", Side.BUY, 100, 1,
                                      DEMO_ORDERS.resting_tif, event.local_ts_ns)]
        return []

    def on_reports(self, reports, now_ns):
        self.reports.extend(reports)
        for report in reports:
            self.orders.on_report(report)
        self.got_report.set()
        return []

    def on_timer(self, now_ns):
        self.timers += 1
        return []

    def pull_quotes(self, reason, now_ns, everything=False):
        return self.orders.cancel_all(now_ns, reason)


def test_a_report_wakes_the_session_at_once_not_on_the_next_timer():
    engine, venue = Recording(), Live()
    gate = asyncio.Event()

    async def source():
        now = time.time_ns()
        yield Trade(now, now, "live", "S", 100, 1, Side.BUY, 1)
        await gate.wait()  # no further event: only the report can wake the loop

    async def main():
        session = Session(engine, venue, source(), timer_interval_s=3600.0)
        session.start()
        await asyncio.wait_for(engine.got_report.wait(), 10.0)
        gate.set()
        await session.stop(timeout_s=0.0)
        return session

    session = asyncio.run(main())
    assert [type(r) for r in engine.reports] == [Accepted]
    assert engine.timers == 0  # it was the report that woke it, not the hour-long timer
    assert session.state is SessionState.STOPPED


class Flaky(Live):
    """Refuses the first ``failures`` submits with a transient error."""

    def __init__(self, failures):
        super().__init__()
        self.failures = failures

    def submit(self, command, now_ns):
        if self.failures:
            self.failures -= 1
            raise TransientError("rate limited")
        super().submit(command, now_ns)


def test_transient_refusals_are_sent_again_with_the_same_order_id():
    engine, venue = Recording(), Flaky(failures=2)
    gate = asyncio.Event()

    async def source():
        now = time.time_ns()
        yield Trade(now, now, "live", "S", 100, 1, Side.BUY, 1)
        await gate.wait()

    async def main():
        session = Session(engine, venue, source(), retry_base_s=0.001)
        session.start()
        await asyncio.wait_for(engine.got_report.wait(), 10.0)
        gate.set()
        await session.stop(timeout_s=0.0)
        return session

    session = asyncio.run(main())
    (place,) = [c for c in venue.submitted if type(c) is Place]  # once, after two refusals
    assert [(type(r), r.order_id) for r in engine.reports] == [(Accepted, place.order_id)]
    assert not [e for e in session.stats.errors if "gave up" in e]
