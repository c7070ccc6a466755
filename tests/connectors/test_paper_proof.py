"""The proof: paper trading through the local exchange over real sockets ends with the
book the recorded replay ends with and, on simulated time, the backtest's fills."""

from __future__ import annotations

import asyncio

import pytest

from tests.connectors.localex import (
    PAPER_LATENCY,
    PAPER_STACK,
    USDM,
    paper_through_local_exchange,
    served_prefix,
    top_levels,
)
from workbench.data.binance.feed import replay_book
from workbench.engine.backtest import backtest
from workbench.engine.demo import DEMO_FEES, DEMO_MAKER, DEMO_ORDERS
from workbench.execution.sim import ConservativeQueue

exchange = pytest.importorskip("workbench.testing.exchange")

DEPTH = 500  # levels compared: a snapshot of 1000 levels cannot know deeper ones
SECONDS = 30  # of the sample: the first half minute of all three streams


@pytest.fixture(scope="module")
def served(sample_files, tmp_path_factory):
    """The spot and USD-M files of the sample's first ``SECONDS``: what the exchange
    replays and what ``book-replay`` is run on."""
    return served_prefix(sample_files, tmp_path_factory.mktemp("served"), SECONDS)


def test_native_paper_session_gives_the_replays_book_and_the_backtests_fills(
        served, tmp_path):
    run, group = asyncio.run(paper_through_local_exchange(served, tmp_path / "rec"))
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
                      latency=PAPER_LATENCY, queue=ConservativeQueue(), orders=DEMO_ORDERS,
                      stack=PAPER_STACK, seed=7)
    paper = run.recorder.fills_frame()
    assert len(paper) > 5
    assert paper.equals(result.fills)
    assert result.events == run.session.stats.events
