"""Replay one stream's book and hold it against the venue's top of book, fast.

:func:`replay_lines` takes a stream's files read by :func:`~workbench.data.binance.
book_lines.book_lines`: it makes event objects for the snapshots and diffs only, offers the
agreement check only the bookTickers whose id the book can reach (a few percent of a
recorded file), so that a replay costs little more than reading the file.
:func:`replay_events` is its reference twin over every event object, the loop any event
consumer runs; a test holds the two equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from workbench.book.agreement import BboAgreement
from workbench.book.sync import BookSync
from workbench.core.errors import DataError
from workbench.core.events import BestBidOffer, BookDelta, BookSnapshot, EventKind, Trade
from workbench.data.binance.book_lines import BookLines
from workbench.data.table import EventTable

_DELTA = int(EventKind.DELTA)


def replay_lines(files: list[BookLines], sync: BookSync,
                 agreement: BboAgreement) -> tuple[int, BestBidOffer | None]:
    """Feed a stream's files, in time order, to ``sync`` and ``agreement``, line by line.

    Only the bookTickers whose id the book can reach are parsed and offered to the
    agreement (see :func:`_comparable`), and the last one for its top of book.

    Parameters
    ----------
    files : list of BookLines
        The stream's files, each read for a replay.
    sync : BookSync
        The book to keep; it carries on from where it is.
    agreement : BboAgreement
        Collects the comparisons with the venue's top of book.

    Returns
    -------
    events : int
        Messages replayed (every kind).
    last_bbo : BestBidOffer or None
        The last top-of-book message.
    """
    wanted = _comparable(files, sync, agreement)
    on_top, on_changed = agreement.on_top, agreement.on_book_changed
    on_delta, on_snapshot = sync.on_delta, sync.on_snapshot
    n, last_bbo = 0, None
    for lines, want in zip(files, wanted, strict=True):
        table = lines.table
        tops = np.flatnonzero(want)
        order = np.argsort(np.concatenate((lines.book_line, lines.top_line[tops])),
                           kind="stable").tolist()
        n_book = len(lines.book_line)
        book_events = _book_events(table) if table is not None else iter(())
        kinds = table.messages["kind"].tolist() if table is not None else []
        parsed = lines.tops(tops)
        for i in order:
            if i < n_book:
                if (on_delta if kinds[i] == _DELTA else on_snapshot)(next(book_events)):
                    on_changed(sync)
            else:
                top = parsed[i - n_book]
                on_top(top.update_id, (top.bid_ticks, top.bid_lots),
                       (top.ask_ticks, top.ask_lots), sync)
        n += lines.messages
        n_top = len(lines.top_line)
        if n_top:
            last_bbo = lines.tops(np.array([n_top - 1]))[0]
    return n, last_bbo


def _book_events(table: EventTable) -> Iterator[BookDelta | BookSnapshot]:
    """The snapshots and diffs of ``table`` as :meth:`EventTable.events` gives them, the
    split of each message's rows into bids and asks found for all messages at once."""
    m, r = table.messages, table.rows
    start, n_rows = m["row_start"], m["n_rows"]
    side, px, sz = r["side"], r["price_ticks"], r["size_lots"]
    if not len(start):
        return
    n_bid = np.add.reduceat((side == 1).astype(np.int64), start)
    n_ask = np.where(side[start + n_rows - 1] == -1, n_rows - n_bid, 0)
    venue, symbol = table.venue, table.symbol
    for kind, local, exch, s1, s2, s3, a, nb, na in zip(
        m["kind"].tolist(), m["local_ts_ns"].tolist(), m["exch_ts_ns"].tolist(),
        m["seq_first"].tolist(), m["seq_last"].tolist(), m["seq_prev"].tolist(),
        start.tolist(), n_bid.tolist(), n_ask.tolist(), strict=True,
    ):
        e = a + nb
        if kind == _DELTA:
            yield BookDelta(exch, local, venue, symbol, px[a:e], sz[a:e], px[e:e + na],
                            sz[e:e + na], s1, s2, s3)
        else:
            yield BookSnapshot(exch, local, venue, symbol, px[a:e], sz[a:e], px[e:e + na],
                               sz[e:e + na], s2)


def _comparable(files: list[BookLines], sync: BookSync,
                agreement: BboAgreement) -> list[np.ndarray]:
    """Per file, which top-of-book messages may ever be compared: those whose id the
    book can reach (its id now, a waiting diff's, or any book message's last id, in this
    file or a later one). The others would only wait, which matters only where so many
    wait that some are pruned: then every message goes through, as in
    :func:`replay_events`."""
    if sum(len(f.top_id) for f in files) + agreement.waiting >= agreement.max_pending:
        return [np.ones(len(f.top_id), dtype=bool) for f in files]
    reachable = np.concatenate([f.table.messages["seq_last"] for f in files
                                if f.table is not None]
                               + [[sync.last_update_id, *sync.buffered_last_ids]])
    return [np.isin(f.top_id, reachable) for f in files]


def replay_events(events: Iterable, sync: BookSync,
                  agreement: BboAgreement) -> tuple[int, BestBidOffer | None]:
    """:func:`replay_lines` over event objects (its reference twin); same returns.

    Raises
    ------
    DataError
        On an event that is not a book message, a trade or a top of book.
    """
    last_bbo = None
    n = 0
    for event in events:
        n += 1
        if isinstance(event, BookDelta):
            if sync.on_delta(event):
                agreement.on_book_changed(sync)
        elif isinstance(event, BestBidOffer):
            last_bbo = event
            agreement.on_bbo(event, sync)
        elif isinstance(event, BookSnapshot):
            if sync.on_snapshot(event):
                agreement.on_book_changed(sync)
        elif not isinstance(event, Trade):
            raise DataError(f"unexpected event {type(event).__name__}")
    return n, last_bbo
