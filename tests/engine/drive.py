"""Running an engine in a :class:`Session` on simulated time, as the engine tests do."""

from __future__ import annotations

import asyncio

from workbench.core import SimulatedClock
from workbench.data.binance.instruments import SYNC_RULES
from workbench.engine import Session
from workbench.engine.demo import DEMO_FEES
from workbench.execution.sim import ConservativeQueue, SimExchange


def run_in_session(engine, events, instruments, latency, seed: int = 3) -> None:
    """Drive ``engine`` with ``events`` through a Session against a simulated exchange of
    ``instruments`` (the demo's fees, a conservative queue), on event time."""
    venue = SimExchange(instruments, {i.key: DEMO_FEES for i in instruments}, latency,
                        ConservativeQueue(), SYNC_RULES, seed=seed)

    async def source():
        for event in events:
            yield event

    session = Session(engine, venue, source(), clock=SimulatedClock(), timer_interval_s=0.1)
    asyncio.run(session.run())
