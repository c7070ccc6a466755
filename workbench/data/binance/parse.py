"""Parse one recorded Binance raw-feed file into columnar normalised events.

A line is ``<local_recv_ts_ns> <raw JSON>``: a combined-stream message
(``{"stream": "<sym>@depth@..|@trade|@bookTicker", "data": {...}}``) or a REST depth
snapshot (``{"lastUpdateId": ..., "bids": [...], "asks": [...]}``).

The hot loop touches each line once: small messages go through ``orjson``; depth diffs
are cut at their level lists, which stay raw bytes and are converted for the whole file
at once (a single C-level number parse), then put on the instrument's tick and lot grids
with an exactness check. Anything malformed raises :class:`DataError` with the file and
line; unknown streams are counted and reported, not guessed at.
"""

from __future__ import annotations

import gzip
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson

from workbench.core.errors import DataError, ValidationError
from workbench.core.events import TS_UNKNOWN, EventKind
from workbench.core.instruments import Instrument
from workbench.data.binance.decimals import read_decimals
from workbench.data.binance.instruments import COINM, SPOT, USDM, VENUE_ALIASES, binance_instrument
from workbench.data.table import EventTable

_MS = 1_000_000
_DELTA, _SNAPSHOT, _TRADE, _BBO = (int(k) for k in (EventKind.DELTA, EventKind.SNAPSHOT,
                                                    EventKind.TRADE, EventKind.BBO))
_STRIP = b'[]"'
#: The numbers are read as JSON arrays of about this many bytes (bounded memory).
_CHUNK_BYTES = 1 << 19


@dataclass
class ParseReport:
    """What one file contained."""

    path: str
    lines: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    unknown_streams: dict[str, int] = field(default_factory=dict)
    first_unknown_line: int | None = None


class _StreamBuilder:
    """Accumulates one symbol's messages while the file is read.

    ``msgs`` holds one tuple per message: (kind, local_ts_ns, exch_ts_ns, seq_first,
    seq_last, seq_prev, rows with side +1, rows, line); ``parts`` holds the message's
    "price,size" pairs as comma-separated bytes, in row order.
    """

    __slots__ = ("msgs", "parts")

    def __init__(self) -> None:
        self.msgs: list[tuple[int, ...]] = []
        self.parts: list[bytes] = []


def read_lines(path: str | Path) -> list[bytes]:
    """Decompress (when gzip) and split a file into lines.

    Raises
    ------
    DataError
        If the gzip stream is corrupt or truncated.
    """
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(f"corrupt or truncated gzip: {exc}", str(path)) from None
    lines = raw.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    return lines


def venue_from_path(path: str | Path) -> str | None:
    """The venue named by a folder of the path (``spot``, ``usdm``, ``cm``...), if any."""
    for part in reversed(Path(path).parts[:-1]):
        if part.lower() in VENUE_ALIASES:
            return VENUE_ALIASES[part.lower()]
    return None


def _venue_from_message(body: bytes) -> str:
    if b'"ps":' in body or b'_PERP"' in body:
        return COINM
    if b'"pu":' in body or b'"X":' in body or b'"T":' in body:
        return USDM
    return SPOT


def parse_file(
    path: str | Path,
    venue: str | None = None,
    instruments: dict[tuple[str, str], Instrument] | None = None,
) -> tuple[list[EventTable], ParseReport]:
    """Parse one raw-feed file.

    Parameters
    ----------
    path : str or Path
        A ``.gz`` or plain text file of ``<ts_ns> <json>`` lines.
    venue : str, optional
        ``binance-spot``, ``binance-usdm`` or ``binance-coinm``; inferred from the path's
        folders or, failing that, from the first stream message.
    instruments : dict, optional
        Instruments for symbols outside the known set, keyed by ``(venue, symbol)``.

    Returns
    -------
    tables : list of EventTable
        One per symbol found in the file, rows in file order.
    report : ParseReport
        Line and message counts.

    Raises
    ------
    DataError
        On a corrupt file, a malformed line, a non-numeric, negative or off-grid price or
        size, or an unknown instrument; the message names the file and line.
    """
    return parse_lines(read_lines(path), str(path), venue or venue_from_path(path), instruments)


