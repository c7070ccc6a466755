"""Positions: linear and inverse (Binance COIN-M) accounting, and the portfolio."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.core import Filled, Instrument, InstrumentKind, Liquidity, Side, ValidationError
from workbench.execution.position import (
    InversePosition,
    Portfolio,
    Position,
    position_for,
)

LINEAR = Instrument("binance-usdm", "ETHUSDT", InstrumentKind.LINEAR_PERP, "ETH", "USDT",
                    Decimal("0.01"), Decimal("0.001"))
# Binance COIN-M BTCUSD_PERP: tick 0.1 USD, one contract = 100 USD.
INVERSE = Instrument("binance-coinm", "BTCUSD_PERP", InstrumentKind.INVERSE_PERP, "BTC", "USD",
                     Decimal("0.1"), Decimal(1), Decimal(100))


def _ticks(price: float) -> int:
    return round(price / 0.1)


def test_linear_average_cost_partial_close_and_fees():
    pos = Position(LINEAR)
    pos.on_fill(Side.BUY, 300_000, 3000, 0.9)   # 3 ETH at 3000.00
    pos.on_fill(Side.BUY, 304_000, 1000, 0.3)   # 1 ETH at 3040.00 -> average 3010
    assert pos.avg_price == pytest.approx(3010.0)
    pos.on_fill(Side.SELL, 303_000, 2000, 0.6)  # 2 ETH closed at 3030: +40
    assert pos.realised_pnl == pytest.approx(40.0)
    assert pos.size == pytest.approx(2.0) and pos.avg_price == pytest.approx(3010.0)
    assert pos.unrealised_pnl(2990.0) == pytest.approx(-40.0)
    assert pos.fees == pytest.approx(1.8)
    assert pos.marked_pnl(2990.0) == pytest.approx(40.0 - 40.0 - 1.8)
    assert pos.notional(2990.0) == pytest.approx(5980.0)
    assert pos.volume_quote == pytest.approx(9000 + 3040 + 6060)


def test_inverse_pnl_follows_binance_coinm_definition():
    # Binance: PnL = contracts * multiplier * direction * (1/entry - 1/exit), in the coin.
    # Long 10 contracts of 100 USD from 10,000 to 11,000: 1000 * (1/10000 - 1/11000)
    # = 0.1 - 0.0909... = 1/110 BTC.
    pos = InversePosition(INVERSE)
    pos.on_fill(Side.BUY, _ticks(10_000), 10, 0.0)
    assert pos.unrealised_pnl(11_000.0) == pytest.approx(1 / 110, rel=1e-12)
    pos.on_fill(Side.SELL, _ticks(11_000), 10, 0.0)
    assert pos.realised_pnl == pytest.approx(1 / 110, rel=1e-12)
    assert pos.size_lots == 0 and pos.unrealised_pnl(12_000.0) == 0.0
    # Short 5 contracts at 20,000 marked at 25,000: 500 * -1 * (1/20000 - 1/25000)
    # = -500 * 0.00001 = -0.005 BTC.
    short = InversePosition(INVERSE)
    short.on_fill(Side.SELL, _ticks(20_000), 5, 0.0)
    assert short.unrealised_pnl(25_000.0) == pytest.approx(-0.005, rel=1e-12)
    assert short.notional(25_000.0) == 500.0  # face value, whatever the price


def test_inverse_entry_price_is_the_contract_weighted_harmonic_mean():
    pos = InversePosition(INVERSE)
    pos.on_fill(Side.BUY, _ticks(10_000), 50, 0.0)
    pos.on_fill(Side.BUY, _ticks(15_000), 50, 0.0)
    # 100 contracts / (50/10000 + 50/15000) = 100 / (1/120) = 12,000.
    assert pos.avg_price == pytest.approx(12_000.0, rel=1e-12)
    pos.on_fill(Side.SELL, _ticks(16_000), 40, 0.0)
    # 40 * 100 * (1/12000 - 1/16000) = 4000 / 48000 = 1/12 BTC; entry unchanged.
    assert pos.realised_pnl == pytest.approx(1 / 12, rel=1e-12)
    assert pos.avg_price == pytest.approx(12_000.0, rel=1e-12)
    pos.on_fill(Side.SELL, _ticks(16_000), 100, 0.0)
    # Closes 60 more (6000/48000 = 1/8 BTC) and opens 40 short at 16,000.
    assert pos.realised_pnl == pytest.approx(1 / 12 + 1 / 8, rel=1e-12)
    assert pos.size_lots == -40 and pos.avg_price == pytest.approx(16_000.0, rel=1e-12)


fills = st.lists(st.tuples(st.sampled_from([Side.BUY, Side.SELL]),
                           st.integers(50_000, 150_000), st.integers(1, 40)),
                 min_size=1, max_size=25)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(fills, st.integers(50_000, 150_000))
def test_inverse_total_pnl_equals_sum_of_per_contract_pnls(trades, mark_ticks):
    # Total PnL is additive over contracts, whatever the averaging: each contract bought
    # at p and marked at m makes V (1/p - 1/m), each sold makes V (1/m - 1/p).
    pos = InversePosition(INVERSE)
    for side, ticks, lots in trades:
        pos.on_fill(side, ticks, lots, 0.0)
    mark = mark_ticks * 0.1
    expected = sum(int(side) * lots * 100.0 * (1 / (ticks * 0.1) - 1 / mark)
                   for side, ticks, lots in trades)
    total = pos.realised_pnl + pos.unrealised_pnl(mark)
    assert total == pytest.approx(expected, rel=1e-9, abs=1e-12)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(fills, st.integers(50_000, 150_000))
def test_linear_total_pnl_equals_sum_of_cash_flows(trades, mark_ticks):
    pos = Position(LINEAR)
    for side, ticks, lots in trades:
        pos.on_fill(side, ticks, lots, 0.0)
    mark = mark_ticks * 0.01
    expected = sum(int(side) * lots * 0.001 * (mark - ticks * 0.01) for side, ticks, lots in trades)
    assert pos.marked_pnl(mark) == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_wrong_accounting_is_refused():
    with pytest.raises(ValidationError):
        Position(INVERSE)
    with pytest.raises(ValidationError):
        InversePosition(LINEAR)
    assert isinstance(position_for(INVERSE), InversePosition)
    assert isinstance(position_for(LINEAR), Position)


def _fill(inst: Instrument, side: Side, ticks: int, lots: int, fee: float) -> Filled:
    return Filled(1, 1, inst.venue, inst.symbol, side, ticks, lots, 0, Liquidity.MAKER, fee, 0)


def test_portfolio_sums_in_quote_and_tracks_drawdown():
    book = Portfolio([LINEAR, INVERSE])
    book.on_fill(_fill(LINEAR, Side.BUY, 300_000, 2000, 1.0))     # 2 ETH at 3000, fee 1 USDT
    book.on_fill(_fill(INVERSE, Side.BUY, _ticks(10_000), 10, 0.0001))  # 10 contracts
    book.mark(LINEAR.key, 3100.0)
    book.mark(INVERSE.key, 11_000.0)
    eth = 200.0 - 1.0                                # +100 a coin on 2 ETH, minus the fee
    btc = (1 / 110 - 0.0001) * 11_000.0              # coin PnL net of fee, in USD at the mark
    assert book.equity_quote == pytest.approx(eth + btc, rel=1e-12)
    assert book.unrealised_pnl_quote == pytest.approx(200.0 + 100.0, rel=1e-12)
    assert book.fees_quote == pytest.approx(1.0 + 1.1, rel=1e-12)
    assert book.notional_quote(LINEAR.key) == pytest.approx(6200.0)
    assert book.notional_quote(INVERSE.key) == pytest.approx(1000.0)
    assert book.total_notional_quote == pytest.approx(7200.0)
    peak = book.equity_quote
    assert book.high_water_quote == pytest.approx(peak) and book.drawdown_quote == 0.0
    book.mark(LINEAR.key, 2950.0)                    # ETH gives back 150 * 2 = 300
    assert book.drawdown_quote == pytest.approx(300.0, rel=1e-12)
    assert book.high_water_quote == pytest.approx(peak)
    book.on_fill(_fill(LINEAR, Side.SELL, 295_000, 2000, 1.0))  # realise it, one more fee
    assert book.realised_pnl_quote == pytest.approx(-100.0, rel=1e-12)
    assert book.drawdown_quote == pytest.approx(301.0, rel=1e-12)
    with pytest.raises(TypeError):  # marks change only through mark() and fills
        book.marks[LINEAR.key] = 3000.0
    book.mark(LINEAR.key, 3000.0)
    assert book.equity_quote == pytest.approx(-100.0 - 2.0 + btc, rel=1e-12)
    rows = {row.symbol: row for row in book.snapshot()}
    assert rows["ETHUSDT"].size_lots == 0 and rows["BTCUSD_PERP"].size_lots == 10
    assert rows["BTCUSD_PERP"].notional_quote == pytest.approx(1000.0)


def test_portfolio_refuses_unknown_instruments_and_bad_marks():
    book = Portfolio([LINEAR])
    with pytest.raises(ValidationError):
        book.on_fill(_fill(INVERSE, Side.BUY, 100_000, 1, 0.0))
    with pytest.raises(ValidationError):
        book.mark(LINEAR.key, float("nan"))
    assert book.size_lots(INVERSE.key) == 0
