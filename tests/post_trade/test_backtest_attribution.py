"""Attribution on real backtests sums exactly, fill by fill, to the engine's own equity:
the bundled sample quoting USD-M (linear) and COIN-M (inverse, hedged on USD-M)."""

from __future__ import annotations

import itertools
from fractions import Fraction as F

import pytest

import workbench
from workbench.core.instruments import InstrumentKind
from workbench.data.binance.feed import group_streams, replay_streams
from workbench.data.binance.instruments import binance_instrument
from workbench.data.sample import sample_paths
from workbench.engine.demo import DEMO_FEES, DEMO_ORDERS, run_demo_once
from workbench.quoting import InventoryParams, LadderParams
from workbench.strategies.hedger import HedgeParams
from workbench.strategies.maker import MakerParams

TERMS = ("spread_capture", "inventory", "hedge", "fees", "funding")


@pytest.fixture(scope="module")
def linear(tmp_path_factory):
    return run_demo_once(tmp_path_factory.mktemp("lin") / "run.sqlite")


@pytest.fixture(scope="module")
def inverse(tmp_path_factory):
    files = sample_paths()
    maker = MakerParams(ladder=LadderParams(levels=1, spacing_ticks=1, size_lots=2),
                        inventory=InventoryParams(max_long_lots=20, max_short_lots=20,
                                                  hard_limit_lots=40, skew_mode="capped"))
    return backtest_inverse(files, maker, tmp_path_factory.mktemp("inv") / "run.sqlite")


def backtest_inverse(files, maker, path):
    return workbench.backtest(
        itertools.islice(replay_streams(files), 30_000), ("binance-coinm", "BTCUSD_PERP"),
        maker, instruments=[binance_instrument(*k) for k in group_streams(files)],
        fees=DEMO_FEES, orders=DEMO_ORDERS, seed=3,
        hedge=HedgeParams(band_base=0.005, max_order_base=0.05),
        hedge_on=[("binance-usdm", "BTCUSDT")], journal_path=path)


def _fill_by_fill_total(result) -> F:
    """Σ over the engine's own fill reports of what each earned at the final marks, net of
    its fee, in exact rationals: linear s·q·(M - p) - fee, inverse (s·n·V·(1/p - 1/M) -
    fee)·M."""
    marks = result.engine.portfolio.marks
    total = F(0)
    for f in result.recorder.fills:
        inst = binance_instrument(f.venue, f.symbol)
        mark = F(marks[(f.venue, f.symbol)])
        s = int(f.side) * f.size_lots * F(inst.lot_size)
        price = f.price_ticks * F(inst.tick_size)
        if inst.kind is InstrumentKind.INVERSE_PERP:
            total += (s * F(inst.contract_value) * (1 / price - 1 / mark) - F(f.fee)) * mark
        else:
            total += s * (mark - price) - F(f.fee)
    return total


@pytest.mark.parametrize("run", ["linear", "inverse"])
def test_terms_sum_exactly_to_the_fill_by_fill_total_and_the_engine_equity(run, request):
    result = request.getfixturevalue(run)
    report = workbench.post_trade(result, sample_paths())
    exact = report.attribution(exact=True)
    assert all(isinstance(exact[t], F) for t in (*TERMS, "total"))
    assert sum((exact[t] for t in TERMS), F(0)) == exact["total"]
    assert exact["total"] == _fill_by_fill_total(result)
    # The engine adds the same quantities in floating point.
    equity = result.engine.portfolio.equity_quote
    assert float(exact["total"]) == pytest.approx(equity, rel=1e-11, abs=1e-9)
    assert float(exact["fees"]) == pytest.approx(-result.engine.portfolio.fees_quote,
                                                 rel=1e-11)
    assert report.summary()["total_pnl_quote"] == pytest.approx(
        result.summary()["equity_quote"], rel=1e-11)
    assert report.summary()["fills"] == result.summary()["fills"] + result.summary()[
        "hedge_fills"]


def test_the_inverse_run_has_hedges_and_the_hedge_term_is_their_pnl(inverse):
    report = workbench.post_trade(inverse, sample_paths())
    hedges = inverse.fills[inverse.fills["role"] == "hedge"]
    assert len(hedges) > 0 and report.summary()["hedge_fills"] == len(hedges)
    pnl = inverse.strategy_pnl()
    exact = report.attribution(exact=True)
    # strategy_pnl (floats, net of fees) of the hedger = hedge term + the hedge fills' fees.
    hedge_fees = report.pnl.loc[report.pnl["role"] == "hedge", "fees"].sum()
    assert float(exact["hedge"] + hedge_fees) == pytest.approx(pnl.loc["hedge", "pnl_quote"],
                                                               rel=1e-9)


def test_a_journal_alone_gives_the_runs_report(linear):
    """The journal and the market data, without the engine: same fills, same marks (the
    tape's final fair mid is the engine's), so the same attribution, exactly."""
    from_run = workbench.post_trade(linear, sample_paths())
    from_file = workbench.post_trade(linear.journal_path, sample_paths())
    assert from_file.quote == from_run.quote
    assert (from_file.attribution(exact=True) == from_run.attribution(exact=True)).all()
    assert from_file.marks.equals(from_run.marks)
    assert from_file.activity.equals(from_run.activity)


def test_the_risk_view_at_the_end_is_the_engines_position(linear):
    report = workbench.post_trade(linear, sample_paths())
    risk = report.risk().set_index("symbol")
    pos = linear.engine.portfolio.position(("binance-usdm", "BTCUSDT"))
    assert risk.loc["BTCUSDT", "delta_base"] == pytest.approx(pos.size, rel=1e-12)
    assert risk.loc["BTCUSDT", "mark"] == linear.engine.portfolio.marks[("binance-usdm",
                                                                        "BTCUSDT")]