def parse_lines(
    lines: list[bytes],
    source: str = "<lines>",
    venue: str | None = None,
    instruments: dict[tuple[str, str], Instrument] | None = None,
    symbol: str | None = None,
    compiled_numbers: bool = False,
) -> tuple[list[EventTable], ParseReport]:
    """Parse ``<ts_ns> <json>`` lines already in memory (a file's, or a live feed's).

    Parameters
    ----------
    lines : list of bytes
        The lines, without their line ends.
    source : str
        Names the lines' origin in reports and errors (a path, or a live stream).
    venue, instruments : optional
        As for :func:`parse_file`; ``venue`` is inferred from the first stream message
        when not given.
    symbol : str, optional
        The single stream the lines belong to (lower-case stream name, e.g.
        ``"btcusdt"``): a depth snapshot then belongs to it even when no stream message
        comes with it.
    compiled_numbers : bool
        Read the levels' numbers with :mod:`~workbench.data.binance.decimals` (loaded
        with :func:`~workbench.data.binance.decimals.load` first; a live feed's choice),
        the same doubles as the default reader.

    Returns
    -------
    tables, report
        As for :func:`parse_file`.

    Raises
    ------
    DataError
        As for :func:`parse_file`, naming ``source`` and the line.
    """
    spath = source
    report = ParseReport(spath, lines=len(lines))
    builders: dict[bytes, _StreamBuilder] = {}
    if symbol is not None:
        builders[symbol.lower().encode()] = _StreamBuilder()
    loads = orjson.loads
    # A snapshot names no symbol: it belongs to the file's single stream. One that comes
    # before any stream message waits for that stream to appear.
    early_snapshots: list[tuple[int, int, dict]] = []
    for lineno, line in enumerate(lines, 1):
        sp = line.find(b" ")
        try:
            local_ts = int(line[:sp]) if sp > 0 else int("x")
            body = line[sp + 1:]
            if body.startswith(b'{"stream":"'):
                q = body.index(b'"', 11)
                at = body.index(b"@", 11, q)
                typ = body[at + 1:q]
                b = builders.get(body[11:at])
                if b is None:
                    if venue is None:
                        venue = _venue_from_message(body)
                    b = builders[body[11:at]] = _StreamBuilder()
                    for snap_line, snap_ts, snap in early_snapshots:
                        _snapshot(b, snap, snap_ts, snap_line, spath)
                    early_snapshots.clear()
                if typ == b"bookTicker":
                    d = loads(body)["data"]
                    exch = d["E"] * _MS if "E" in d else TS_UNKNOWN
                    b.msgs.append((_BBO, local_ts, exch, d["u"], d["u"], -1, 1, 2, lineno))
                    b.parts.append(f'{d["b"]},{d["B"]},{d["a"]},{d["A"]}'.encode())
                elif typ == b"trade":
                    d = loads(body)["data"]
                    # m: the buyer was the maker, so the aggressor sold (no row on side +1).
                    # Stamped with the trade time T: the event time E can be later than
                    # that of the depth diff that already shows the trade.
                    b.msgs.append((_TRADE, local_ts, d["T"] * _MS, d["t"], d["t"], -1,
                                   0 if d["m"] else 1, 1, lineno))
                    b.parts.append(f'{d["p"]},{d["q"]}'.encode())
                elif typ.startswith(b"depth"):
                    _depth(b, body, local_ts, lineno)
                else:
                    name = typ.decode(errors="replace")
                    report.unknown_streams[name] = report.unknown_streams.get(name, 0) + 1
                    report.first_unknown_line = report.first_unknown_line or lineno
            elif body.startswith(b'{"lastUpdateId"'):
                if len(builders) > 1:
                    raise DataError("a depth snapshot in a file of several symbols", spath, lineno)
                if builders:
                    _snapshot(next(iter(builders.values())), loads(body), local_ts, lineno, spath)
                else:
                    early_snapshots.append((lineno, local_ts, loads(body)))
            else:
                raise ValueError("neither a stream message nor a depth snapshot")
        except DataError:
            raise
        except (ValueError, KeyError, TypeError, IndexError, orjson.JSONDecodeError) as exc:
            raise DataError(f"malformed line: {_describe(exc)}", spath, lineno) from None
    if early_snapshots:
        raise DataError("a depth snapshot but no stream message", spath, early_snapshots[0][0])
    venue = venue or SPOT
    tables = [_finish(spath, venue, sym.decode().upper(), b, instruments, compiled_numbers)
              for sym, b in builders.items() if b.msgs]
    for t in tables:
        for kind, n in t.kind_counts().items():
            report.by_kind[kind] = report.by_kind.get(kind, 0) + n
    return tables, report


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc}"
    return str(exc) or type(exc).__name__


