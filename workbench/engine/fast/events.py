"""Flat event arrays for the compiled backtest, and hftbacktest's own input format.

:data:`EVENT_DTYPE` holds one row per level update, snapshot level, book clear or trade of
one stream, in the style of hftbacktest's ``event_dtype``, but in integers:

========================  ======  ==========================================================
field                     dtype   meaning
========================  ======  ==========================================================
``ev``                    uint64  kind in the low byte (:data:`DEPTH`, :data:`TRADE`,
                                  :data:`CLEAR`, :data:`SNAPSHOT`) or'ed with the flags
                                  :data:`EXCH_EVENT`, :data:`LOCAL_EVENT`,
                                  :data:`END_OF_MESSAGE` and :data:`SHOWN`
``exch_ts_ns``            int64   exchange time of the message
``local_ts_ns``           int64   local receive time (clock-corrected, see below)
``price_ticks``           int64   level or trade price (0 on a clear row)
``size_lots``             int64   absolute level size (0 deletes) or trade size
``side``                  int8    +1 bid level / buyer-aggressor trade, -1 ask level /
                                  seller-aggressor trade, 0 on a clear row
========================  ======  ==========================================================

The exchange processor reads the rows flagged :data:`EXCH_EVENT`, in ``exch_ts_ns`` order;
the local processor reads the rows flagged :data:`LOCAL_EVENT`, in ``local_ts_ns`` order.
Where the two orders agree a row carries both flags; where they do not (Binance stamps
trades and depth diffs from different clocks) a row appears twice, once for each side,
as in hftbacktest's ``correct_event_order``. :data:`END_OF_MESSAGE` marks the last row of
each venue message in both sequences: the exchange checks fills and the local strategy
requotes once per message, never on a half-applied diff.

Conversion from an :class:`~workbench.data.table.EventTable` (:func:`event_array`):

* book messages go through the venue's sequence rule, as :class:`~workbench.book.BookSync`
  does: diffs before the first snapshot are buffered and the ones the snapshot does not
  cover are replayed right after it, stamped with the snapshot's times; stale diffs are
  dropped; a sequence gap becomes a :data:`CLEAR` row and diffs are dropped until the next
  snapshot. A snapshot is a :data:`CLEAR` row followed by one :data:`SNAPSHOT` row per
  level. Best bid/offer messages and empty diffs are left out; every trade is kept.
* an unknown exchange time (spot snapshots carry none) becomes the local time, but never
  later than the next known exchange time, so the message keeps its place;
* the recorder's clock runs behind the exchange's, so every local time is shifted by
  the offset of a :class:`~workbench.execution.sim.FeedLatency` (``local_offset_ns``, by
  default the one that gives the fastest message of the recording's first 10 s no
  delay); the feed latency ``local - exch`` is clamped into ``[0, max_latency_ns]``, as
  the simulated exchange does with the same object;
* ``exchange_clock="venue"`` keeps the venue's times for the exchange processor (as
  hftbacktest does, and as :class:`~workbench.execution.sim.SimExchange` does when its
  latency model has a feed); ``"local"`` sets every exchange time to the local time, so
  that the exchange sees each message when we do (a simulated exchange without a feed);
* in the exchange sequence a trade print goes before depth diffs of the same exchange
  time: a diff received before the print may already show its volume, and the print
  must reach our queue first (see :mod:`workbench.execution.sim.feed`);
* a trade row is flagged :data:`SHOWN` when a depth diff came before it in the exchange
  sequence with a venue time (the message's own stamp, whatever the clock) not before
  the print's: that diff may already show the trade, and the exchange then counts it
  once in the queue as :meth:`~workbench.execution.sim.matcher.InstrumentMatcher.on_trade`
  does. With ``exchange_clock="venue"`` this is rare (1 print in several thousand or none
  on the bundled sample); with ``"local"`` it is every print received after such a diff.

:func:`to_hftbacktest` turns the same rows into hftbacktest's ``event_dtype`` (prices and
sizes in floats, side in the ``BUY_EVENT``/``SELL_EVENT`` bits, a clear row as one
``DEPTH_CLEAR_EVENT`` per side reaching the far end of the data's prices);
:func:`save_hftbacktest_npz` writes it the way hftbacktest's converters do.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import NamedTuple

import numpy as np

from workbench.book.sync import SyncRule
from workbench.core.errors import ValidationError
from workbench.core.events import TS_UNKNOWN, EventKind
from workbench.data.binance.instruments import SYNC_RULES
from workbench.data.table import EventTable
from workbench.execution.sim.feed import FeedLatency

#: Kind codes (the low byte of ``ev``), numbered as hftbacktest's.
DEPTH = 1
TRADE = 2
CLEAR = 3
SNAPSHOT = 4
#: The row is for the exchange processor, at ``exch_ts_ns``.
EXCH_EVENT = 1 << 31
#: The row is for the local processor, at ``local_ts_ns``.
LOCAL_EVENT = 1 << 30
#: The row is the last one of its message (in both sequences).
END_OF_MESSAGE = 1 << 27
#: A trade row after a depth diff of a venue time not before its own, in the exchange
#: sequence: the diff may already show the trade.
SHOWN = 1 << 26
#: Mask of the kind code.
KIND_MASK = 0xFF
#: Choices of ``exchange_clock``.
EXCHANGE_CLOCKS = ("venue", "local")

#: One row per level update, snapshot level, clear or trade (aligned: 48 bytes a row, so
#: the kernel reads each column with aligned loads).
EVENT_DTYPE = np.dtype([
    ("ev", np.uint64),
    ("exch_ts_ns", np.int64),
    ("local_ts_ns", np.int64),
    ("price_ticks", np.int64),
    ("size_lots", np.int64),
    ("side", np.int8),
], align=True)

#: hftbacktest's ``event_dtype`` (``hftbacktest.types.event_dtype``), spelled out so that
#: the conversion needs no hftbacktest import.
HFTBACKTEST_EVENT_DTYPE = np.dtype(
    [("ev", "u8"), ("exch_ts", "i8"), ("local_ts", "i8"), ("px", "f8"), ("qty", "f8"),
     ("order_id", "u8"), ("ival", "i8"), ("fval", "f8")],
    align=True,
)
_HBT_BUY = 1 << 29
_HBT_SELL = 1 << 28


class _Ids(NamedTuple):
    """The sequence ids a :class:`SyncRule` reads from a diff."""

    first_update_id: int
    last_update_id: int
    prev_update_id: int


def event_array(table: EventTable, rule: SyncRule | None = None,
                local_offset_ns: int | None = None,
                exchange_clock: str = "venue", feed: FeedLatency | None = None) -> np.ndarray:
    """Convert one stream to an :data:`EVENT_DTYPE` array (see the module docstring).

    Parameters
    ----------
    table : EventTable
        One stream's normalised messages, in receive order.
    rule : SyncRule, optional
        Sequence rule of the venue; looked up from the table's venue when omitted.
    local_offset_ns : int, optional
        Added to every local time; by default the ``feed``'s (or its rule's).
    exchange_clock : {"venue", "local"}
        Exchange times from the venue's stamps, or equal to the local times.
    feed : FeedLatency, optional
        The feed latency model shared with the simulated exchange (default
        ``FeedLatency()``); ``local_offset_ns``, when given, overrides its offset.

    Returns
    -------
    numpy.ndarray of EVENT_DTYPE

    Raises
    ------
    ValidationError
        If no rule is given and the venue has none, the table has no book snapshot, or
        ``exchange_clock`` is unknown.
    """
    if exchange_clock not in EXCHANGE_CLOCKS:
        raise ValidationError(f"exchange_clock must be one of {EXCHANGE_CLOCKS}: "
                              f"{exchange_clock!r}")
    if rule is None:
        if table.venue not in SYNC_RULES:
            raise ValidationError(f"no sync rule for venue {table.venue!r}: pass rule=")
        rule = SYNC_RULES[table.venue]
    feed = feed or FeedLatency()
    if local_offset_ns is not None:
        feed = dataclasses.replace(feed, local_offset_ns=int(local_offset_ns))
    order, stamp, clear, levels = _synced_messages(table, rule)
    rows = _rows(table, order, stamp, clear, levels)
    stamped = rows["exch_ts_ns"].copy()
    exch, local = _clock(stamped, rows["local_ts_ns"], _offset(table, feed))
    rows["exch_ts_ns"] = local if exchange_clock == "local" else feed.venue_ts_ns(exch, local)
    rows["local_ts_ns"] = local
    return order_rows(rows, stamped)


def _offset(table: EventTable, feed: FeedLatency) -> int:
    """The feed's offset over the messages a replay shows (no BBO, no empty diff)."""
    m = table.messages
    kind = m["kind"]
    shown = (kind != EventKind.BBO) & ((kind != EventKind.DELTA) | (m["n_rows"] > 0))
    return feed.offset_ns(m["local_ts_ns"][shown], m["exch_ts_ns"][shown])


