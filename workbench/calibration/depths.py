"""Depth of each aggressive order from the mid: before the order, or at a time grid.

Orders are rebuilt from the trade prints as in the documented calibration
(:func:`workbench.quoting.calibration.aggressor_orders`: prints with one exchange time
and aggressor side are one order, and its depth is where its deepest unit traded). The
mid the depth is measured from is either the last best bid/offer published before the
order (``grid_s=None``, the documented rule) or the mid sampled at the start of the
``grid_s`` interval the order falls in (a quote placed at the grid time and left until
the next one), so a quote's exposure and the orders that would fill it share one clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.core import DataError, Instrument, ValidationError
from workbench.core.events import EventKind
from workbench.data.table import EventTable
from workbench.quoting.calibration import aggressor_orders


@dataclass(frozen=True)
class TradeDepths:
    """Aggressive orders of one recording and the depth each reached.

    Attributes
    ----------
    exch_ts_ns, side, depth_price : numpy.ndarray
        Exchange time, aggressor side (+1 buy) and depth (price units) of each order.
    duration_s : float
        Span of the trades, seconds.
    n_trades : int
        Trade prints the orders were rebuilt from.
    """

    exch_ts_ns: np.ndarray
    side: np.ndarray
    depth_price: np.ndarray
    duration_s: float
    n_trades: int


def trade_depths(table: EventTable, instrument: Instrument, *, unit_lots: int = 1,
                 grid_s: float | None = None) -> TradeDepths:
    """The aggressive orders of ``table`` and their depth from the mid.

    Parameters
    ----------
    table : EventTable
        One stream with trades and best bid/offer messages with exchange times.
    instrument : Instrument
    unit_lots : int
        Quote unit, lots (orders trading less are left out).
    grid_s : float, optional
        Measure from the mid at the start of each ``grid_s`` interval (exchange time);
        by default from the mid just before the order.

    Raises
    ------
    DataError
        If the stream lacks trades or best bid/offer messages.
    ValidationError
        If ``grid_s`` is not positive.
    """
    orders = aggressor_orders(table, instrument, unit_lots)
    n_trades = int(np.count_nonzero(table.messages["kind"] == EventKind.TRADE))
    if grid_s is None:
        return TradeDepths(orders.exch_ts_ns, orders.side, orders.depth_price,
                           orders.duration_s, n_trades)
    if not grid_s > 0:
        raise ValidationError(f"grid_s must be > 0: {grid_s!r}")
    ts, mid = bbo_mids(table, instrument)
    step = round(grid_s * 1e9)
    t = orders.exch_ts_ns
    before = np.searchsorted(ts, t, side="left") - 1        # the documented reference
    at_grid = np.searchsorted(ts, t // step * step, side="right") - 1
    ok = at_grid >= 0
    depth = orders.depth_price[ok] + orders.side[ok] * (mid[before[ok]] - mid[at_grid[ok]])
    return TradeDepths(t[ok], orders.side[ok], depth, orders.duration_s, n_trades)


def bbo_mids(table: EventTable, instrument: Instrument) -> tuple[np.ndarray, np.ndarray]:
    """``(exch_ts_ns, mid_price)`` of every uncrossed best bid/offer with an exchange time.

    Raises
    ------
    DataError
        If there is none.
    """
    m, r = table.messages, table.rows
    bbo = (m["kind"] == EventKind.BBO) & (m["exch_ts_ns"] > 0)
    start = m["row_start"][bbo]
    bid, ask = r["price_ticks"][start], r["price_ticks"][start + 1]
    ok = bid < ask
    if not ok.any():
        raise DataError(f"{table.venue} {table.symbol}: no uncrossed best bid/offer")
    mid = 0.5 * (bid + ask).astype(np.float64) * instrument.tick_size_float
    return m["exch_ts_ns"][bbo][ok], mid[ok]
