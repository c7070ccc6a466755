"""Taker (edge vs cost, sizing, limits) and perp/spot hedger (bands, venue choice)."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.core import Instrument, InstrumentKind, Side
from workbench.estimators.signals import Signals
from workbench.strategies import (
    HedgeParams,
    HedgeVenue,
    TakerParams,
    TopOfBook,
    base_to_lots,
    hedge,
    take,
    take_size_lots,
)

INST = Instrument(
    "test", "BTCUSDT", InstrumentKind.LINEAR_PERP, "BTC", "USDT", Decimal("0.1"), Decimal("0.001")
)
TOP = TopOfBook(599_995, 5, 600_005, 5)  # mid 60000, half spread 0.083 bps


def sig(dev_bps=0.0, flow=0.0, tox=0.0):
    return Signals(
        ts_ns=1,
        fair_mid=60_000.0 * (1 + dev_bps * 1e-4),
        fair_mid_ok=True,
        ofi=flow,
        trade_imbalance=flow,
        book_imbalance=flow,
        toxicity_ask=max(tox, 0.0),
        toxicity_bid=max(-tox, 0.0),
    )


def test_takes_only_beyond_cost():
    p = TakerParams(fee_bps=4.0, margin_bps=1.0, imbalance_bps=5.0, toxicity_bps=5.0)
    # move = 3 + 5·0.4 + 5·0.2 = 6 bps > 5.083 bps cost
    q = take(sig(3.0, 0.4, 0.2), TOP, 0, p, INST)
    assert q.taker is not None and q.taker.side is Side.BUY
    assert q.taker.price_ticks == TOP.ask_ticks and q.taker.size_lots == 1
    # move = 2 + 2 + 0.5 = 4.5 bps < cost
    assert take(sig(2.0, 0.4, 0.1), TOP, 0, p, INST).taker is None
    # disagreement blocks even a large predicted move
    q = take(sig(-1.0, 0.9, 0.9), TOP, 0, p, INST)
    assert q.taker is None and "disagree" in q.reasons[0]
    q = take(sig(-9.0, -0.5, -0.5), TOP, 0, p, INST)
    assert q.taker.side is Side.SELL and q.taker.price_ticks == TOP.bid_ticks


def test_bad_inputs():
    p = TakerParams()
    assert take(sig(), TopOfBook(None, 0, 1, 1), 0, p, INST).reasons[0].startswith("no-quote")
    bad = Signals(ts_ns=1, fair_mid=math.nan, fair_mid_ok=True)
    assert take(bad, TOP, 0, p, INST).taker is None


@given(edge=st.floats(0.01, 100), pos=st.integers(-150, 150), side=st.sampled_from(list(Side)))
def test_take_size_respects_limits(edge, pos, side):
    p = TakerParams(max_long_lots=100, max_short_lots=100, max_size_lots=5)
    size = take_size_lots(edge, int(side) * pos, side, p)
    assert 0 <= size <= 5
    after = pos + int(side) * size
    assert after <= max(100, pos) and after >= min(-100, pos)


def test_take_size_shrinks_with_inventory():
    p = TakerParams(max_size_lots=8, base_size_lots=1, edge_per_size_bps=1.0)
    assert take_size_lots(8.0, 0, Side.BUY, p) == 8
    assert take_size_lots(8.0, 50, Side.BUY, p) == 4
    assert take_size_lots(8.0, -50, Side.BUY, p) == 8
    assert take_size_lots(8.0, 60, Side.BUY, p) == 4  # ceil(8 · 0.4 = 3.2)
    one = TakerParams(max_size_lots=1, max_long_lots=10)
    assert [take_size_lots(1.0, pos, Side.BUY, one) for pos in (0, 1, 9, 10)] == [1, 1, 1, 0]


SPOT = Instrument(
    "binance", "BTCUSDT", InstrumentKind.SPOT, "BTC", "USDT", Decimal("0.01"), Decimal("0.00001")
)
INVERSE = Instrument(
    "binance-coinm",
    "BTCUSD_PERP",
    InstrumentKind.INVERSE_PERP,
    "BTC",
    "USD",
    Decimal("0.1"),
    Decimal("1"),
    Decimal("100"),
)


def test_hedger_band_and_venue_choice():
    spot = HedgeVenue(SPOT, TopOfBook(5_999_990, 1, 6_000_010, 1), fee_bps=5.5)
    inv = HedgeVenue(INVERSE, TopOfBook(599_990, 1, 600_010, 1), fee_bps=5.0, funding_bps=1.0)
    assert hedge(0.3, [spot, inv], HedgeParams(band_base=0.5))[0] is None
    order, _ = hedge(2.0, [spot, inv], HedgeParams(band_base=0.5))
    # selling: inverse costs 5 + 0.167 - 1 bps, spot 5.5 + 0.017; buying: 6.167 vs 5.517
    assert order.venue == "binance-coinm" and order.side is Side.SELL
    assert order.size_lots == math.floor(2.0 * 59_999.0 / 100)  # contracts of 100 USD
    assert order.size_base <= 2.0 and order.cost_bps == pytest.approx(
        5 + 20 / 2 / 600_000 * 1e4 - 1
    )
    order, _ = hedge(-2.0, [spot, inv], HedgeParams(band_base=0.5, hedge_ratio=0.5))
    assert order.venue == "binance" and order.side is Side.BUY
    assert order.size_lots == 100_000 and order.price_ticks == 6_000_010
    assert hedge(2.0, [HedgeVenue(SPOT, TopOfBook(None, 0, 1, 1), 1.0)], HedgeParams())[0] is None
    assert base_to_lots(SPOT, 0.000005, 60_000.0) == 0