def event_arrays(tables: dict[tuple[str, str], EventTable] | list[EventTable],
                 local_offset_ns: int | None = None, exchange_clock: str = "venue",
                 feed: FeedLatency | None = None) -> dict[tuple[str, str], np.ndarray]:
    """:func:`event_array` of each stream, keyed by ``(venue, symbol)``.

    Accepts a :class:`~workbench.data.binance.feed.RawFeed`'s ``streams`` or a list; the
    keyword arguments apply to every stream.
    """
    items = tables.values() if isinstance(tables, dict) else tables
    return {(t.venue, t.symbol): event_array(t, local_offset_ns=local_offset_ns,
                                             exchange_clock=exchange_clock, feed=feed)
            for t in items}


def _synced_messages(table: EventTable, rule: SyncRule):
    """Messages to emit, in order: ``(source, stamp, clear, levels)`` arrays.

    ``source`` gives the rows, ``stamp`` the timestamps; ``clear`` prepends a clear row
    and ``levels`` keeps the source's rows.
    """
    m = table.messages
    kind = m["kind"]
    first, last, prev = m["seq_first"], m["seq_last"], m["seq_prev"]
    book = np.flatnonzero((kind == EventKind.DELTA) | (kind == EventKind.SNAPSHOT))
    if not np.any(kind == EventKind.SNAPSHOT):
        raise ValidationError(f"{table.venue} {table.symbol}: no book snapshot in the table")
    out: list[tuple[int, int, int, int, bool, bool]] = []  # (key, sub, src, stamp, clr, lvl)
    synced = awaiting_first = False
    last_id = -1
    buffer: list[int] = []

    def on_delta(i: int, key: int, sub: int, stamp: int) -> None:
        nonlocal synced, awaiting_first, last_id, buffer
        if not synced:
            buffer.append(i)
            return
        ids = _Ids(int(first[i]), int(last[i]), int(prev[i]))
        if awaiting_first:
            if rule.is_stale(last_id, ids):
                return
            ok = rule.is_first(last_id, ids)
            awaiting_first = not ok
        else:
            ok = rule.follows(last_id, ids)
        if not ok:
            out.append((key, sub, i, stamp, True, False))
            synced, awaiting_first, buffer = False, False, [i]
            return
        out.append((key, sub, i, stamp, False, True))
        last_id = int(last[i])

    for i in book.tolist():
        if kind[i] == EventKind.SNAPSHOT:
            snap_id = int(last[i])
            if synced and snap_id <= last_id:
                continue
            out.append((i, 0, i, i, True, True))
            synced, awaiting_first, last_id = True, True, snap_id
            replay, buffer = buffer, []
            for sub, j in enumerate(replay, 1):
                on_delta(j, i, sub, i)
        else:
            on_delta(i, i, 0, i)
    trades = np.flatnonzero(kind == EventKind.TRADE)
    book_out = np.array([o[:4] for o in out], dtype=np.int64).reshape(-1, 4)
    flags = np.array([o[4:] for o in out], dtype=bool).reshape(-1, 2)
    key = np.concatenate([book_out[:, 0], trades])
    sub = np.concatenate([book_out[:, 1], np.zeros(len(trades), np.int64)])
    at = np.lexsort((sub, key))
    src = np.concatenate([book_out[:, 2], trades])[at]
    stamp = np.concatenate([book_out[:, 3], trades])[at]
    clear = np.concatenate([flags[:, 0], np.zeros(len(trades), bool)])[at]
    levels = np.concatenate([flags[:, 1], np.ones(len(trades), bool)])[at]
    return src, stamp, clear, levels


