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

    def top(self, i: int) -> BestBidOffer:
        """bookTicker number ``i``, parsed and checked in full.

        Raises
        ------
        DataError
            If the line is malformed or its prices and sizes are off the grid.
        """
        lineno = int(self.top_line[i]) + 1
        line = self.lines[lineno - 1]
        inst = self.instrument
        try:
            sp = line.find(b" ")
            d = orjson.loads(line[sp + 1:])["data"]
            prices = inst.prices_to_ticks(np.array([float(d["b"]), float(d["a"])]))
            sizes = inst.sizes_to_lots(np.array([float(d["B"]), float(d["A"])]))
            exch = d["E"] * _MS if "E" in d else TS_UNKNOWN
            return BestBidOffer(exch, int(line[:sp]), inst.venue, inst.symbol,
                                int(prices[0]), int(sizes[0]), int(prices[1]), int(sizes[1]),
                                d["u"])
        except ValidationError as exc:
            raise DataError(str(exc), self.source, lineno) from None
        except (ValueError, KeyError, TypeError, orjson.JSONDecodeError) as exc:
            raise DataError(f"malformed line: {_describe(exc)}", self.source, lineno) from None


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
    name = symbol.lower().encode()
    b = _StreamBuilder()
    book_line: list[int] = []
    top_line: list[int] = []
    top_id: list[int] = []
    messages = 0
    for index, line in enumerate(lines):
        sp = line.find(b" ")
        try:
            local_ts = int(line[:sp]) if sp > 0 else int("x")
            body = line[sp + 1:]
            if body.startswith(b'{"stream":"'):
                at = body.index(b"@", 11)
                if body[11:at] != name:
                    continue
                typ = body[at + 1:body.index(b'"', at)]
                if venue is None:
                    venue = _venue_from_message(body)
                if typ == b"bookTicker":
                    u = body.index(b'"u":') + 4
                    top_id.append(int(body[u:body.index(b",", u)]))
                    top_line.append(index)
                elif typ.startswith(b"depth"):
                    _depth(b, body, local_ts, index + 1)
                    book_line.append(index)
                elif typ != b"trade":
                    continue  # an unknown stream: parse_lines reports it, counts no message
                messages += 1
            elif body.startswith(b'{"lastUpdateId"'):
                _snapshot(b, orjson.loads(body), local_ts, index + 1, source)
                book_line.append(index)
                messages += 1
            else:
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
