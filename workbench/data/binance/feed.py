"""Read recorded Binance raw feeds: normalised events, DataFrames, and book replay.

Files are grouped into streams (one venue and symbol each); the files of a stream are
put in time order and read as one, so a day split across files replays seamlessly and
the book stays synchronised across the boundary.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.book.agreement import BboAgreement
from workbench.book.l2 import L2Book
from workbench.book.sync import BookSync, SyncStats
from workbench.core.errors import DataError
from workbench.core.events import BestBidOffer, MarketEvent
from workbench.core.instruments import Instrument
from workbench.data.binance.book_lines import book_lines
from workbench.data.binance.book_replay import replay_lines
from workbench.data.binance.instruments import SYNC_RULES, binance_instrument
from workbench.data.binance.parse import (
    ParseReport,
    _venue_from_message,
    parse_file,
    read_lines,
    venue_from_path,
)
from workbench.data.replay import merge_events
from workbench.data.table import EventTable

if TYPE_CHECKING:  # imported where used: the command line's replay needs neither
    import pandas as pd

PathLike = str | Path
StreamKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class FileInfo:
    """What the first stream line of a file says about it."""

    path: str
    venue: str
    symbol: str
    first_local_ts_ns: int


def probe(path: PathLike, venue: str | None = None, max_lines: int = 1000) -> FileInfo:
    """Identify a file's stream from its first stream message, without reading it all.

    Raises
    ------
    DataError
        If the file cannot be opened as text or has no stream message early on.
    """
    spath = str(path)
    first_ts = None
    try:
        with _open(spath) as fh:
            for lineno, line in enumerate(fh, 1):
                if lineno > max_lines:
                    break
                sp = line.find(b" ")
                if first_ts is None and sp > 0 and line[:sp].isdigit():
                    first_ts = int(line[:sp])
                body = line[sp + 1:]
                if body.startswith(b'{"stream":"') and b"@" in body:
                    sym = body[11:body.index(b"@")].decode().upper()
                    v = venue or venue_from_path(spath) or _venue_from_message(body)
                    return FileInfo(spath, v, sym, first_ts if first_ts is not None else 0)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"cannot read: {exc}", spath) from None
    raise DataError(f"no stream message in the first {max_lines} lines", spath)


def _open(path: str):
    with open(path, "rb") as fh:
        magic = fh.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def group_streams(paths: Iterable[PathLike],
                  venue: str | None = None) -> dict[StreamKey, list[str]]:
    """Group files by ``(venue, symbol)``; each group sorted by its first timestamp."""
    infos = [probe(p, venue) for p in paths]
    groups: dict[StreamKey, list[FileInfo]] = {}
    for info in infos:
        groups.setdefault((info.venue, info.symbol), []).append(info)
    return {k: [i.path for i in sorted(v, key=lambda i: i.first_local_ts_ns)]
            for k, v in groups.items()}


def _parse_one(args: tuple[str, str | None, dict | None]) -> tuple[list[EventTable], ParseReport]:
    path, venue, instruments = args
    return parse_file(path, venue, instruments)


def _parse_many(paths: Sequence[str], venue: str | None,
                instruments: dict[StreamKey, Instrument] | None,
                workers: int | None) -> list[tuple[list[EventTable], ParseReport]]:
    jobs = [(p, venue, instruments) for p in paths]
    workers = min(len(jobs), workers if workers is not None else (os.cpu_count() or 1))
    if workers <= 1:
        return [_parse_one(j) for j in jobs]
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    # Largest files first keeps both workers busy to the end; results keep input order.
    order = sorted(range(len(jobs)), key=lambda i: -os.path.getsize(jobs[i][0]))
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        done = dict(zip(order, pool.map(_parse_one, [jobs[i] for i in order])))
    return [done[i] for i in range(len(jobs))]


@dataclass
class RawFeed:
    """Normalised events of one or more recorded streams.

    Attributes
    ----------
    streams : dict
        ``(venue, symbol) -> EventTable``, each stream's files joined in time order.
    reports : list of ParseReport
        One per file: line counts, messages per kind, unknown streams.
    """

    streams: dict[StreamKey, EventTable]
    reports: list[ParseReport] = field(default_factory=list)

    @property
    def message_count(self) -> int:
        """Number of normalised messages over all streams."""
        return sum(len(t) for t in self.streams.values())

    def kind_counts(self) -> dict[str, int]:
        """Messages per kind over all streams."""
        out: dict[str, int] = {}
        for t in self.streams.values():
            for k, n in t.kind_counts().items():
                out[k] = out.get(k, 0) + n
        return out

    def events(self) -> Iterator[MarketEvent]:
        """Every stream's events merged in local receive-time order."""
        return merge_events(t.events() for t in self.streams.values())

    def to_frame(self) -> pd.DataFrame:
        """The long form of every stream (see :meth:`EventTable.to_frame`), sorted by
        ``local_ts_ns`` (stable, so each message's rows stay together)."""
        import pandas as pd

        frames = [t.to_frame() for t in self.streams.values()]
        if not frames:
            return pd.DataFrame()
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        for col in ("venue", "symbol"):
            frame[col] = frame[col].astype(str).astype("category")
        return frame.sort_values("local_ts_ns", kind="stable", ignore_index=True)


