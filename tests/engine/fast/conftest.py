"""Fixtures and a builder of small hand-made event arrays for the fast path's tests."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from workbench.core import Instrument, InstrumentKind
from workbench.data.binance.instruments import KNOWN, USDM
from workbench.engine.fast import CLEAR, END_OF_MESSAGE, EVENT_DTYPE, SNAPSHOT, order_rows

#: Whole-number grid so hand-worked cases read in plain numbers.
UNIT = Instrument("test", "UNIT", InstrumentKind.LINEAR_PERP, "X", "USD", Decimal("1"),
                  Decimal("1"))
USDM_BTC = KNOWN[(USDM, "BTCUSDT")]


def build(messages: list[tuple[int, int, list[tuple[int, int, int, int]]]]) -> np.ndarray:
    """An event array from ``(exch_ts, local_ts, [(kind, side, price, size), ...])``."""
    rows = []
    for exch, local, levels in messages:
        for j, (kind, side, price, size) in enumerate(levels):
            end = END_OF_MESSAGE if j == len(levels) - 1 else 0
            rows.append((kind | end, exch, local, price, size, side))
    return order_rows(np.array(rows, dtype=EVENT_DTYPE))


def snapshot(bids: dict[int, int], asks: dict[int, int]) -> list[tuple[int, int, int, int]]:
    """A clear row then one snapshot row per level."""
    return ([(CLEAR, 0, 0, 0)] + [(SNAPSHOT, 1, p, q) for p, q in bids.items()]
            + [(SNAPSHOT, -1, p, q) for p, q in asks.items()])


@pytest.fixture(scope="session")
def usdm_table():
    """The bundled sample's USD-M BTCUSDT stream."""
    from workbench.data.binance.feed import read_raw_feed
    from workbench.data.sample import sample_paths

    return read_raw_feed(sample_paths()).streams[(USDM, "BTCUSDT")]


@pytest.fixture(scope="session")
def usdm_events(usdm_table):
    """Its event array (venue clock)."""
    from workbench.engine.fast import event_array

    return event_array(usdm_table)


def assert_same_run(a, b) -> None:
    """Two FastResults agree: fills and records field by field (NaN equal to NaN)."""
    assert (a.n_events, a.n_orders) == (b.n_events, b.n_orders)
    for name in ("fills", "records"):
        x, y = getattr(a, name), getattr(b, name)
        assert len(x) == len(y), name
        for field in x.dtype.names:
            assert np.array_equal(x[field], y[field],
                                  equal_nan=x[field].dtype.kind == "f"), (name, field)