def _rows(table: EventTable, src: np.ndarray, stamp: np.ndarray, clear: np.ndarray,
          levels: np.ndarray) -> np.ndarray:
    """Rows of the emitted messages, unordered clocks, ``END_OF_MESSAGE`` set."""
    m, r = table.messages, table.rows
    n_level = np.where(levels, m["n_rows"][src], 0)
    n_out = n_level + clear.astype(np.int64)
    total = int(n_out.sum())
    msg = np.repeat(np.arange(len(src)), n_out)
    pos = np.arange(total) - np.repeat(np.cumsum(n_out) - n_out, n_out)
    is_clear = clear[msg] & (pos == 0)
    row = m["row_start"][src][msg] + pos - clear[msg].astype(np.int64)
    row = np.where(is_clear, 0, row)
    side = np.where(is_clear, 0, r["side"][row]).astype(np.int8)
    size = np.where(is_clear, 0, r["size_lots"][row])
    mkind = m["kind"][src][msg]
    keep = is_clear | ((side != 0) & ((mkind != EventKind.SNAPSHOT) | (size > 0)))
    msg, row, side, size, is_clear, mkind = (a[keep] for a in (msg, row, side, size,
                                                               is_clear, mkind))
    out = np.empty(len(msg), dtype=EVENT_DTYPE)
    code = np.select([is_clear, mkind == EventKind.SNAPSHOT, mkind == EventKind.TRADE],
                     [CLEAR, SNAPSHOT, TRADE], DEPTH).astype(np.uint64)
    end = np.ones(len(msg), dtype=bool)
    end[:-1] = msg[1:] != msg[:-1]
    out["ev"] = code | np.where(end, np.uint64(END_OF_MESSAGE), np.uint64(0))
    out["exch_ts_ns"] = m["exch_ts_ns"][stamp][msg]
    out["local_ts_ns"] = m["local_ts_ns"][stamp][msg]
    out["price_ticks"] = np.where(is_clear, 0, r["price_ticks"][row])
    out["size_lots"] = size
    out["side"] = side
    return out


