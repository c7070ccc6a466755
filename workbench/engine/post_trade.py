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

import numpy as np
import pandas as pd

from workbench.analytics.post_trade import (
    FILL_COLUMNS,
    ORDER_COLUMNS,
    MarketTape,
    PostTradeReport,
    build_report,
)
from workbench.core.errors import DataError, ValidationError
from workbench.core.instruments import Instrument
from workbench.data.binance.instruments import binance_instrument
from workbench.engine.attribution import strategy_of
from workbench.engine.backtest import BacktestResult
from workbench.estimators.arrays import EventArrays
from workbench.estimators.stack import StackParams
from workbench.execution.journal.sqlite import connect_existing

Key = tuple[str, str]


def journal_frames(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The fills and orders frames of a journal, and the time of its last record.

    Read with SQL over the journal's typed columns (see
    :mod:`workbench.execution.journal.codec`), not record by record. A fill reported twice
    (same venue and fill id) counts once, as recovery counts it; a fill of an order the
    journal never placed counts as the maker's.

    Raises
    ------
    DataError
        If the file is missing, not a journal, or holds no records.
    """
    conn = connect_existing(path)
    try:
        last = conn.execute("SELECT ts_ns FROM records ORDER BY seq DESC LIMIT 1").fetchone()
        if last is None:
            raise DataError("the journal holds no records", str(path))
        fills = pd.read_sql_query(
            f"SELECT {', '.join(_FILL_SQL)} FROM records WHERE kind = 'filled' ORDER BY seq",
            conn)
        places = pd.read_sql_query(
            "SELECT order_id, venue, symbol, side, price_ticks, size_lots, reason, "
            "ts_ns AS placed_ns FROM records WHERE kind = 'place' ORDER BY seq", conn)
        events = pd.read_sql_query(
            "SELECT order_id, "
            "min(CASE WHEN kind = 'accepted' THEN ts_ns END) AS accepted_ns, "
            "max(kind = 'rejected' AND command = 'place' AND NOT transient) AS rejected, "
            "max(kind = 'canceled') AS canceled, "
            "sum(kind = 'cancel') AS cancels_sent, sum(kind = 'amend') AS amends "
            "FROM records WHERE kind IN ('accepted', 'rejected', 'canceled', 'cancel', "
            "'amend') GROUP BY order_id", conn)
    finally:
        conn.close()
    places = places.drop_duplicates("order_id", keep="first")
    reasons = places["reason"].fillna("")
    origin = reasons.map({r: strategy_of(r) for r in reasons.unique()})
    places = places.drop(columns="reason").assign(origin=origin)
    fills = fills.drop_duplicates(["venue", "fill_id"], keep="first")
    fills["fee"] = fills["fee"].astype(np.float64)
    origin = fills["order_id"].map(pd.Series(places["origin"].to_numpy(),
                                             index=places["order_id"].to_numpy()))
    fills["origin"] = origin.astype(object).where(origin.notna(), "maker")
    fills = fills.sort_values("ts_ns", kind="stable", ignore_index=True)
    per_order = fills.groupby("order_id").agg(fills=("fill_id", "size"),
                                              filled_lots=("size_lots", "sum"),
                                              first_fill_ns=("ts_ns", "min"))
    orders = places.merge(events, on="order_id", how="left").merge(
        per_order, left_on="order_id", right_index=True, how="left")
    for col, default in (("accepted_ns", -1), ("rejected", 0), ("canceled", 0),
                         ("cancels_sent", 0), ("amends", 0), ("fills", 0),
                         ("filled_lots", 0), ("first_fill_ns", -1)):
        orders[col] = orders[col].fillna(default).astype(np.int64)
    orders["rejected"] = orders["rejected"].astype(bool)
    orders["canceled"] = orders["canceled"].astype(bool)
    return fills[list(FILL_COLUMNS)], orders[list(ORDER_COLUMNS)], int(last[0])


_FILL_SQL = ("ts_ns", "order_id", "fill_id", "venue", "symbol", "side", "price_ticks",
             "size_lots", "liquidity", "fee")


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
    traded = fills[["venue", "symbol"]].drop_duplicates()
    keys = sorted(set(zip(traded["venue"], traded["symbol"])) | {quote})
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