def _depth(b: _StreamBuilder, body: bytes, local_ts: int, lineno: int) -> None:
    if not body.endswith(b"]}}"):
        raise ValueError("a depth message cut short")
    i = body.index(b',"b":[')
    j = body.index(b'],"a":[', i)
    head = orjson.loads(body[:i] + b"}}")["data"]
    bids = body[i + 6:j + 1]
    asks = body[j + 7:body.rindex(b"]") + 1]
    n_bid = bids.count(b'"') // 4
    n_ask = asks.count(b'"') // 4
    empty = n_bid + n_ask == 0
    b.msgs.append((_DELTA, local_ts, head["E"] * _MS, head["U"], head["u"], head.get("pu", -1),
                   n_bid, 1 if empty else n_bid + n_ask, lineno))
    if empty:
        b.parts.append(b"0,0")
        return
    if n_bid:
        b.parts.append(bids)
    if n_ask:
        b.parts.append(asks)


def _snapshot(b: _StreamBuilder, snap: dict, local_ts: int, lineno: int, path: str) -> None:
    try:
        levels = snap["bids"] + snap["asks"]
        n_bid = len(snap["bids"])
        last_id = snap["lastUpdateId"]
        exch = snap["E"] * _MS if "E" in snap else TS_UNKNOWN
        text = ",".join(f"{p},{q}" for p, q in levels).encode()
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"malformed snapshot: {_describe(exc)}", path, lineno) from None
    b.msgs.append((_SNAPSHOT, local_ts, exch, last_id, last_id, -1, n_bid if levels else 0,
                   max(len(levels), 1), lineno))
    b.parts.append(text if levels else b"0,0")


def _parts_of(b: _StreamBuilder, m: int) -> int:
    """Number of ``parts`` entries message ``m`` wrote (a delta writes one per side)."""
    kind, n_bid, rows = b.msgs[m][0], b.msgs[m][6], b.msgs[m][7]
    if kind != _DELTA:
        return 1
    n_ask = rows - n_bid
    return (1 if n_bid else 0) + (1 if n_ask else 0)


def _finish(path: str, venue: str, symbol: str, b: _StreamBuilder,
            instruments: dict[tuple[str, str], Instrument] | None,
            compiled_numbers: bool = False) -> EventTable:
    try:
        inst = binance_instrument(venue, symbol, instruments)
    except ValidationError as exc:
        raise DataError(str(exc), path, b.msgs[0][8] if b.msgs else None) from None
    m = np.array(b.msgs, dtype=np.int64).reshape(-1, 9)
    n_rows = m[:, 7]
    total = int(n_rows.sum())
    numbers = _parse_numbers(b.parts, 2 * total, path, b, compiled_numbers)
    price, size = numbers[0::2], numbers[1::2]
    row_start = np.cumsum(n_rows) - n_rows
    kind = np.repeat(m[:, 0], n_rows)
    within = np.arange(total, dtype=np.int64) - np.repeat(row_start, n_rows)
    n_bid = np.repeat(m[:, 6], n_rows)
    side = np.where(within < n_bid, 1, -1).astype(np.int8)
    marker = (price == 0) & (size == 0) & ((kind == _DELTA) | (kind == _SNAPSHOT))
    side[marker] = 0
    live = ~marker
    price_ticks = np.zeros(total, dtype=np.int64)
    size_lots = np.zeros(total, dtype=np.int64)
    try:
        price_ticks[live] = inst.prices_to_ticks(price[live])
        size_lots[live] = inst.sizes_to_lots(size[live])
    except ValidationError:
        bad = _first_bad_row(inst, price, size, live)
        line = b.msgs[int(np.searchsorted(row_start, bad, side="right") - 1)][8]
        raise DataError(
            f"{symbol}: price {price[bad]!r} / size {size[bad]!r} is negative, zero-priced or "
            f"off the tick {inst.tick_size} / lot {inst.lot_size} grid", path, line) from None
    messages = {
        "kind": m[:, 0].astype(np.uint8),
        "local_ts_ns": m[:, 1].copy(),
        "exch_ts_ns": m[:, 2].copy(),
        "seq_first": m[:, 3].copy(),
        "seq_last": m[:, 4].copy(),
        "seq_prev": m[:, 5].copy(),
        "row_start": row_start,
        "n_rows": n_rows.copy(),
    }
    rows = {"side": side, "price_ticks": price_ticks, "size_lots": size_lots}
    return EventTable(venue, symbol, messages, rows)


