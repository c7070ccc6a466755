"""The proof: paper trading through the local exchange over real sockets ends with the
book the recorded replay ends with and, on simulated time, the backtest's fills."""

from __future__ import annotations

import asyncio
import gzip

import pytest

from tests.connectors.localex import SPOT, USDM, native_feeds, quiet, top_levels, until
from workbench.connectors.live import LiveSource
from workbench.connectors.paper import paper_session
from workbench.connectors.record import Recorder
from workbench.core.clock import SimulatedClock
from workbench.data.binance.feed import replay_book
from workbench.data.binance.instruments import binance_instrument
from workbench.data.binance.parse import read_lines
from workbench.data.recorder import RawFileWriter
from workbench.engine.backtest import backtest
from workbench.engine.demo import DEMO_FEES, DEMO_MAKER, DEMO_ORDERS
from workbench.estimators.stack import StackParams
from workbench.estimators.volatility import VolParams
from workbench.execution.sim import ConservativeQueue, ConstantLatency

exchange = pytest.importorskip("workbench.testing.exchange")

LATENCY = ConstantLatency(5_000_000, 5_000_000)
#: The replay runs 5 times faster than recorded, so event time is 5 times denser: a
#: volatility on a fine grid is ready within the half minute replayed.
SPEED = 5
STACK = StackParams(vol=VolParams(grid_s=0.05, half_life_s=3.0, min_returns=10, stale_s=2.0))
DEPTH = 500  # levels compared: a snapshot of 1000 levels cannot know deeper ones


SECONDS = 30  # of the sample: the first half minute of all three streams


@pytest.fixture(scope="module")
def served(sample_files, tmp_path_factory):
    """The spot and USD-M files of the sample's first ``SECONDS``: what the exchange
    replays and what ``book-replay`` is run on."""
    out = tmp_path_factory.mktemp("served")
    files = []
    first = min(int(read_lines(p)[0].split(b" ", 1)[0]) for p in sample_files)
    for path in sample_files[:2]:
        keep = [ln for ln in read_lines(path)
                if int(ln.split(b" ", 1)[0]) < first + SECONDS * 10**9]
        dst = out / path.parent.name / path.name
        dst.parent.mkdir()
        dst.write_bytes(gzip.compress(b"\n".join(keep) + b"\n"))
        files.append(dst)
    return files


def test_native_paper_session_gives_the_replays_book_and_the_backtests_fills(
        served, tmp_path):
    instruments = [binance_instrument(*k) for k in (SPOT, USDM)]

    async def scenario():
        recording = exchange.Recording(served)
        async with exchange.LocalExchange(recording, speed=SPEED, paused=True) as ex:
            writer = RawFileWriter(tmp_path / "rec")
            group = native_feeds(ex, stale_after_s=600)
            for feed in group.feeds:
                feed.lines.on_line = Recorder.native_line_sink(writer, feed.venue)
            source = LiveSource([group])
            run = paper_session(source, instruments, USDM, DEMO_MAKER,
                                fees={i.key: DEMO_FEES for i in instruments},
                                latency=LATENCY, queue=ConservativeQueue(),
                                orders=DEMO_ORDERS, stack=STACK, seed=7,
                                clock=SimulatedClock())
            run.session.start()
            await until(lambda: all(f._subscribed for f in group.feeds))
            ex.replay.resume()
            await until(lambda: ex.replay.ended, timeout_s=120)
            await quiet(source.statuses)
            await until(lambda: source.backlog == 0, timeout_s=120)
            await source.stop()
            await run.session.stop()
            writer.close()
            return run, group

    run, group = asyncio.run(scenario())
    # the books: ours, fed live, against the replay of the files the exchange served
    for feed, path in zip(group.feeds, served):
        ours = feed.syncs["BTCUSDT"]
        ref = replay_book(path)
        assert ours.synced and ref.synced
        assert top_levels(ours.book, DEPTH) == top_levels(ref.book, DEPTH)
        engine_book = run.engine.syncs[(feed.venue, "BTCUSDT")].book
        assert top_levels(engine_book, DEPTH) == top_levels(ref.book, DEPTH)
    # the fills: the backtest of what the session received, as the recorder wrote it
    files = sorted((tmp_path / "rec").rglob("*.gz"))
    assert {f.parent.name for f in files} == {"spot", "usdm"}
    result = backtest([str(f) for f in files], USDM, DEMO_MAKER, fees=DEMO_FEES,
                      latency=LATENCY, queue=ConservativeQueue(), orders=DEMO_ORDERS,
                      stack=STACK, seed=7)
    paper = run.recorder.fills_frame()
    assert len(paper) > 5
    assert paper.equals(result.fills)
    assert result.events == run.session.stats.events
