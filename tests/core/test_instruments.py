from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.core import Instrument, InstrumentKind, ValidationError

BTC_SPOT = Instrument("binance-spot", "BTCUSDT", InstrumentKind.SPOT, "BTC", "USDT",
                      Decimal("0.01"), Decimal("0.000001"))
BTC_PERP = Instrument("binance-usdm", "BTCUSDT", InstrumentKind.LINEAR_PERP, "BTC", "USDT",
                      Decimal("0.10"), Decimal("0.001"))
BTC_INV = Instrument("binance-coinm", "BTCUSD_PERP", InstrumentKind.INVERSE_PERP, "BTC", "USD",
                     Decimal("0.1"), Decimal("1"), Decimal("100"))


def test_decimal_strings_convert_exactly():
    assert BTC_PERP.price_to_ticks("61800.20") == 618002
    assert BTC_SPOT.price_to_ticks("61837.63000000") == 6183763
    assert BTC_SPOT.size_to_lots("0.00100000") == 1000
    assert BTC_PERP.format_price(618002) == "61800.2"
    assert BTC_SPOT.format_size(1000) == "0.001000"
    assert BTC_INV.size_to_lots("1572") == 1572


@pytest.mark.parametrize("bad", ["nan", "inf", "-1", "0", "abc", "", "61800.25", float("nan")])
def test_bad_prices_are_rejected(bad):
    with pytest.raises(ValidationError):
        BTC_PERP.price_to_ticks(bad)


@pytest.mark.parametrize("bad", ["-0.001", "0.0005", "x", float("inf")])
def test_bad_sizes_are_rejected(bad):
    with pytest.raises(ValidationError):
        BTC_PERP.size_to_lots(bad)


def test_zero_size_is_a_delete_not_an_error():
    assert BTC_PERP.size_to_lots("0.000") == 0


@given(st.integers(min_value=1, max_value=10**12))
def test_ticks_round_trip_through_strings_and_floats(ticks):
    text = BTC_SPOT.format_price(ticks)
    assert BTC_SPOT.price_to_ticks(text) == ticks
    assert Decimal(text) == Decimal(ticks) * Decimal("0.01")
    as_float = np.array([float(text)])
    assert BTC_SPOT.prices_to_ticks(as_float)[0] == ticks


def test_vectorised_conversion_names_the_offending_index():
    with pytest.raises(ValidationError, match="index 2"):
        BTC_PERP.prices_to_ticks(np.array([61800.2, 61800.3, 61800.25]))
    with pytest.raises(ValidationError, match="index 1"):
        BTC_PERP.sizes_to_lots(np.array([0.0, -0.001]))


def test_round_price_directions():
    assert BTC_PERP.round_price(61800.25, "down") == 618002
    assert BTC_PERP.round_price(61800.25, "up") == 618003
    assert BTC_PERP.round_price(61800.2, "up") == 618002  # on the grid: no rounding
    with pytest.raises(ValidationError):
        BTC_PERP.round_price(float("nan"))


def test_notional_linear_and_inverse():
    assert BTC_PERP.notional(618002, 14) == pytest.approx(61800.2 * 0.014)
    assert BTC_INV.notional(618002, 3) == 300.0  # 3 contracts of 100 USD


def test_instrument_rejects_non_positive_grid():
    with pytest.raises(ValidationError):
        Instrument("v", "S", InstrumentKind.SPOT, "A", "B", Decimal("0"), Decimal("1"))


@given(st.floats(min_value=1.0, max_value=1e7), st.floats(min_value=0.0, max_value=1e3))
def test_round_quotes_equals_rounding_each_side(bid, width):
    ask = bid + width
    assert BTC_PERP.round_quotes(bid, ask) == (BTC_PERP.round_price(bid, "down"),
                                               BTC_PERP.round_price(ask, "up"))
