"""Which recorded files hold a market on a date, and the window read from them.

The recorded layout is the collector's: ``<root>/<venue folder>/<symbol>_<YYYYMMDD>.gz``
with venue folders ``spot``, ``usdm``, ``cm`` (``data/sample/binance-multivenue-l2`` and
``../shared/data/binance-multivenue-l2``). The quoted market's file is required; the
same date's files of the other venues trading the same base asset come along for the
fused volatility and fair mid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.core import DataError, Instrument, ValidationError
from workbench.data.binance.instruments import VENUE_ALIASES, binance_instrument
from workbench.data.sample import SAMPLE_ROOT
from workbench.data.table import EventTable

#: Default data location: the bundled sample.
DEFAULT_DATA_DIR = Path(SAMPLE_ROOT)
_FOLDERS = {"binance-spot": "spot", "binance-usdm": "usdm", "binance-coinm": "cm"}


def parse_date(date: str | dt.date) -> dt.date:
    """A date from ``YYYY-MM-DD`` (or ``YYYYMMDD``) or a :class:`datetime.date`.

    Raises
    ------
    ValidationError
        If it is neither.
    """
    if isinstance(date, dt.date):
        return date
    if isinstance(date, str):
        for fmt in ("%Y-%m-%d", "%Y%m%d"):
            try:
                return dt.datetime.strptime(date, fmt).date()
            except ValueError:
                pass
    raise ValidationError(f"date must be YYYY-MM-DD: {date!r}")


def locate(data_dir: str | Path, venue: str, symbol: str,
           date: str | dt.date) -> list[Path]:
    """The quoted market's file of ``date`` first, then its base asset's other venues.

    Raises
    ------
    DataError
        If the quoted market has no file for the date (the message names the path).
    ValidationError
        On an unknown venue or a bad date.
    """
    if venue not in _FOLDERS:
        raise ValidationError(f"unknown venue {venue!r}: one of {sorted(_FOLDERS)}")
    day = parse_date(date).strftime("%Y%m%d")
    root = Path(data_dir)
    main = root / _FOLDERS[venue] / f"{symbol.lower()}_{day}.gz"
    if not main.exists():
        raise DataError(f"no data for {venue} {symbol} on {parse_date(date)}: {main} "
                        "does not exist", str(main))
    base = binance_instrument(venue, symbol).base
    others = []
    for path in sorted(root.glob(f"*/*_{day}.gz")):
        folder = VENUE_ALIASES.get(path.parent.name.lower())
        sym = path.name[: -len(f"_{day}.gz")].upper()
        if path == main or folder is None:
            continue
        try:
            if binance_instrument(folder, sym).base == base:
                others.append(path)
        except (KeyError, ValidationError):
            continue
    return [main, *others]


@dataclass(frozen=True)
class Window:
    """The data a calibration read: streams, instruments and the time span."""

    tables: dict[tuple[str, str], EventTable]
    instruments: dict[tuple[str, str], Instrument]
    files: list[str]
    start_ns: int
    end_ns: int

    @property
    def duration_s(self) -> float:
        """Span of the quoted stream's messages, seconds."""
        return (self.end_ns - self.start_ns) * 1e-9


def read_window(files: list[Path], reference: tuple[str, str], start_ns: int | None = None,
                end_ns: int | None = None) -> Window:
    """Read ``files`` and keep the local times in ``[start_ns, end_ns)``.

    Raises
    ------
    DataError
        If a file is malformed, the quoted market is not in the files, or nothing is
        left in the window.
    """
    from workbench.data.binance.feed import read_raw_feed

    feed = read_raw_feed(files, workers=1)
    if reference not in feed.streams:
        raise DataError(f"no {reference[0]} {reference[1]} messages in {files}")
    tables = {}
    for key, table in feed.streams.items():
        ts = table.messages["local_ts_ns"]
        keep = np.ones(len(ts), dtype=bool)
        if start_ns is not None:
            keep &= ts >= start_ns
        if end_ns is not None:
            keep &= ts < end_ns
        if keep.any():
            tables[key] = table if keep.all() else table.take(keep)
    if reference not in tables:
        raise DataError(f"no {reference[0]} {reference[1]} messages in the window "
                        f"[{start_ns}, {end_ns})")
    ts = tables[reference].messages["local_ts_ns"]
    return Window(tables, {k: binance_instrument(*k) for k in tables},
                  [str(f) for f in files], int(ts.min()), int(ts.max()))
