"""``workbench.post_trade``: the morning-after report of a journal or a backtest run.

A journal (one format for backtest, paper and live) is read into the fills and orders
frames of :mod:`workbench.analytics.post_trade.fills` (each fill labelled by who placed
its order, :func:`workbench.engine.attribution.strategy_of`); the market data of the
session gives the tape the fills are measured against; the rest is
:func:`workbench.analytics.post_trade.build_report`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from workbench.analytics.post_trade import MarketTape, PostTradeReport, build_report
from workbench.core.commands import Accepted, Amend, Cancel, Canceled, Filled, Place, Rejected
from workbench.core.errors import DataError, ValidationError
from workbench.core.instruments import Instrument
from workbench.data.binance.instruments import binance_instrument
from workbench.engine.attribution import strategy_of
from workbench.engine.backtest import BacktestResult
from workbench.estimators.arrays import EventArrays
from workbench.estimators.stack import StackParams
from workbench.execution.journal import read_records

Key = tuple[str, str]


def journal_frames(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The fills and orders frames of a journal, and the time of its last record.

    A fill reported twice (same venue and fill id) counts once, as recovery counts it.

    Raises
    ------
    DataError
        If the file is missing, not a journal, or holds no records.
    """
    orders: dict[int, dict] = {}
    fills: list[tuple] = []
    seen: set[tuple[str, int]] = set()
    last_ns = None
    for entry in read_records(path):
        r = entry.record
        last_ns = r.ts_ns
        kind = type(r)
        if kind is Place:
            orders.setdefault(r.order_id, {
                "order_id": r.order_id, "venue": r.venue, "symbol": r.symbol,
                "side": int(r.side), "price_ticks": r.price_ticks, "size_lots": r.size_lots,
                "origin": strategy_of(r.reason), "placed_ns": r.ts_ns, "accepted_ns": -1,
                "rejected": False, "canceled": False, "cancels_sent": 0, "amends": 0,
                "fills": 0,
                "filled_lots": 0, "first_fill_ns": -1})
            continue
        o = orders.get(r.order_id) if hasattr(r, "order_id") else None
        if kind is Filled:
            if (r.venue, r.fill_id) in seen:
                continue
            seen.add((r.venue, r.fill_id))
            fills.append((r.ts_ns, r.order_id, r.fill_id, r.venue, r.symbol, int(r.side),
                          r.price_ticks, r.size_lots, r.liquidity.value, r.fee,
                          o["origin"] if o is not None else "maker"))
            if o is not None:
                o["fills"] += 1
                o["filled_lots"] += r.size_lots
                if o["first_fill_ns"] < 0:
                    o["first_fill_ns"] = r.ts_ns
        elif o is None:
            continue
        elif kind is Accepted and o["accepted_ns"] < 0:
            o["accepted_ns"] = r.ts_ns
        elif kind is Rejected and r.command.value == "place" and not r.transient:
            o["rejected"] = True
        elif kind is Canceled:
            o["canceled"] = True
        elif kind is Cancel:
            o["cancels_sent"] += 1
        elif kind is Amend:
            o["amends"] += 1
    if last_ns is None:
        raise DataError("the journal holds no records", str(path))
    fill_frame = pd.DataFrame(fills, columns=[
        "ts_ns", "order_id", "fill_id", "venue", "symbol", "side", "price_ticks",
        "size_lots", "liquidity", "fee", "origin"])
    fill_frame = fill_frame.sort_values("ts_ns", kind="stable", ignore_index=True)
    return fill_frame, pd.DataFrame(list(orders.values())), last_ns


def post_trade(source: str | Path | BacktestResult,
               data: Sequence[str | Path] | EventArrays | MarketTape,
               *, quote: Key | None = None,
               instruments: Sequence[Instrument] | None = None,
               marks: Mapping[Key, float] | None = None,
               funding: pd.DataFrame | None = None,
               stack: StackParams | None = None,
               horizons_s: Sequence[float] = (1.0, 5.0, 30.0, 60.0),
               grid_s: float = 1.0) -> PostTradeReport:
    """The post-trade report of a session: markouts, exact PnL attribution, activity,
    inventory and performance.

    Parameters
    ----------
    source : path or BacktestResult
        A journal file (backtest, paper or live), or a backtest's result (its journal,
        quoted instrument, instruments, stack settings and final marks are used; the run
        must have been given ``journal_path``).
    data : paths of raw feed files, EventArrays or MarketTape
        The session's market data (the files a backtest replayed, those a paper or live
        session recorded).
    quote : (venue, symbol), optional
        The quoted instrument (a journal: default, the instrument with most non-hedge
        orders).
    instruments : sequence of Instrument, optional
        Instruments traded (default: the run's, or Binance's by their keys).
    marks : mapping of (venue, symbol) to float, optional
        Last marks (default: the run's portfolio marks; for a journal, the tape's at the
        journal's last record: fair mid for the quoted instrument, mids elsewhere).
    funding : DataFrame, optional
        Funding received: ``ts_ns, venue, symbol, amount`` (settlement currency).
    stack : StackParams, optional
        Estimator settings of the tape (default: the run's, or the defaults).
    horizons_s : sequence of float
        Markout horizons, seconds.
    grid_s : float
        Step of the time grid of inventory and equity, seconds.

    Returns
    -------
    PostTradeReport

    Raises
    ------
    DataError
        If the journal is missing, malformed or empty.
    ValidationError
        If it holds no fills, or the market data does not cover the quoted instrument.
    """
    if isinstance(source, BacktestResult):
        if source.journal_path is None:
            raise ValidationError("the run kept no journal: run the backtest with "
                                  "journal_path=...")
        config = source.engine.config
        quote = quote or config.quote
        instruments = instruments or config.instruments
        marks = marks or dict(source.engine.portfolio.marks)
        stack = stack or config.stack
        path = source.journal_path
    else:
        path = Path(source)
    fills, orders, last_ns = journal_frames(path)
    if fills.empty:
        raise ValidationError(f"{path}: the journal holds no fills")
    if quote is None:
        mine = orders[orders["origin"] != "hedge"] if len(orders) else orders
        if mine.empty:
            raise ValidationError("cannot tell the quoted instrument: pass quote=")
        quote = tuple(mine.groupby(["venue", "symbol"]).size().idxmax())
    keys = sorted(set(zip(fills["venue"], fills["symbol"])) | {quote})
    by_key = {i.key: i for i in instruments} if instruments else {}
    for key in keys:
        if key not in by_key:
            by_key[key] = binance_instrument(*key)
    tape = _tape(data, quote, stack)
    if marks is None:
        marks = tape.marks(keys, last_ns)
    return build_report(fills, orders, by_key, quote, tape, marks, funding=funding,
                        horizons_s=tuple(horizons_s), grid_s=grid_s, source=str(path))


def _tape(data, quote: Key, stack: StackParams | None) -> MarketTape:
    if isinstance(data, MarketTape):
        return data
    if isinstance(data, EventArrays):
        return MarketTape.from_arrays(data, quote, stack)
    if data is None or isinstance(data, (str, Path)):
        raise ValidationError("data must be a list of market data files, EventArrays or a "
                              "MarketTape")
    return MarketTape.from_paths(data, quote, stack)
