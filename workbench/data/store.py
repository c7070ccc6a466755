"""A Parquet store of normalised events, queried with DuckDB.

Layout: ``<root>/venue=<venue>/symbol=<symbol>/date=<YYYY-MM-DD>/part-<first_ts>.parquet``
(hive partitioning; the date is the UTC date of ``local_ts_ns``). Rows are the long form
of :class:`~workbench.data.table.EventTable` plus ``price`` and ``size`` as floats, so an
analyst can query prices directly. Writing the same data again replaces its files, so an
import can be repeated safely.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from workbench.core.errors import DataError
from workbench.core.instruments import Instrument
from workbench.data.table import EventTable

_NS_PER_DAY = 86_400 * 1_000_000_000


def write_table(table: EventTable, instrument: Instrument, root: str | Path) -> list[Path]:
    """Write one stream's events into the store, one file per UTC date.

    Returns
    -------
    list of Path
        The files written.
    """
    frame = table.to_frame()
    if frame.empty:
        return []
    frame["price"] = frame["price_ticks"].to_numpy() * float(instrument.tick_size)
    frame["size"] = frame["size_lots"].to_numpy() * float(instrument.lot_size)
    day = frame["local_ts_ns"].to_numpy() // _NS_PER_DAY
    written = []
    frame = frame.drop(columns=["venue", "symbol"])
    for d in np.unique(day):
        part = frame[day == d].copy()
        # Messages renumbered from 0 within each file; ``row`` keeps the row order.
        part["msg"] = part["msg"] - part["msg"].iloc[0]
        part["row"] = np.arange(len(part), dtype=np.int64)
        date = pd.Timestamp(int(d) * _NS_PER_DAY, unit="ns").strftime("%Y-%m-%d")
        folder = Path(root) / f"venue={table.venue}" / f"symbol={table.symbol}" / f"date={date}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"part-{int(part['local_ts_ns'].iloc[0]):020d}.parquet"
        pq.write_table(pa.Table.from_pandas(part, preserve_index=False), path,
                       compression="zstd")
        written.append(path)
    return written


def query(
    root: str | Path,
    start_ns: int | None = None,
    end_ns: int | None = None,
    venues: Sequence[str] | None = None,
    symbols: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Select events from the store with DuckDB.

    Parameters
    ----------
    root : path
        The store's root folder.
    start_ns, end_ns : int, optional
        Half-open range ``[start_ns, end_ns)`` of ``local_ts_ns``.
    venues, symbols, kinds : sequence of str, optional
        Keep only these (kinds: ``snapshot``, ``delta``, ``trade``, ``bbo``).
    columns : sequence of str, optional
        Columns to return (default: all).

    Returns
    -------
    pandas.DataFrame
        Rows ordered by stream, then file, message and row order (i.e. replay order
        within each stream), with a ``file`` column naming the part they came from.

    Raises
    ------
    DataError
        If the store holds no Parquet file.
    """
    files = sorted(Path(root).glob("venue=*/symbol=*/date=*/*.parquet"))
    if not files:
        raise DataError("no Parquet files in the store", str(root))
    where, params = [], []
    if start_ns is not None:
        where.append("local_ts_ns >= ?")
        params.append(int(start_ns))
        where.append("CAST(date AS VARCHAR) >= ?")
        params.append(pd.Timestamp(int(start_ns), unit="ns").strftime("%Y-%m-%d"))
    if end_ns is not None:
        where.append("local_ts_ns < ?")
        params.append(int(end_ns))
    for name, values in (("venue", venues), ("symbol", symbols), ("kind", kinds)):
        if values is not None:
            where.append(f"{name} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    select = "*" if columns is None else ", ".join(dict.fromkeys(
        [*columns, "venue", "symbol", "filename", "msg"]))
    sql = (
        f"SELECT {select} FROM read_parquet(?, hive_partitioning = true, filename = true) "
        f"{'WHERE ' + ' AND '.join(where) if where else ''} "
        "ORDER BY venue, symbol, filename, row"
    )
    with duckdb.connect() as con:
        frame = con.execute(sql, [[str(f) for f in files], *params]).df()
    return frame.rename(columns={"filename": "file"})


def read_tables(root: str | Path, **filters) -> dict[tuple[str, str], EventTable]:
    """Query the store (see :func:`query`) and rebuild one :class:`EventTable` per stream."""
    frame = query(root, **filters)
    tables = {}
    for (venue, symbol), part in frame.groupby(["venue", "symbol"], sort=True, observed=True):
        new_msg = (part["file"].ne(part["file"].shift()) | part["msg"].ne(part["msg"].shift()))
        part = part.assign(msg=np.cumsum(new_msg.to_numpy()) - 1)
        tables[(str(venue), str(symbol))] = EventTable.from_frame(part, str(venue), str(symbol))
    return tables


def import_files(
    paths: Iterable[str | Path],
    root: str | Path,
    progress: bool = True,
) -> list[Path]:
    """Convert raw Binance feed files into the store, with a progress bar.

    Raises
    ------
    DataError
        On malformed input, naming the file and line.
    """
    from tqdm import tqdm

    from workbench.data.binance.instruments import binance_instrument
    from workbench.data.binance.parse import parse_file

    paths = [str(p) for p in paths]
    written: list[Path] = []
    for path in tqdm(paths, desc="import", unit="file", disable=not progress):
        tables, _ = parse_file(path)
        for table in tables:
            inst = binance_instrument(table.venue, table.symbol)
            written.extend(write_table(table, inst, root))
    return written
