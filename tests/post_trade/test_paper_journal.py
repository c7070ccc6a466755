"""A paper session's journal and a backtest's journal of the same events give the same
report: paper trading through the local exchange over real sockets on simulated time
makes the backtest's fills (the paper proof), so every figure must agree."""

from __future__ import annotations

import asyncio

import pytest

import workbench
from tests.connectors.localex import (
    PAPER_LATENCY,
    PAPER_STACK,
    USDM,
    paper_through_local_exchange,
    served_prefix,
)
from workbench.engine.demo import DEMO_FEES, DEMO_MAKER, DEMO_ORDERS
from workbench.execution.sim import ConservativeQueue

exchange = pytest.importorskip("workbench.testing.exchange")

SECONDS = 30


def test_paper_and_backtest_journals_give_the_same_report(sample_files, tmp_path):
    served = served_prefix(sample_files, tmp_path / "served", SECONDS)
    paper_journal = tmp_path / "paper" / "journal.sqlite"
    run, _ = asyncio.run(paper_through_local_exchange(served, tmp_path / "rec",
                                                      paper_journal))
    recorded = sorted(str(f) for f in (tmp_path / "rec").rglob("*.gz"))
    result = workbench.backtest(recorded, USDM, DEMO_MAKER, fees=DEMO_FEES, latency=PAPER_LATENCY,
                                queue=ConservativeQueue(), orders=DEMO_ORDERS, stack=PAPER_STACK,
                                seed=7, journal_path=tmp_path / "bt" / "journal.sqlite")
    paper = workbench.post_trade(paper_journal, recorded, quote=USDM, stack=PAPER_STACK)
    backtested = workbench.post_trade(result.journal_path, recorded, quote=USDM, stack=PAPER_STACK)
    assert len(paper.fills) > 5
    assert paper.fills.equals(backtested.fills)
    assert paper.marks.equals(backtested.marks)
    assert (paper.attribution(exact=True) == backtested.attribution(exact=True)).all()
    assert paper.inventory.equals(backtested.inventory)
    # ... and both are the engines' own equity.
    assert float(paper.attribution()["total"]) == pytest.approx(
        run.engine.portfolio.equity_quote, rel=1e-9)
