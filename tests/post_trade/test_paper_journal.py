"""A paper session's journal and a backtest's journal of the same events give the same
report: paper trading through the local exchange over real sockets on simulated time
makes the backtest's fills (the paper proof), so every figure must agree."""

from __future__ import annotations

import asyncio
import gzip

import pytest

import workbench
from tests.connectors.localex import SPOT, USDM, native_feeds, quiet, until
from workbench.connectors.live import LiveSource
from workbench.connectors.paper import paper_session
from workbench.connectors.record import Recorder
from workbench.core.clock import SimulatedClock
from workbench.data.binance.instruments import binance_instrument
from workbench.data.binance.parse import read_lines
from workbench.data.recorder import RawFileWriter
from workbench.engine.demo import DEMO_FEES, DEMO_MAKER, DEMO_ORDERS
from workbench.estimators.stack import StackParams
from workbench.estimators.volatility import VolParams
from workbench.execution.sim import ConservativeQueue, ConstantLatency

exchange = pytest.importorskip("workbench.testing.exchange")

LATENCY = ConstantLatency(5_000_000, 5_000_000)
SPEED = 5
STACK = StackParams(vol=VolParams(grid_s=0.05, half_life_s=3.0, min_returns=10, stale_s=2.0))
SECONDS = 30


def _served(sample_files, out):
    files = []
    first = min(int(read_lines(p)[0].split(b" ", 1)[0]) for p in sample_files)
    for path in sample_files[:2]:
        keep = [ln for ln in read_lines(path)
                if int(ln.split(b" ", 1)[0]) < first + SECONDS * 10**9]
        dst = out / path.parent.name / path.name
        dst.parent.mkdir(parents=True)
        dst.write_bytes(gzip.compress(b"\n".join(keep) + b"\n"))
        files.append(dst)
    return files


def test_paper_and_backtest_journals_give_the_same_report(sample_files, tmp_path):
    served = _served(sample_files, tmp_path / "served")
    instruments = [binance_instrument(*k) for k in (SPOT, USDM)]
    paper_journal = tmp_path / "paper" / "journal.sqlite"

    async def scenario():
        async with exchange.LocalExchange(exchange.Recording(served), speed=SPEED,
                                          paused=True) as ex:
            writer = RawFileWriter(tmp_path / "rec")
            group = native_feeds(ex, stale_after_s=600)
            for feed in group.feeds:
                feed.lines.on_line = Recorder.native_line_sink(writer, feed.venue)
            source = LiveSource([group])
            run = paper_session(source, instruments, USDM, DEMO_MAKER,
                                fees={i.key: DEMO_FEES for i in instruments},
                                latency=LATENCY, queue=ConservativeQueue(),
                                orders=DEMO_ORDERS, stack=STACK, seed=7,
                                clock=SimulatedClock(), journal_path=paper_journal)
            run.session.start()
            await until(lambda: all(f._subscribed for f in group.feeds))
            ex.replay.resume()
            await until(lambda: ex.replay.ended, timeout_s=120)
            await quiet(source.statuses)
            await until(lambda: source.backlog == 0, timeout_s=120)
            await source.stop()
            await run.session.stop()
            writer.close()
            return run

    run = asyncio.run(scenario())
    recorded = sorted(str(f) for f in (tmp_path / "rec").rglob("*.gz"))
    result = workbench.backtest(recorded, USDM, DEMO_MAKER, fees=DEMO_FEES, latency=LATENCY,
                                queue=ConservativeQueue(), orders=DEMO_ORDERS, stack=STACK,
                                seed=7, journal_path=tmp_path / "bt" / "journal.sqlite")
    paper = workbench.post_trade(paper_journal, recorded, quote=USDM, stack=STACK)
    backtested = workbench.post_trade(result.journal_path, recorded, quote=USDM, stack=STACK)
    assert len(paper.fills) > 5
    assert paper.fills.equals(backtested.fills)
    assert paper.marks.equals(backtested.marks)
    assert (paper.attribution(exact=True) == backtested.attribution(exact=True)).all()
    assert paper.inventory.equals(backtested.inventory)
    # ... and both are the engines' own equity.
    assert float(paper.attribution()["total"]) == pytest.approx(
        run.engine.portfolio.equity_quote, rel=1e-9)
