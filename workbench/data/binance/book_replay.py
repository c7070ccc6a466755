"""Replay one stream's book and hold it against the venue's top of book, fast.

:func:`replay_lines` takes a file read by :func:`~workbench.data.binance.book_lines.
book_lines`: it makes event objects for the snapshots and diffs only, and offers the
agreement check only the bookTickers whose id the book can reach (a few percent of a
recorded file), so that a replay costs little more than reading the file.
:func:`replay_events` is its reference twin over every event object, the loop any event
consumer runs; a test holds the two equal.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from workbench.book.agreement import BboAgreement
from workbench.book.sync import BookSync
from workbench.core.errors import DataError
from workbench.core.events import BestBidOffer, BookDelta, BookSnapshot, EventKind, Trade
from workbench.data.binance.book_lines import BookLines

_DELTA = int(EventKind.DELTA)


def replay_lines(lines: BookLines, sync: BookSync,
                 agreement: BboAgreement) -> tuple[int, BestBidOffer | None]:
    """Feed one file of a stream to ``sync`` and ``agreement``, in line order.

    Only the bookTickers whose id the book can reach are parsed and offered to the
    agreement (see :func:`_comparable`), and the file's last one for its top of book.

    Parameters
    ----------
    lines : BookLines
        The file, read for a replay.
    sync : BookSync
        The book to keep; it carries on from where it is.
    agreement : BboAgreement
        Collects the comparisons with the venue's top of book.

    Returns
    -------
    events : int
        Messages replayed (every kind).
    last_bbo : BestBidOffer or None
        The file's last top-of-book message.
    """
    table = lines.table
    book_ids = table.messages["seq_last"] if table is not None else np.zeros(0, np.int64)
    tops = np.flatnonzero(_comparable(lines.top_id, book_ids, sync, agreement))
    at = np.concatenate((lines.book_line, lines.top_line[tops]))
    order = np.argsort(at, kind="stable").tolist()
    n_book = len(lines.book_line)
    book_events = table.events() if table is not None else iter(())
    kinds = table.messages["kind"].tolist() if table is not None else []
    on_top, on_changed = agreement.on_top, agreement.on_book_changed
    on_delta, on_snapshot = sync.on_delta, sync.on_snapshot
    parsed = lines.tops(tops)
    for i in order:
        if i < n_book:
            if (on_delta if kinds[i] == _DELTA else on_snapshot)(next(book_events)):
                on_changed(sync)
        else:
            top = parsed[i - n_book]
            on_top(top.update_id, (top.bid_ticks, top.bid_lots), (top.ask_ticks, top.ask_lots),
                   sync)
    n_top = len(lines.top_line)
    last_bbo = lines.tops(np.array([n_top - 1]))[0] if n_top else None
    return lines.messages, last_bbo


def _comparable(top_ids: np.ndarray, book_ids: np.ndarray, sync: BookSync,
                agreement: BboAgreement) -> np.ndarray:
    """Which top-of-book messages may ever be compared: those whose id the book can
    reach (its id now, a waiting diff's, or a book message's last id). The others would
    only wait, which matters only where so many wait that some are pruned: then every
    message goes through, as in :func:`replay_events`."""
    if len(top_ids) + agreement.waiting >= agreement.max_pending:
        return np.ones(len(top_ids), dtype=bool)
    reachable = np.concatenate((book_ids, [sync.last_update_id, *sync.buffered_last_ids]))
    return np.isin(top_ids, reachable)


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