def _first_bad_row(inst: Instrument, price: np.ndarray, size: np.ndarray,
                   live: np.ndarray) -> int:
    for i in np.flatnonzero(live):
        try:
            inst.prices_to_ticks(price[i:i + 1])
            inst.sizes_to_lots(size[i:i + 1])
        except ValidationError:
            return int(i)
    raise AssertionError("no bad row found")


def _parse_numbers(parts: list[bytes], expected: int, path: str, b: _StreamBuilder,
                   compiled: bool = False) -> np.ndarray:
    """Parse every decimal number of the file at once; locate the line on failure."""
    if expected == 0:
        return np.zeros(0, dtype=np.float64)
    if compiled:
        values = read_decimals(b",".join(parts), expected)
        if values is not None:
            return values
    blob = b",".join(parts).translate(None, _STRIP)
    if b"_" in blob or b" " in blob or b"\n" in blob:  # forms a decimal string is not
        values = None
    elif b"t" in blob or b"f" in blob or b"n" in blob:  # true, false, null, inf, nan
        values = _parse_text(blob)
    else:
        values = _parse_json(blob, expected)
    if values is None or len(values) != expected or np.isnan(values).any():
        _raise_bad_number(parts, path, b)
    return values


def _parse_json(blob: bytes, expected: int) -> np.ndarray | None:
    """Comma-separated decimals read as JSON arrays of numbers (orjson's reader, correctly
    rounded as ``float()`` is), chunk by chunk into one array; forms JSON does not allow
    (``+1``, ``.5``, ``01``) go to :func:`_parse_text`."""
    out = np.empty(expected, dtype=np.float64)
    n, start, size = 0, 0, len(blob)
    loads = orjson.loads
    try:
        while start < size:
            end = blob.find(b",", start + _CHUNK_BYTES) if size - start > _CHUNK_BYTES else -1
            end = size if end < 0 else end
            values = loads(b"[" + blob[start:end] + b"]")
            if n + len(values) > expected:
                return None
            out[n:n + len(values)] = values
            n, start = n + len(values), end + 1
    except (orjson.JSONDecodeError, TypeError, ValueError):
        return _parse_text(blob)
    return out if n == expected else None


def _parse_text(blob: bytes) -> np.ndarray | None:
    """Comma-separated numbers in one C-level pass (numpy's text reader, which rounds
    correctly, as ``float()`` does); None when any of them does not parse."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy warns, not raises, on text it cannot read
        try:
            return np.fromstring(blob, dtype=np.float64, sep=",")
        except (ValueError, DeprecationWarning):
            return None


def _raise_bad_number(parts: list[bytes], path: str, b: _StreamBuilder) -> None:
    """Slow path: find the first message whose numbers do not parse."""
    k = 0
    for m, msg in enumerate(b.msgs):
        rows = msg[7]
        n_parts = _parts_of(b, m)
        chunk = b",".join(parts[k:k + n_parts]).translate(None, _STRIP)
        k += n_parts
        fields = chunk.split(b",")
        try:
            values = [float(x) for x in fields]
        except ValueError:
            values = None
        if values is None or len(values) != 2 * rows or any(v != v for v in values):
            raise DataError(f"non-numeric price or size in {chunk[:80]!r}", path, msg[8])
    raise DataError("numbers do not parse", path)
