"""Read a recorded stream for a book replay: the book messages in full, the rest in part.

A book replay needs every snapshot and diff; of a bookTicker only its update id, unless
the book reaches that id (then its prices too, for the comparison); of a trade only that
it is one. :func:`book_lines` reads a file's lines so: snapshots and diffs exactly as
:func:`~workbench.data.binance.parse.parse_lines` does (the same checks, the same errors
naming the line), a bookTicker's id by a cut at ``"u":``, trades counted, and
:meth:`BookLines.top` parses one bookTicker in full when it is wanted. A malformed line
of a kind the replay does not read is not looked at: ``read_raw_feed`` reports it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import orjson

from workbench.core.errors import DataError, ValidationError
from workbench.core.events import TS_UNKNOWN, BestBidOffer
from workbench.core.instruments import Instrument
from workbench.data.binance.instruments import SPOT, binance_instrument
from workbench.data.binance.parse import (
    _depth,
    _describe,
    _finish,
    _snapshot,
    _StreamBuilder,
    _venue_from_message,
)
from workbench.data.table import EventTable

_MS = 1_000_000


@dataclass
class BookLines:
    """One file of one stream, read for a book replay.

    Attributes
    ----------
    table : EventTable or None
        The snapshots and diffs (None when the file has none).
    book_line : numpy.ndarray
        Line index (from 0) of each message of ``table``.
    top_line, top_id : numpy.ndarray
        Line index and update id of each bookTicker.
    messages : int
        Messages of every kind, as :func:`parse_lines` would count them.
    """

    source: str
    lines: list[bytes]
    instrument: Instrument
    table: EventTable | None
    book_line: np.ndarray
    top_line: np.ndarray
    top_id: np.ndarray
    messages: int

    def tops(self, which: np.ndarray) -> list[BestBidOffer]:
        """bookTickers number ``which``, parsed and checked in full.

        Raises
        ------
        DataError
            If a line is malformed or its prices and sizes are off the grid.
        """
        inst = self.instrument
        out: list[tuple] = []
        numbers: list[float] = []
        lineno = 0
        try:
            for lineno in (self.top_line[which] + 1).tolist():
                line = self.lines[lineno - 1]
                sp = line.find(b" ")
                d = orjson.loads(line[sp + 1:])["data"]
                numbers += (float(d["b"]), float(d["a"]), float(d["B"]), float(d["A"]))
                out.append((d["E"] * _MS if "E" in d else TS_UNKNOWN, int(line[:sp]), d["u"]))
        except (ValueError, KeyError, TypeError, orjson.JSONDecodeError) as exc:
            raise DataError(f"malformed line: {_describe(exc)}", self.source, lineno) from None
        values = np.array(numbers, dtype=np.float64).reshape(-1, 4)
        try:
            prices = inst.prices_to_ticks(values[:, :2].ravel()).reshape(-1, 2).tolist()
            sizes = inst.sizes_to_lots(values[:, 2:].ravel()).reshape(-1, 2).tolist()
        except ValidationError:
            for i in range(len(out)):  # find the line
                try:
                    inst.prices_to_ticks(values[i, :2])
                    inst.sizes_to_lots(values[i, 2:])
                except ValidationError as exc:
                    raise DataError(str(exc), self.source,
                                    int(self.top_line[which][i]) + 1) from None
            raise
        venue, symbol = inst.venue, inst.symbol
        return [BestBidOffer(exch, local, venue, symbol, p[0], q[0], p[1], q[1], u)
                for (exch, local, u), p, q in zip(out, prices, sizes, strict=True)]


def book_lines(lines: list[bytes], source: str, venue: str | None, symbol: str,
               instruments: dict[tuple[str, str], Instrument] | None = None) -> BookLines:
    """Read the lines of stream ``symbol`` (upper case) for a book replay.

    Lines of other streams are skipped; a depth snapshot belongs to the file's stream.

    Raises
    ------
    DataError
        On a line that is neither a stream message nor a snapshot, a malformed snapshot
        or diff, a bookTicker without an id, or an unknown instrument.
    """
    b = _StreamBuilder()
    book_line: list[int] = []
    top_line: list[int] = []
    top_id: list[int] = []
    stream = b'{"stream":"' + symbol.lower().encode() + b"@"
    top_prefix, trade_prefix = stream + b'bookTicker"', stream + b'trade"'
    # The byte after a line's first "@" tells a stream message's kind at C speed: b for
    # a bookTicker, t a trade. Those of this stream are read here in bulk; every other
    # line (diffs, snapshots, other streams, anything odd) line by line below.
    try:
        tags = bytes([line[line.find(b"@") + 1] if line else 0 for line in lines])
    except IndexError:  # a line ending in "@": no kind, read line by line
        tags = bytes([line[i + 1] if 0 <= (i := line.find(b"@")) < len(line) - 1 else 0
                      for line in lines])
    tags = np.frombuffer(tags, dtype=np.uint8)
    careful = np.ones(len(lines), dtype=bool)
    trades = np.flatnonzero(tags == ord("t")).tolist()
    is_trade = [lines[i].startswith(trade_prefix, lines[i].find(b" ") + 1) for i in trades]
    careful[np.array(trades, dtype=np.int64)[np.array(is_trade, dtype=bool)]] = False
    messages = sum(is_trade)
    append_id, append_line = top_id.append, top_line.append
    for i in np.flatnonzero(tags == ord("b")).tolist():
        line = lines[i]
        sp = line.find(b" ")
        if sp > 0 and line.startswith(top_prefix, sp + 1):
            u = line.find(b'"u":', sp) + 4
            end = line.find(b",", u)
            if u > 3 and end > u and (digits := line[u:end]).isdigit():
                append_id(int(digits))
                append_line(i)
    careful[np.array(top_line, dtype=np.int64)] = False
    messages += len(top_line)
    for index in np.flatnonzero(careful).tolist():
        line = lines[index]
        sp = line.find(b" ")
        try:
            if sp <= 0:
                raise ValueError("no timestamp")
            if line.startswith(stream, sp + 1):
                at = sp + 1 + len(stream)
                if line.startswith(b"bookTicker", at):
                    raise ValueError("a bookTicker without its update id")
                if line.startswith(b"depth", at):
                    if venue is None:
                        venue = _venue_from_message(line)
                    _depth(b, line[sp + 1:], int(line[:sp]), index + 1)
                    book_line.append(index)
                    messages += 1
                # else an unknown stream: parse_lines reports it, counts no message
            elif line.startswith(b'{"lastUpdateId"', sp + 1):
                _snapshot(b, orjson.loads(line[sp + 1:]), int(line[:sp]), index + 1, source)
                book_line.append(index)
                messages += 1
            elif not line.startswith(b'{"stream":"', sp + 1):
                raise ValueError("neither a stream message nor a depth snapshot")
        except DataError:
            raise
        except (ValueError, KeyError, TypeError, IndexError, orjson.JSONDecodeError) as exc:
            raise DataError(f"malformed line: {_describe(exc)}", source, index + 1) from None
    venue = venue or SPOT
    try:
        inst = binance_instrument(venue, symbol, instruments)
    except ValidationError as exc:
        raise DataError(str(exc), source) from None
    table = _finish(source, venue, symbol, b, instruments) if b.msgs else None
    return BookLines(source, lines, inst, table, np.array(book_line, dtype=np.int64),
                     np.array(top_line, dtype=np.int64), np.array(top_id, dtype=np.int64),
                     messages)