def read_raw_feed(
    paths: PathLike | Iterable[PathLike],
    venue: str | None = None,
    instruments: dict[StreamKey, Instrument] | None = None,
    workers: int | None = None,
) -> RawFeed:
    """Parse recorded raw-feed files into normalised events.

    Parameters
    ----------
    paths : path or iterable of paths
        Files of ``<local_ts_ns> <json>`` lines (gzip or plain), any mix of streams.
    venue : str, optional
        Force the venue (else from the path's folders or the messages).
    instruments : dict, optional
        Extra instruments keyed by ``(venue, symbol)`` for symbols not known here.
    workers : int, optional
        Processes to parse files in parallel (default: one per core; 1 parses in-process).

    Returns
    -------
    RawFeed
        Streams of events; ``.events()`` for objects, ``.to_frame()`` for a DataFrame.

    Raises
    ------
    DataError
        On a corrupt file or malformed line, naming the file and line.
    """
    paths = [str(paths)] if isinstance(paths, (str, Path)) else [str(p) for p in paths]
    groups = group_streams(paths, venue)
    ordered = [p for files in groups.values() for p in files]
    parsed = dict(zip(ordered, _parse_many(ordered, venue, instruments, workers)))
    streams: dict[StreamKey, EventTable] = {}
    for key, files in groups.items():
        tables = [t for f in files for t in parsed[f][0] if (t.venue, t.symbol) == key]
        streams[key] = EventTable.concat(tables)
    return RawFeed(streams, [parsed[p][1] for p in ordered])


def stream_events(
    paths: Iterable[PathLike],
    venue: str | None = None,
    instruments: dict[StreamKey, Instrument] | None = None,
) -> Iterator[MarketEvent]:
    """Events of one stream's files, parsed lazily one file at a time.

    Raises
    ------
    DataError
        If the files hold more than one stream.
    """
    groups = group_streams(paths, venue)
    if len(groups) != 1:
        raise DataError(f"expected one stream, found {sorted(groups)}")
    yield from _files_events(next(iter(groups.values())), venue, instruments)


def _files_events(files: list[str], venue: str | None,
                  instruments: dict[StreamKey, Instrument] | None) -> Iterator[MarketEvent]:
    """Events of one stream's files, already grouped and in time order, file by file."""
    for path in files:
        tables, _ = parse_file(path, venue, instruments)
        for table in tables:
            yield from table.events()


def replay_streams(
    paths: Iterable[PathLike],
    venue: str | None = None,
    instruments: dict[StreamKey, Instrument] | None = None,
) -> Iterator[MarketEvent]:
    """Every stream of ``paths`` merged in local-time order, each read file by file."""
    groups = group_streams(paths, venue)
    return merge_events(_files_events(files, venue, instruments) for files in groups.values())


@dataclass
class BookReplay:
    """A book replayed to the end of its data, with what happened on the way.

    Attributes
    ----------
    book : L2Book
        The book after the last event.
    instrument : Instrument
        Its tick and lot grid.
    stats : SyncStats
        Snapshots, diffs applied and stale, gaps, crossed updates after sync.
    synced : bool
        Whether the book is trustworthy at the end (False after an unrecovered gap).
    events : int
        Events replayed (every kind).
    last_bbo : BestBidOffer or None
        The venue's own last top of book.
    agreement : BboAgreement
        The book held against the venue's top of book wherever their ids coincide.
    """

    book: L2Book
    instrument: Instrument
    stats: SyncStats
    synced: bool
    events: int
    last_bbo: BestBidOffer | None
    agreement: BboAgreement

    def summary(self) -> dict:
        """The replay as plain JSON-ready values (prices and sizes as decimals)."""
        inst = self.instrument

        def level(top: tuple[int, int] | None) -> list[float] | None:
            if top is None:
                return None
            return [float(inst.ticks_to_decimal(top[0])), float(inst.lots_to_decimal(top[1]))]

        return {
            "venue": inst.venue,
            "symbol": inst.symbol,
            "best_bid": level(self.book.best_bid()),
            "best_ask": level(self.book.best_ask()),
            "bid_levels": self.book.bid_levels,
            "ask_levels": self.book.ask_levels,
            "crossed": self.book.crossed,
            "gaps": self.stats.gap_count,
            "events": self.events,
            "synced": self.synced,
        }


def replay_book(
    paths: PathLike | Iterable[PathLike],
    venue: str | None = None,
    instruments: dict[StreamKey, Instrument] | None = None,
    symbol: str | None = None,
) -> BookReplay:
    """Replay one stream's snapshot and diffs under the venue's sync rules.

    Parameters
    ----------
    paths : path or iterable of paths
        The stream's files (a day split across files is fine).
    venue, instruments : optional
        As for :func:`read_raw_feed`.
    symbol : str, optional
        Which stream to replay when the files hold several.

    Returns
    -------
    BookReplay
        The book at the end of the data, and the sync statistics.

    Raises
    ------
    DataError
        On malformed data, or when the stream to replay is ambiguous.
    """
    paths = [str(paths)] if isinstance(paths, (str, Path)) else [str(p) for p in paths]
    groups = group_streams(paths, venue)
    if symbol is not None:
        groups = {k: v for k, v in groups.items() if k[1] == symbol.upper()}
    if len(groups) != 1:
        raise DataError(f"replay_book needs exactly one stream, found {sorted(groups)}; "
                        "pass symbol=")
    (key, files), = groups.items()
    sync = BookSync(SYNC_RULES[key[0]], *key)
    agreement = BboAgreement()
    n, last_bbo = replay_lines([book_lines(read_lines(path), path, key[0], key[1], instruments)
                                for path in files], sync, agreement)
    inst = binance_instrument(key[0], key[1], instruments)
    return BookReplay(sync.book, inst, sync.stats, sync.synced, n, last_bbo, agreement)
