"""Normalised market-data events.

Every event carries the venue's own timestamp (``exch_ts_ns``) and our receive time
(``local_ts_ns``), both integer nanoseconds since the Unix epoch, with the venue and the
symbol. Prices are integer ticks and sizes integer lots of the event's instrument.
Events are immutable named tuples: cheap to build, to compare and to pickle.
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

import numpy as np

#: ``exch_ts_ns`` of a message that carries no venue timestamp (Binance spot bookTicker).
TS_UNKNOWN = -1


class Side(IntEnum):
    """Side of an order, a book level or a trade's aggressor; the sign of a position change."""

    BUY = 1
    SELL = -1

    @property
    def opposite(self) -> Side:
        """The other side."""
        return Side(-self.value)


class EventKind(IntEnum):
    """Discriminant of the normalised events, as stored in columnar form."""

    SNAPSHOT = 1
    DELTA = 2
    TRADE = 3
    BBO = 4


class BookSnapshot(NamedTuple):
    """A full L2 book image (every level replaces the book).

    ``bid_ticks``/``bid_lots`` and ``ask_ticks``/``ask_lots`` are ``int64`` arrays.
    ``last_update_id`` is the venue's sequence number of the image.
    """

    exch_ts_ns: int
    local_ts_ns: int
    venue: str
    symbol: str
    bid_ticks: np.ndarray
    bid_lots: np.ndarray
    ask_ticks: np.ndarray
    ask_lots: np.ndarray
    last_update_id: int


class BookDelta(NamedTuple):
    """Level updates: each ``(ticks, lots)`` pair sets the level's absolute size; 0 deletes.

    ``first_update_id``..``last_update_id`` is the range of venue sequence numbers the
    message covers; ``prev_update_id`` is the previous message's last id where the venue
    sends it (Binance futures ``pu``), else -1.
    """

    exch_ts_ns: int
    local_ts_ns: int
    venue: str
    symbol: str
    bid_ticks: np.ndarray
    bid_lots: np.ndarray
    ask_ticks: np.ndarray
    ask_lots: np.ndarray
    first_update_id: int
    last_update_id: int
    prev_update_id: int


class Trade(NamedTuple):
    """A public trade; ``aggressor`` is the side of the taker."""

    exch_ts_ns: int
    local_ts_ns: int
    venue: str
    symbol: str
    price_ticks: int
    size_lots: int
    aggressor: Side
    trade_id: int


class BestBidOffer(NamedTuple):
    """The venue's own top of book (Binance bookTicker)."""

    exch_ts_ns: int
    local_ts_ns: int
    venue: str
    symbol: str
    bid_ticks: int
    bid_lots: int
    ask_ticks: int
    ask_lots: int
    update_id: int


MarketEvent = BookSnapshot | BookDelta | Trade | BestBidOffer
