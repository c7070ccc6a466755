"""Fees and rebates, in quote currency for linear contracts and in coin for inverse ones."""

from __future__ import annotations

import pytest

from tests.execution.sim.builders import INVERSE, LINEAR, Feed, exchange, place
from workbench.core import Filled, Liquidity, Side, TimeInForce, ValidationError
from workbench.execution.sim import FeeSchedule

FEES = FeeSchedule(maker_bps=-1.0, taker_bps=5.0)


def _fills(instrument):
    """Book around 60000.0 (600000 ticks of 0.1); a taker buy of 3 lots, a maker sell of 2."""
    ex, feed = exchange(fees=FEES, instruments=(instrument,)), Feed(instrument)
    ex.on_market(feed.snapshot(1, {599_990: 10}, {600_000: 10}))
    ex.submit(place(1, Side.BUY, 600_000, 3, TimeInForce.IOC, instrument), 10)
    ex.submit(place(2, Side.SELL, 600_010, 2, TimeInForce.POST_ONLY, instrument), 10)
    ex.on_market(feed.trade(20, 600_020, 5, Side.BUY))
    return [r for r in ex.poll(20) if isinstance(r, Filled)]


def test_linear_fees_are_bps_of_notional_in_quote():
    taker, maker = _fills(LINEAR)
    assert taker.liquidity is Liquidity.TAKER and maker.liquidity is Liquidity.MAKER
    # 3 lots of 0.001 BTC at 60000.0 = 180 USDT; 5 bps = 0.09 USDT.
    assert taker.fee == pytest.approx(0.09, rel=1e-12)
    # 2 lots at 60001.0 = 120.002 USDT; a 1 bp rebate = -0.0120002 USDT.
    assert maker.fee == pytest.approx(-0.0120002, rel=1e-12)


def test_inverse_fees_are_in_coin():
    taker, maker = _fills(INVERSE)
    # 3 contracts of 100 USD = 300 USD = 0.005 BTC at 60000.0; 5 bps = 2.5e-6 BTC.
    assert taker.fee == pytest.approx(300 / 60_000 * 5e-4, rel=1e-12)
    # 200 USD at 60001.0, a 1 bp rebate.
    assert maker.fee == pytest.approx(-200 / 60_001 * 1e-4, rel=1e-12)


def test_fee_rates_must_be_finite():
    with pytest.raises(ValidationError):
        FeeSchedule(maker_bps=float("nan"))