def _clock(exch: np.ndarray, local: np.ndarray,
           local_offset_ns: int) -> tuple[np.ndarray, np.ndarray]:
    known = exch >= 0
    local = local + np.int64(local_offset_ns)
    if not known.all():
        nxt = np.full(len(exch), np.iinfo(np.int64).max, dtype=np.int64)
        idx = np.flatnonzero(known)
        after = np.searchsorted(idx, np.arange(len(exch)))
        has = after < len(idx)
        nxt[has] = exch[idx[after[has]]]
        exch = np.where(known, exch, np.minimum(local, nxt))
    return exch, local


def order_rows(rows: np.ndarray, venue_ts_ns: np.ndarray | None = None) -> np.ndarray:
    """Flag and order rows for the two processors (see the module docstring).

    ``rows`` is an :data:`EVENT_DTYPE` array in receive order (``END_OF_MESSAGE`` set,
    the ``EXCH``/``LOCAL``/``SHOWN`` flags ignored). Rows are first put in ``local_ts_ns``
    order (stably, so messages stay whole); the exchange sequence is the stable order of
    ``exch_ts_ns`` with trades before the other rows of an equal time. The two are merged
    on that key (the local copy of a row counts at the latest key seen so far in the
    local sequence) and a row whose two copies meet is written once with both flags.
    Trades are flagged :data:`SHOWN` from ``venue_ts_ns``, each row's own venue stamp
    (``TS_UNKNOWN`` where it has none; ``exch_ts_ns`` when not given).
    """
    base = rows["ev"] & ~np.uint64(EXCH_EVENT | LOCAL_EVENT | SHOWN)
    venue = rows["exch_ts_ns"] if venue_ts_ns is None else np.asarray(venue_ts_ns, np.int64)
    rows = rows.copy()
    rows["ev"] = base
    by_local = np.argsort(rows["local_ts_ns"], kind="stable")
    rows, venue = rows[by_local], venue[by_local]
    n = len(rows)
    # Twice the time, plus one for rows other than trades: trades first at equal times.
    ex_key = 2 * rows["exch_ts_ns"] + ((rows["ev"] & np.uint64(KIND_MASK)) != TRADE)
    exch_order = np.argsort(ex_key, kind="stable")
    if np.array_equal(exch_order, np.arange(n)):
        rows["ev"] |= np.uint64(EXCH_EVENT | LOCAL_EVENT)
        _flag_shown(rows, venue)
        return rows
    local_key = np.maximum.accumulate(ex_key)
    key = np.concatenate([ex_key[exch_order], local_key])
    idx = np.concatenate([exch_order, np.arange(n)])
    src = np.concatenate([np.zeros(n, np.int8), np.ones(n, np.int8)])
    at = np.lexsort((src, idx, key))
    key, idx, src = key[at], idx[at], src[at]
    pair = np.zeros(len(idx), dtype=bool)  # an exchange copy followed by its local copy
    pair[:-1] = (idx[:-1] == idx[1:]) & (src[:-1] == 0) & (src[1:] == 1)
    drop = np.zeros(len(idx), dtype=bool)
    drop[1:] = pair[:-1]
    out = rows[idx[~drop]]
    flag = np.where(pair, EXCH_EVENT | LOCAL_EVENT, np.where(src == 0, EXCH_EVENT, LOCAL_EVENT))
    out["ev"] |= flag[~drop].astype(np.uint64)
    _flag_shown(out, venue[idx[~drop]])
    return out


