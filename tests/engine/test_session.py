"""The async session: runs as a task on a running loop, controls between events."""

from __future__ import annotations

import asyncio

import pytest

from workbench.core import Cancel, Trade, TransientError
from workbench.core.events import Side
from workbench.engine.session import Session, SessionState


class CountingEngine:
    def __init__(self):
        self.market, self.reports, self.timers, self.params = [], [], 0, {}

    def on_market(self, event):
        self.market.append(event)
        return [Cancel(len(self.market), "v", "S", event.local_ts_ns)]

    def on_reports(self, reports, now_ns):
        self.reports.extend(reports)
        return []

    def on_timer(self, now_ns):
        self.timers += 1
        return []


class FlakyVenue:
    """Refuses the first ``failures`` submits with a transient error."""

    name = "flaky"

    def __init__(self, failures=0):
        self.failures, self.sent, self.shown = failures, [], []

    def submit(self, command, now_ns):
        if self.failures:
            self.failures -= 1
            raise TransientError("rate limited")
        self.sent.append(command)

    def poll(self, now_ns):
        return []

    def next_report_ns(self):
        return None

    def on_market(self, event):
        self.shown.append(event)


def trade(i):
    return Trade(i, i, "v", "S", 100, 1, Side.BUY, i)


async def feed(n, gate=None, delay_s=0.0):
    for i in range(n):
        if gate is not None and i == n // 2:
            await gate.wait()
        if delay_s:
            await asyncio.sleep(delay_s)
        yield trade(i)


def test_session_runs_as_a_task_on_the_running_loop():
    engine, venue = CountingEngine(), FlakyVenue()

    async def main():
        session = Session(engine, venue, feed(20))
        task = session.start()
        await task
        return session

    session = asyncio.run(main())
    assert session.state is SessionState.STOPPED
    assert len(engine.market) == len(venue.shown) == len(venue.sent) == 20
    assert session.stats.events == 20 and session.stats.commands == 20


def test_start_outside_a_running_loop_is_refused():
    session = Session(CountingEngine(), FlakyVenue(), feed(1))
    with pytest.raises(RuntimeError):
        session.start()


def test_pause_holds_events_and_params_apply_between_events():
    engine, venue = CountingEngine(), FlakyVenue()
    applied = []

    async def main():
        session = Session(engine, venue, feed(10, delay_s=0.001),
                          apply_params=lambda k, v: applied.append((k, v, len(engine.market))))
        session.start()
        await asyncio.sleep(0.003)
        session.pause()
        await asyncio.sleep(0.01)
        seen = len(engine.market)
        await asyncio.sleep(0.01)
        assert len(engine.market) == seen  # nothing stepped while paused
        session.set_param("half_spread_ticks", 7)
        session.resume()
        await session._task
        return seen

    seen = asyncio.run(main())
    assert len(engine.market) == 10
    assert applied == [("half_spread_ticks", 7, seen)]


def test_refused_parameters_are_reported_not_raised():
    def reject(name, value):
        raise ValueError("gamma must be positive")

    async def main():
        session = Session(CountingEngine(), FlakyVenue(), feed(3), apply_params=reject)
        session.set_param("gamma", -1)
        await session.run()
        return session

    session = asyncio.run(main())
    assert session.state is SessionState.STOPPED
    assert "gamma" in session.stats.errors[0] and "positive" in session.stats.errors[0]


def test_transient_failures_are_retried_with_backoff():
    engine, venue = CountingEngine(), FlakyVenue(failures=2)

    async def main():
        session = Session(engine, venue, feed(30, delay_s=0.002), retry_base_s=0.001)
        await session.run()
        return session

    session = asyncio.run(main())
    assert len(venue.sent) == 30  # the two refused commands went through on retry
    assert not session.stats.errors


def test_timer_runs_when_no_event_arrives():
    engine = CountingEngine()
    gate = asyncio.Event()

    async def main():
        session = Session(engine, FlakyVenue(), feed(4, gate=gate), timer_interval_s=0.005)
        session.start()
        await asyncio.sleep(0.05)
        gate.set()
        await session.stop()

    asyncio.run(main())
    assert engine.timers >= 3
