"""Drive an engine and a simulated venue over recorded events, in time order.

The driver owns the time line: market events at their ``local_ts_ns``, venue reports at
the time they reach us. Before each market event, every report due at or before it is
delivered (at its own due time), so the engine sees exactly what it would have seen
live, and the commands it returns are submitted at the time it returned them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from workbench.core.clock import SimulatedClock
from workbench.core.commands import Command
from workbench.core.events import MarketEvent
from workbench.engine.protocols import EngineCore
from workbench.execution.venue import SimulatedVenue


def run_replay(
    engine: EngineCore,
    venue: SimulatedVenue,
    events: Iterable[MarketEvent],
    clock: SimulatedClock,
    timer_interval_ns: int = 100_000_000,
    on_commands: Callable[[list[Command], int], None] | None = None,
) -> int:
    """Replay ``events`` through ``venue`` and ``engine``; returns the events replayed.

    Parameters
    ----------
    engine : EngineCore
        The engine step.
    venue : SimulatedVenue
        Sees every market event before the engine, takes the engine's commands.
    events : iterable of MarketEvent
        In ``local_ts_ns`` order (a multi-source replay).
    clock : SimulatedClock
        Advanced to each event's and report's time.
    timer_interval_ns : int
        The engine's timer fires when this much event time passed since the last one.
    on_commands : callable, optional
        Observer of every batch of commands with its submit time (for latency figures).
    """
    n = 0
    next_timer = None

    def submit(commands: list[Command], now_ns: int) -> None:
        if commands:
            if on_commands is not None:
                on_commands(commands, now_ns)
            for command in commands:
                venue.submit(command, now_ns)

    def deliver_until(t_ns: int) -> None:
        while True:
            due = venue.next_report_ns()
            if due is None or due > t_ns:
                return
            clock.advance_to(max(due, clock.now_ns()))
            now = clock.now_ns()
            for report in venue.poll(now):
                submit(engine.on_report(report, now), now)

    for event in events:
        t = event.local_ts_ns
        deliver_until(t)
        clock.advance_to(max(t, clock.now_ns()))
        now = clock.now_ns()
        if next_timer is None:
            next_timer = now + timer_interval_ns
        elif now >= next_timer:
            submit(engine.on_timer(now), now)
            next_timer = now + timer_interval_ns
        venue.on_market(event)
        submit(engine.on_market(event), now)
        n += 1
    # Let what is in flight land: reports due within one timer interval of the end.
    deliver_until(clock.now_ns() + timer_interval_ns)
    return n