def _flag_shown(rows: np.ndarray, venue_ts_ns: np.ndarray) -> None:
    """Set :data:`SHOWN` on the exchange's trade rows that follow, in its sequence, a
    depth diff with a venue time not before their own."""
    ev = rows["ev"]
    kind = ev & np.uint64(KIND_MASK)
    exch = (ev & np.uint64(EXCH_EVENT)) != 0
    latest_diff = np.maximum.accumulate(np.where(exch & (kind == DEPTH), venue_ts_ns,
                                                 TS_UNKNOWN))
    shown = exch & (kind == TRADE) & (venue_ts_ns != TS_UNKNOWN) & (venue_ts_ns <= latest_diff)
    rows["ev"] = ev | np.where(shown, np.uint64(SHOWN), np.uint64(0))


def to_hftbacktest(events: np.ndarray, tick_size: float, lot_size: float) -> np.ndarray:
    """The rows of an :data:`EVENT_DTYPE` array in hftbacktest's ``event_dtype``.

    Prices are ``price_ticks * tick_size`` and sizes ``size_lots * lot_size``; a clear row
    becomes a bid clear down to the lowest price of the data and an ask clear up to the
    highest, so it empties both sides as the kernel's clear does. ``END_OF_MESSAGE`` has no
    counterpart and is dropped. Rows keep their order and processor flags.
    """
    kind = (events["ev"] & np.uint64(KIND_MASK)).astype(np.int64)
    flags = events["ev"] & np.uint64(EXCH_EVENT | LOCAL_EVENT)
    is_clear = kind == CLEAR
    reps = np.where(is_clear, 2, 1)
    out = np.zeros(int(reps.sum()), dtype=HFTBACKTEST_EVENT_DTYPE)
    src = np.repeat(np.arange(len(events)), reps)
    second = np.zeros(len(src), dtype=bool)
    second[1:] = src[1:] == src[:-1]
    side = events["side"][src]
    priced = events["price_ticks"][~is_clear]
    lo, hi = (int(priced.min()), int(priced.max())) if priced.size else (0, 0)
    bit = np.where(side > 0, _HBT_BUY, np.where(side < 0, _HBT_SELL, 0)).astype(np.uint64)
    clear_rows = is_clear[src]
    bit = np.where(clear_rows, np.where(second, _HBT_SELL, _HBT_BUY).astype(np.uint64), bit)
    out["ev"] = kind[src].astype(np.uint64) | flags[src] | bit
    out["exch_ts"] = events["exch_ts_ns"][src]
    out["local_ts"] = events["local_ts_ns"][src]
    ticks = np.where(clear_rows, np.where(second, hi, lo), events["price_ticks"][src])
    out["px"] = ticks * tick_size
    out["qty"] = events["size_lots"][src] * lot_size
    return out


def save_hftbacktest_npz(path: str | Path, data: np.ndarray) -> Path:
    """Write an hftbacktest ``event_dtype`` array as ``.npz`` (key ``data``, compressed)."""
    path = Path(path)
    np.savez_compressed(path, data=data)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")
