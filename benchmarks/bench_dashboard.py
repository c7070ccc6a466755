"""The dashboard costs the engine little: events/s with it attached over without it.

* ``dashboard_throughput_vs_no_widgets`` (the dashboard throughput ratio): a replay
  session of the bundled sample at full speed, with the whole dashboard attached
  (controls, parameters, four streaming charts, blotter, refreshing at 4 Hz), over the
  same session with no widget; runs interleaved A B A B,
  the median of the per-pair ratios. Events are parsed once beforehand, so the figure is
  the engine's rate and not the file reader's. Outside a kernel the widgets' messages are
  built and serialised but go nowhere, which is the part of their cost that shares the
  engine's loop.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time

from interleave import Figure, Pairs, report_pairs

import workbench
from widgets import dashboard
from workbench.data.binance.feed import replay_streams
from workbench.data.sample import sample_paths
from workbench.engine.replay_source import ReplaySource

EVENTS = 30_000
PAIRS = 5
FIGURES = {
    "throughput": Figure("dashboard_throughput_vs_no_widgets", "the same replay session "
                         "with no widget attached", ">=", 0.9, speed=True),
}


async def rate(events: list, with_dashboard: bool) -> float:
    session = workbench.session("replay", speed=math.inf)
    session.source = ReplaySource(events, math.inf)  # parsed once: the engine's rate
    board = dashboard(session) if with_dashboard else None
    t0 = time.perf_counter()
    await session.start()
    elapsed = time.perf_counter() - t0
    if board is not None:
        assert board.charts.price.updates > 0
    return session.stats.events / elapsed


async def main() -> None:
    events = list(itertools.islice(replay_streams(sample_paths()), EVENTS))
    await rate(events[:2000], True)  # warm-up: imports, first widgets
    ours, reference = [], []
    for _ in range(PAIRS):  # interleaved: with, without, with, without...
        ours.append(1.0 / await rate(events, True))
        reference.append(1.0 / await rate(events, False))
    report_pairs(FIGURES["throughput"], Pairs(tuple(ours), tuple(reference)),
                 "us/event", 1e6)


if __name__ == "__main__":
    asyncio.run(main())
