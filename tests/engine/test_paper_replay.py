"""The first paper run: determinism, accounting, limits and the simulated venue's rules."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from workbench.book import L2Book
from workbench.core import Instrument, InstrumentKind, Order, Side, Trade
from workbench.core.errors import ValidationError
from workbench.engine.demo import DEMO_PARAMS, run_demo, run_demo_once
from workbench.execution import FeeSchedule, Position, SimVenue
from workbench.strategies.symmetric import SymmetricParams, symmetric_quotes

INST = Instrument("sim", "BTCUSDT", InstrumentKind.LINEAR_PERP, "BTC", "USDT",
                  Decimal("0.1"), Decimal("0.001"))


@pytest.fixture(scope="module")
def demo_result():
    return run_demo_once()


def test_demo_is_deterministic(demo_result):
    again = run_demo_once()
    assert demo_result.fills == again.fills
    assert demo_result.journal.records == again.journal.records
    assert len(demo_result.fills) > 10


def test_pnl_matches_an_independent_cash_flow_computation(demo_result):
    """Average-cost accounting must equal cash flows plus inventory marked at the mid."""
    fills = demo_result.fills_frame()
    price = fills["price_ticks"] * 0.1
    qty = fills["size_lots"] * 0.001
    sign = fills["side"].map(int)
    cash = float(-(sign * price * qty).sum() - fills["fee"].sum())
    inventory = float((sign * qty).sum())
    s = demo_result.summary()
    assert s["inventory_base"] == pytest.approx(inventory, abs=1e-12)
    assert s["marked_pnl"] == pytest.approx(cash + inventory * s["mark_price"], abs=1e-6)
    assert s["fees"] == pytest.approx(float((price * qty).sum()) * 2e-4, rel=1e-9)


def test_position_limit_is_never_exceeded(demo_result):
    fills = demo_result.fills_frame()
    path = np.cumsum(fills["side"].map(int) * fills["size_lots"])
    assert np.abs(path).max() <= DEMO_PARAMS.max_position_lots


def test_quotes_never_cross_the_book_when_placed(demo_result):
    journal = demo_result.journal.to_frame()
    assert (journal["action"] == "reject").sum() == 0
    assert {"place", "cancel", "fill"} <= set(journal["action"])


def test_demo_prints_a_summary_and_writes_the_journal(tmp_path, capsys):
    result = run_demo(tmp_path)
    out = capsys.readouterr().out
    for word in ("events", "quotes", "fills", "volume", "fees", "inventory", "PnL", "journal"):
        assert word in out
    journal = tmp_path / "demo" / "journal.parquet"
    assert journal.exists() and str(journal) in out
    import pandas as pd

    assert len(pd.read_parquet(journal)) == len(result.journal.records)


def _book(bid=1000, ask=1002, size=5):
    book = L2Book()
    book.apply_snapshot([bid, bid - 1], [size, size], [ask, ask + 1], [size, size])
    return book


def _order(oid, side, px, size=3):
    return Order(oid, "sim", "BTCUSDT", side, px, size, 0)


def test_trade_through_fills_partially_by_trade_size_best_price_first():
    venue = SimVenue(INST, FeeSchedule(maker_bps=-1.0))
    book = _book()
    assert venue.place(_order(1, Side.BUY, 1000), book) is None
    assert venue.place(_order(2, Side.BUY, 1001), book) is None
    trade = Trade(0, 7, "sim", "BTCUSDT", 999, 4, Side.SELL, 1)
    fills = venue.on_trade(trade)
    assert [(f.order_id, f.size_lots) for f in fills] == [(2, 3), (1, 1)]
    assert fills[0].fee == pytest.approx(-1e-4 * 100.1 * 0.003)  # a rebate
    assert venue.orders[1].remaining_lots == 2 and 2 not in venue.orders


def test_trade_at_our_price_does_not_fill_and_wrong_side_does_not_fill():
    venue = SimVenue(INST, FeeSchedule())
    venue.place(_order(1, Side.BUY, 1000), _book())
    assert venue.on_trade(Trade(0, 7, "sim", "BTCUSDT", 1000, 9, Side.SELL, 1)) == []
    assert venue.on_trade(Trade(0, 7, "sim", "BTCUSDT", 990, 9, Side.BUY, 1)) == []


def test_crossing_book_fills_up_to_the_crossing_size():
    venue = SimVenue(INST, FeeSchedule())
    venue.place(_order(1, Side.SELL, 1005, size=10), _book())
    book = L2Book()
    book.apply_snapshot([1006, 1005, 1004], [2, 3, 50], [1007], [1])
    fills = venue.on_book(book, 9)
    assert [(f.price_ticks, f.size_lots) for f in fills] == [(1005, 5)]


def test_post_only_rejects_crossing_orders_and_bad_orders():
    venue = SimVenue(INST, FeeSchedule())
    assert "post-only" in venue.place(_order(1, Side.BUY, 1002), _book())
    assert "post-only" in venue.place(_order(2, Side.SELL, 1000), _book())
    assert "positive" in venue.place(_order(3, Side.SELL, 1003, size=0), _book())


def test_position_average_cost_and_flip():
    pos = Position(INST)
    pos.on_fill(Side.BUY, 1000, 2, 0.0)   # long 0.002 @ 100.0
    pos.on_fill(Side.BUY, 1010, 2, 0.0)   # long 0.004 @ 100.5
    pos.on_fill(Side.SELL, 1020, 6, 0.0)  # close 0.004 at 102.0, short 0.002 @ 102.0
    assert pos.realised_pnl == pytest.approx((102.0 - 100.5) * 0.004)
    assert pos.size == pytest.approx(-0.002) and pos.avg_price == pytest.approx(102.0)
    assert pos.unrealised_pnl(101.0) == pytest.approx(0.002)


def test_symmetric_quotes_respect_book_and_limits():
    p = SymmetricParams(half_spread_ticks=2, size_lots=5, max_position_lots=8)
    bid, ask = symmetric_quotes(1001.0, 1000, 1002, 0, p)
    assert (bid.price_ticks, ask.price_ticks) == (999, 1003)
    bid, ask = symmetric_quotes(1001.0, 1000, 1002, 6, p)
    assert bid.size_lots == 2 and ask.size_lots == 5
    bid, ask = symmetric_quotes(1001.0, 1000, 1002, 8, p)
    assert bid is None and ask is not None
    # A tight book: quotes are pushed outside it, never crossing.
    bid, ask = symmetric_quotes(1000.5, 1000, 1001, 0, SymmetricParams(1, 1, 1))
    assert bid.price_ticks < 1001 and ask.price_ticks > 1000
    assert symmetric_quotes(float("nan"), 1000, 1002, 0, p) == (None, None)
    with pytest.raises(ValidationError):
        SymmetricParams(half_spread_ticks=0)
