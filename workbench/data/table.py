"""Columnar form of normalised events: a message table and a row table.

An :class:`EventTable` holds one stream (one venue and symbol). Each message (a book
delta, a snapshot, a trade, a best bid/offer) is one entry of the message columns; its
prices and sizes are ``n_rows`` consecutive entries of the row columns, starting at
``row_start``: one row per level for deltas and snapshots (bids first, ``side`` +1, then
asks, ``side`` -1), one row for a trade (``side`` = aggressor), two rows for a best
bid/offer (bid, then ask). A delta without levels keeps one marker row with ``side`` 0.

:meth:`EventTable.to_frame` gives the long form (one row per row entry, message fields
repeated), which is also what the Parquet store writes; :meth:`EventTable.from_frame`
reads it back, so a stored table replays exactly like the raw feed it came from.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from workbench.core.events import (
    BestBidOffer,
    BookDelta,
    BookSnapshot,
    EventKind,
    MarketEvent,
    Side,
    Trade,
)

if TYPE_CHECKING:  # pandas is imported where a frame is made: a replay needs none
    import pandas as pd

#: Message columns and their dtypes.
MESSAGE_COLUMNS: dict[str, np.dtype] = {
    "kind": np.dtype(np.uint8),
    "local_ts_ns": np.dtype(np.int64),
    "exch_ts_ns": np.dtype(np.int64),
    "seq_first": np.dtype(np.int64),  # delta U, snapshot lastUpdateId, trade id, bbo u
    "seq_last": np.dtype(np.int64),  # delta u, snapshot lastUpdateId, trade id, bbo u
    "seq_prev": np.dtype(np.int64),  # delta pu (futures), else -1
    "row_start": np.dtype(np.int64),
    "n_rows": np.dtype(np.int64),
}
#: Row columns and their dtypes.
ROW_COLUMNS: dict[str, np.dtype] = {
    "side": np.dtype(np.int8),
    "price_ticks": np.dtype(np.int64),
    "size_lots": np.dtype(np.int64),
}
#: Columns of the long form, in storage order.
FRAME_COLUMNS = ("local_ts_ns", "exch_ts_ns", "kind", "side", "price_ticks", "size_lots",
                 "msg", "seq_first", "seq_last", "seq_prev")

_BBO, _TRADE, _DELTA = int(EventKind.BBO), int(EventKind.TRADE), int(EventKind.DELTA)
KIND_NAMES = {k.value: k.name.lower() for k in EventKind}
_KIND_CODES = {name: code for code, name in KIND_NAMES.items()}


@dataclass(slots=True)
class EventTable:
    """Normalised events of one stream in columns (see the module docstring).

    Parameters
    ----------
    venue, symbol : str
        The stream's identity.
    messages : dict of str to numpy.ndarray
        One array per entry of :data:`MESSAGE_COLUMNS`.
    rows : dict of str to numpy.ndarray
        One array per entry of :data:`ROW_COLUMNS`.
    """

    venue: str
    symbol: str
    messages: dict[str, np.ndarray]
    rows: dict[str, np.ndarray]

    def __post_init__(self) -> None:
        n_msg = {len(self.messages[c]) for c in MESSAGE_COLUMNS}
        n_row = {len(self.rows[c]) for c in ROW_COLUMNS}
        if len(n_msg) > 1 or len(n_row) > 1:
            raise ValueError(f"{self.venue} {self.symbol}: columns of unequal length")

    def __len__(self) -> int:
        """Number of messages."""
        return len(self.messages["kind"])

    @property
    def row_count(self) -> int:
        """Number of rows (levels, trades, top-of-book sides)."""
        return len(self.rows["side"])

    def kind_counts(self) -> dict[str, int]:
        """Messages per kind, e.g. ``{"delta": 3451, "trade": 9757, ...}``."""
        counts = np.bincount(self.messages["kind"]).tolist()
        return {KIND_NAMES[k]: c for k, c in enumerate(counts) if c}

    @staticmethod
    def concat(tables: list[EventTable]) -> EventTable:
        """Join tables of the same stream in order."""
        if not tables:
            raise ValueError("nothing to concatenate")
        first = tables[0]
        if any((t.venue, t.symbol) != (first.venue, first.symbol) for t in tables):
            raise ValueError("cannot concatenate different streams")
        offsets = np.cumsum([0] + [t.row_count for t in tables[:-1]])
        messages = {
            c: np.concatenate([t.messages[c] + (off if c == "row_start" else 0)
                               for t, off in zip(tables, offsets, strict=True)])
            for c in MESSAGE_COLUMNS
        }
        rows = {c: np.concatenate([t.rows[c] for t in tables]) for c in ROW_COLUMNS}
        return EventTable(first.venue, first.symbol, messages, rows)

    def take(self, mask: np.ndarray) -> EventTable:
        """A table of the messages where ``mask`` is true (rows follow their messages)."""
        idx = np.flatnonzero(mask)
        n_rows = self.messages["n_rows"][idx]
        starts = self.messages["row_start"][idx]
        row_idx = np.repeat(starts - np.cumsum(n_rows) + n_rows, n_rows) + np.arange(n_rows.sum())
        messages = {c: self.messages[c][idx] for c in MESSAGE_COLUMNS}
        messages["row_start"] = np.cumsum(n_rows) - n_rows
        return EventTable(self.venue, self.symbol, messages,
                          {c: self.rows[c][row_idx] for c in ROW_COLUMNS})

    def to_frame(self) -> pd.DataFrame:
        """The long form: one row per row entry, message fields repeated.

        Columns: ``local_ts_ns, exch_ts_ns, venue, symbol, kind`` (categorical name),
        ``side, price_ticks, size_lots, msg`` (message number), ``seq_first, seq_last,
        seq_prev``.
        """
        import pandas as pd

        n = self.messages["n_rows"]
        rep = {c: np.repeat(self.messages[c], n) for c in
               ("local_ts_ns", "exch_ts_ns", "kind", "seq_first", "seq_last", "seq_prev")}
        frame = pd.DataFrame({
            "local_ts_ns": rep["local_ts_ns"],
            "exch_ts_ns": rep["exch_ts_ns"],
            "venue": pd.Categorical.from_codes(np.zeros(len(rep["kind"]), np.int8), [self.venue]),
            "symbol": pd.Categorical.from_codes(np.zeros(len(rep["kind"]), np.int8),
                                                [self.symbol]),
            "kind": pd.Categorical.from_codes(rep["kind"].astype(np.int8) - 1,
                                              [KIND_NAMES[k] for k in sorted(KIND_NAMES)]),
            "side": self.rows["side"],
            "price_ticks": self.rows["price_ticks"],
            "size_lots": self.rows["size_lots"],
            "msg": np.repeat(np.arange(len(n), dtype=np.int64), n),
            "seq_first": rep["seq_first"],
            "seq_last": rep["seq_last"],
            "seq_prev": rep["seq_prev"],
        })
        return frame

    @staticmethod
    def from_frame(frame: pd.DataFrame, venue: str, symbol: str) -> EventTable:
        """Inverse of :meth:`to_frame`; ``kind`` may be names or integer codes.

        Rows must be grouped by message (``msg`` non-decreasing), as written.
        """
        msg = np.asarray(frame["msg"], dtype=np.int64)
        if len(msg) == 0:
            starts = np.zeros(0, dtype=np.int64)
        else:
            starts = np.concatenate(([0], np.flatnonzero(np.diff(msg)) + 1)).astype(np.int64)
        n_rows = np.diff(np.append(starts, len(msg)))
        kind = frame["kind"]
        if not np.issubdtype(np.asarray(kind).dtype, np.integer):
            kind = kind.astype(str).map(_KIND_CODES)
        kind = np.asarray(kind, dtype=np.uint8)
        messages = {c: np.asarray(frame[c], dtype=MESSAGE_COLUMNS[c])[starts]
                    for c in ("local_ts_ns", "exch_ts_ns", "seq_first", "seq_last", "seq_prev")}
        messages.update(kind=kind[starts], row_start=starts, n_rows=n_rows.astype(np.int64))
        rows = {c: np.asarray(frame[c], dtype=ROW_COLUMNS[c]) for c in ROW_COLUMNS}
        return EventTable(venue, symbol, {c: messages[c] for c in MESSAGE_COLUMNS}, rows)

    def events(self) -> Iterator[MarketEvent]:
        """The messages as event objects, in order."""
        m, r = self.messages, self.rows
        venue, symbol = self.venue, self.symbol
        side, px, sz = r["side"], r["price_ticks"], r["size_lots"]
        pxl = px.tolist()
        szl = sz.tolist()
        empty = np.zeros(0, dtype=np.int64)
        start, count = m["row_start"], m["n_rows"]
        # Bid and ask rows of each message, counted for all of them at once.
        bids_before = np.concatenate(([0], np.cumsum(side == 1)))
        asks_before = np.concatenate(([0], np.cumsum(side == -1)))
        end = start + count
        n_bids = (bids_before[end] - bids_before[start]).tolist()
        n_asks = (asks_before[end] - asks_before[start]).tolist()
        for kind, local, exch, s1, s2, s3, a, n_bid, n_ask in zip(
            m["kind"].tolist(), m["local_ts_ns"].tolist(), m["exch_ts_ns"].tolist(),
            m["seq_first"].tolist(), m["seq_last"].tolist(), m["seq_prev"].tolist(),
            start.tolist(), n_bids, n_asks, strict=True,
        ):
            if kind == _BBO:
                yield BestBidOffer(exch, local, venue, symbol, pxl[a], szl[a], pxl[a + 1],
                                   szl[a + 1], s1)
            elif kind == _TRADE:
                yield Trade(exch, local, venue, symbol, pxl[a], szl[a],
                            Side.BUY if n_bid else Side.SELL, s1)
            else:
                e = a + n_bid
                bid_t, bid_l = (px[a:e], sz[a:e]) if n_bid else (empty, empty)
                ask_t, ask_l = (px[e:e + n_ask], sz[e:e + n_ask]) if n_ask else (empty, empty)
                if kind == _DELTA:
                    yield BookDelta(exch, local, venue, symbol, bid_t, bid_l, ask_t, ask_l,
                                    s1, s2, s3)
                else:
                    yield BookSnapshot(exch, local, venue, symbol, bid_t, bid_l, ask_t, ask_l,
                                       s2)
