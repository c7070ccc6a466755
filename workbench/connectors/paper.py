"""Paper trading on live data: live feeds into the engine, the simulated exchange as venue.

:func:`paper_session` builds what a backtest builds (the engine, its risk limits, the
simulated exchange sharing the engine's books, a run recorder) around a
:class:`~workbench.connectors.live.LiveSource` instead of a recording, and returns a
:class:`~workbench.engine.session.Session` to start on the running loop. The fair mid
fuses every stream of the source, the maker quotes one of them, as in a backtest.
:func:`run_headless` runs one until Ctrl-C (or for a while) with a status line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.connectors.ccxt_feed import sync_rule
from workbench.connectors.live import LiveSource
from workbench.core.clock import Clock, WallClock
from workbench.core.errors import ValidationError
from workbench.core.instruments import Instrument
from workbench.engine.backtest import default_risk_limits
from workbench.engine.config import EngineConfig
from workbench.engine.core import Engine
from workbench.engine.params import replace_path
from workbench.engine.recorder import RunRecorder
from workbench.engine.session import Session
from workbench.estimators.stack import StackParams
from workbench.execution.journal import SqliteJournal
from workbench.execution.orders.config import OrderManagerConfig
from workbench.execution.risk import RiskLimits
from workbench.execution.sim import (
    ConservativeQueue,
    ConstantLatency,
    FeeSchedule,
    LatencyModel,
    QueueModel,
    SimExchange,
)
from workbench.strategies.maker import MakerParams


@dataclass
class PaperRun:
    """A paper session and its parts (read them, do not drive them).

    Attributes
    ----------
    session : Session
        Start it with ``session.start()``; ``await session.stop()`` ends it.
    source : LiveSource
        The live feeds.
    engine : Engine
        The engine (``engine.snapshot()`` for its state).
    venue : SimExchange
        The simulated exchange matching our orders against the live books.
    recorder : RunRecorder
        Fills and sampled series, as in a backtest result.
    """

    session: Session
    source: LiveSource
    engine: Engine
    venue: SimExchange
    recorder: RunRecorder

    def status_line(self) -> str:
        """Events/s, quotes working, fills, PnL, and each book's state."""
        snap = self.engine.snapshot()
        books = " ".join(f"{k}={'synced' if ok else 'UNSYNCED'}"
                         for k, ok in snap.books_synced.items())
        stale = [f"{s.venue}:{s.symbol}" for f in self.source.statuses
                 for s in f.streams.values() if s.stale]
        pulled = f" pulled({'; '.join(snap.pull_reasons)})" if snap.pull_reasons else ""
        return (f"{self.source.status_line()} | events {self.session.stats.events:,} "
                f"quotes {len(snap.orders)} fills {len(self.recorder.fills)} "
                f"equity {snap.equity_quote:+.4f}{pulled} | {books}"
                f"{' stale ' + ','.join(stale) if stale else ''}")


def maker_params(strategy: str, overrides: Mapping[str, Any] | None = None,
                 base: MakerParams | None = None) -> MakerParams:
    """Maker parameters: ``strategy`` as the quoting model, then dotted-path overrides.

    Raises
    ------
    ValidationError
        On an unknown model, path or value.
    """
    params = replace_path(base or MakerParams(), "model", strategy)
    for path, value in (overrides or {}).items():
        params = replace_path(params, path, value)
    return params


def paper_session(source: LiveSource, instruments: Sequence[Instrument],
                  quote: tuple[str, str], maker: MakerParams, *,
                  fees: Mapping[tuple[str, str], FeeSchedule] | None = None,
                  latency: LatencyModel | None = None, queue: QueueModel | None = None,
                  orders: OrderManagerConfig | None = None, risk: RiskLimits | None = None,
                  stack: StackParams | None = None, seed: int = 0,
                  clock: Clock | None = None,
                  journal_path: str | Path | None = None,
                  timer_interval_s: float = 0.1) -> PaperRun:
    """A paper session over live feeds.

    Parameters
    ----------
    source : LiveSource
        Feeds of every instrument in ``instruments``.
    instruments : sequence of Instrument
        Every stream (they feed the fair mid); ``quote`` is among them.
    quote : (venue, symbol)
        What the maker quotes.
    maker : MakerParams
        The strategy.
    fees, latency, queue, orders, risk, stack, seed :
        As for :func:`workbench.backtest` (fees per instrument; default 2/5 bps).
    clock : Clock, optional
        The wall clock by default; a ``SimulatedClock`` runs the session on event time,
        where it gives the fills a backtest of the same events gives.
    journal_path : path, optional
        The session's journal (SQLite, ``synchronous=NORMAL``: it survives a crash of
        the process).
    timer_interval_s : float
        The engine's timer.

    Raises
    ------
    ValidationError
        If ``quote`` is not among the instruments.
    """
    instruments = tuple(instruments)
    quoted = next((i for i in instruments if i.key == quote), None)
    if quoted is None:
        raise ValidationError(f"{quote} is not among the feeds' instruments "
                              f"{[i.key for i in instruments]}")
    rules = {i.venue: sync_rule(i.venue) for i in instruments}
    config = EngineConfig(instruments, quote, maker, risk or default_risk_limits(quoted, maker),
                          rules, stack or StackParams(), orders or OrderManagerConfig(),
                          timer_interval_ns=int(timer_interval_s * 1e9))
    recorder = RunRecorder(quoted, instruments=instruments)
    journal = (SqliteJournal(journal_path, synchronous="NORMAL")
               if journal_path is not None else None)
    clock = clock or WallClock()
    wall = not hasattr(clock, "advance_to")  # live data: the age of data is wall time
    engine = Engine(config, journal, recorder, stale_clock=clock if wall else None)
    default_fee = FeeSchedule(maker_bps=2.0, taker_bps=5.0)
    venue = SimExchange(instruments, {i.key: (fees or {}).get(i.key, default_fee)
                                      for i in instruments},
                        latency or ConstantLatency(5_000_000, 5_000_000),
                        queue or ConservativeQueue(), rules, seed, name="paper",
                        books=engine.syncs)
    session = Session(engine, venue, source, clock=clock, mode="paper",
                      timer_interval_s=timer_interval_s)
    return PaperRun(session, source, engine, venue, recorder)


async def run_headless(run: PaperRun, seconds: float | None = None,
                       status: Callable[[str], None] = print,
                       status_every_s: float = 1.0) -> None:
    """Run a paper session, printing its status line, until cancelled (Ctrl-C) or for
    ``seconds``; stops the session and the feeds cleanly either way."""
    task = run.session.start()
    elapsed = 0.0
    try:
        while (seconds is None or elapsed < seconds) and not task.done():
            await asyncio.sleep(status_every_s)
            elapsed += status_every_s
            status(run.status_line())
    finally:
        await run.source.stop()
        await run.session.stop()
        if run.engine.journal is not None:
            run.engine.journal.close()
        status(run.status_line())
