"""Recorded Binance feeds as the local exchange replays them: each message's event and bytes.

The project's parser (:func:`workbench.data.binance.parse.parse_file`) turns a file into
normalised events; the exchange also needs each message's raw payload, to send it on the
wire exactly as recorded. A file's recognised lines and its parsed messages correspond
one to one, symbol by symbol and in file order (unknown stream types are skipped by both),
so the two are zipped, and the kinds are checked to agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np

from workbench.core.errors import DataError
from workbench.core.events import EventKind, MarketEvent
from workbench.core.instruments import Instrument
from workbench.data.binance.feed import group_streams
from workbench.data.binance.parse import parse_file, read_lines
from workbench.data.replay import merge_events

StreamKey = tuple[str, str]


class Channel(StrEnum):
    """What a recorded message is, named as in Binance's stream names."""

    DEPTH = "depth"
    TRADE = "trade"
    BOOK_TICKER = "bookTicker"
    SNAPSHOT = "snapshot"


_KIND_OF = {Channel.DEPTH: EventKind.DELTA, Channel.TRADE: EventKind.TRADE,
            Channel.BOOK_TICKER: EventKind.BBO, Channel.SNAPSHOT: EventKind.SNAPSHOT}


@dataclass(frozen=True, slots=True)
class RecordedMessage:
    """One recorded message: its normalised event and its raw payload.

    Attributes
    ----------
    local_ts_ns : int
        The recorder's receive time (the replay's clock).
    venue, symbol : str
        The stream, e.g. ``("binance-spot", "BTCUSDT")``.
    channel : Channel
        Depth diff, trade, bookTicker or REST depth snapshot.
    event : MarketEvent
        The parsed event (integer ticks and lots).
    payload : bytes
        The message's JSON as recorded: a stream message's ``data`` object, or the
        whole snapshot.
    """

    local_ts_ns: int
    venue: str
    symbol: str
    channel: Channel
    event: MarketEvent
    payload: bytes


def _classify(body: bytes) -> tuple[bytes | None, Channel, bytes] | None:
    """``(symbol or None, channel, payload)`` of a line body, None for unknown streams."""
    if body.startswith(b'{"stream":"'):
        q = body.index(b'"', 11)
        at = body.index(b"@", 11, q)
        typ = body[at + 1:q]
        if typ == b"bookTicker":
            channel = Channel.BOOK_TICKER
        elif typ == b"trade":
            channel = Channel.TRADE
        elif typ.startswith(b"depth"):
            channel = Channel.DEPTH
        else:
            return None
        start = body.index(b'"data":', q) + 7
        return body[11:at].upper(), channel, body[start:body.rindex(b"}")]
    if body.startswith(b'{"lastUpdateId"'):
        return None, Channel.SNAPSHOT, body
    return None


def file_messages(path: str | Path, venue: str | None = None,
                  instruments: dict[StreamKey, Instrument] | None = None
                  ) -> dict[StreamKey, list[RecordedMessage]]:
    """Every recognised message of one file, per stream, in file order.

    Raises
    ------
    DataError
        If the file is malformed (see :func:`parse_file`), or its lines and parsed
        messages do not correspond.
    """
    tables, _ = parse_file(path, venue, instruments)
    by_symbol: dict[bytes, list[tuple[int, Channel, bytes]]] = {}
    single: list[tuple[int, Channel, bytes]] | None = None
    early: list[tuple[int, Channel, bytes]] = []
    for line in read_lines(path):
        sp = line.find(b" ")
        found = _classify(line[sp + 1:].rstrip(b"\r"))
        if found is None:
            continue
        symbol, channel, payload = found
        item = (int(line[:sp]), channel, payload)
        if symbol is None:  # a snapshot belongs to the file's single stream
            (single if single is not None else early).append(item)
            continue
        bucket = by_symbol.get(symbol)
        if bucket is None:
            bucket = by_symbol[symbol] = [*early]
            early.clear()
            if single is None:
                single = bucket
        bucket.append(item)
    out: dict[StreamKey, list[RecordedMessage]] = {}
    for table in tables:
        items = by_symbol.get(table.symbol.encode(), [])
        kinds = np.array([_KIND_OF[c] for _, c, _ in items], dtype=np.uint8)
        if len(items) != len(table) or not np.array_equal(kinds, table.messages["kind"]):
            raise DataError(f"{table.symbol}: raw lines and parsed messages do not correspond",
                            str(path))
        out[(table.venue, table.symbol)] = [
            RecordedMessage(ts, table.venue, table.symbol, channel, event, payload)
            for (ts, channel, payload), event in zip(items, table.events(), strict=True)
        ]
    return out


def _stream_messages(key: StreamKey, files: list[str], venue: str | None,
                     instruments: dict[StreamKey, Instrument] | None
                     ) -> Iterator[RecordedMessage]:
    for path in files:
        yield from file_messages(path, venue, instruments).get(key, [])


def recorded_messages(paths: Iterable[str | Path], venue: str | None = None,
                      instruments: dict[StreamKey, Instrument] | None = None
                      ) -> tuple[list[StreamKey], Iterator[RecordedMessage]]:
    """The streams of ``paths`` and their messages merged in local receive-time order.

    Files are read lazily, one per stream at a time (a day split across files replays
    as one stream).

    Returns
    -------
    streams : list of (venue, symbol)
        Every stream found.
    messages : iterator of RecordedMessage
        All of them, by increasing ``local_ts_ns`` (ties in stream order).

    Raises
    ------
    DataError
        If a file cannot be read or identified.
    """
    groups = group_streams([str(p) for p in paths], venue)
    sources = [_stream_messages(key, files, venue, instruments) for key, files in groups.items()]
    return list(groups), merge_events(sources)
