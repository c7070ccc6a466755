"""Run the compiled kernel on an event array and package its output."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from workbench.core.errors import ValidationError
from workbench.core.instruments import Instrument, InstrumentKind
from workbench.engine.fast.events import CLEAR, EVENT_DTYPE, KIND_MASK, TRADE
from workbench.engine.fast.kernel import simulate
from workbench.engine.fast.params import FastParams
from workbench.engine.fast.result import FILL_DTYPE, RECORD_DTYPE, FastResult
from workbench.engine.fast.tables import ERRORS

#: Widest price window (ticks) a dense book may span: 8 bytes a tick, four book sides.
MAX_BOOK_TICKS = 20_000_000


def check_inputs(events: np.ndarray, instrument: Instrument) -> None:
    """Raise :class:`ValidationError` unless the events and instrument can be run."""
    if events.dtype != EVENT_DTYPE:
        raise ValidationError(f"events must have EVENT_DTYPE, got {events.dtype}")
    if instrument.kind is InstrumentKind.INVERSE_PERP:
        raise ValidationError("the fast backtest accounts linear instruments only")


def book_window(events: np.ndarray, margin_bps: float) -> tuple[int, int]:
    """``(base_ticks, n_ticks)``: the price window both books keep.

    The window reaches ``margin_bps`` below the lowest and above the highest trade price
    (the median level price when there is no trade), cut to the prices in the data. Far
    levels (Binance diffs carry bids at a tenth of the price) would otherwise make the
    dense books huge for nothing a maker quotes near.

    Raises
    ------
    ValidationError
        If the window spans more than :data:`MAX_BOOK_TICKS`.
    """
    prices = events["price_ticks"]
    lo_all, hi_all, lo_trade, hi_trade = _price_range(events["ev"].view(np.int64), prices)
    if lo_all > hi_all:
        return 0, 1
    if lo_trade <= hi_trade:
        ref_lo, ref_hi = float(lo_trade), float(hi_trade)
    else:
        priced = events["ev"].astype(np.uint8) != CLEAR  # the low byte: the kind code
        ref_lo = ref_hi = float(np.median(prices[priced]))
    lo = max(lo_all, math.floor(ref_lo * (1.0 - margin_bps * 1e-4)))
    hi = min(hi_all, math.ceil(ref_hi * (1.0 + margin_bps * 1e-4)))
    if hi - lo + 1 > MAX_BOOK_TICKS:
        raise ValidationError(f"the book window spans {hi - lo + 1} ticks "
                              f"(> {MAX_BOOK_TICKS}): lower book_window_bps")
    return lo, hi - lo + 1


@njit(cache=True)
def _price_range(ev: np.ndarray, prices: np.ndarray) -> tuple[int, int, int, int]:
    """Lowest and highest price of the rows that have one (not clears), then of the
    trades; an empty range is ``(max, min)``."""
    big = np.iinfo(np.int64).max
    lo_all, hi_all, lo_trade, hi_trade = big, -big, big, -big
    for i in range(ev.size):
        kind = ev[i] & KIND_MASK
        if kind == CLEAR:
            continue
        p = prices[i]
        lo_all = min(lo_all, p)
        hi_all = max(hi_all, p)
        if kind == TRADE:
            lo_trade = min(lo_trade, p)
            hi_trade = max(hi_trade, p)
    return lo_all, hi_all, lo_trade, hi_trade


def run_fast(events: np.ndarray, instrument: Instrument, params: FastParams) -> FastResult:
    """Backtest ``params`` over ``events`` with the numba kernel.

    Parameters
    ----------
    events : numpy.ndarray of EVENT_DTYPE
        One stream, as made by :func:`~workbench.engine.fast.events.event_array`.
    instrument : Instrument
        Gives the tick and lot sizes (linear instruments only).
    params : FastParams

    Returns
    -------
    FastResult

    Raises
    ------
    ValidationError
        On a wrong dtype, an inverse instrument or too wide a price window.
    RuntimeError
        If the run outgrew the kernel's fixed queues or order tables.
    """
    check_inputs(events, instrument)
    base, n_ticks = book_window(events, params.book_window_bps)
    fp, ip = params.packed()
    fills_i, fills_f, rec_i, rec_f, n_orders, error = simulate(
        events["ev"].view(np.int64), events["exch_ts_ns"], events["local_ts_ns"],
        events["price_ticks"], events["size_lots"], events["side"], base, n_ticks,
        instrument.tick_size_float, instrument.lot_size_float, fp, ip)
    if error:
        raise RuntimeError(f"fast backtest stopped: {ERRORS[int(error)]}")
    fills = np.empty(len(fills_f), dtype=FILL_DTYPE)
    for j, name in enumerate(("exch_ts_ns", "local_ts_ns", "order_id", "side", "price_ticks",
                              "size_lots", "maker", "ioc")):
        fills[name] = fills_i[:, j]
    fills["fee"] = fills_f
    records = np.empty(len(rec_f), dtype=RECORD_DTYPE)
    for j, name in enumerate(("ts_ns", "best_bid_ticks", "best_ask_ticks", "bid_ticks",
                              "ask_ticks", "position_lots")):
        records[name] = rec_i[:, j]
    for j, name in enumerate(("sigma_per_sqrt_s", "cash", "equity")):
        records[name] = rec_f[:, j]
    return FastResult(fills, records, len(events), int(n_orders), instrument.lot_size_float,
                      instrument.tick_size_float)
