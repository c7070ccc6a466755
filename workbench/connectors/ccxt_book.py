"""ccxt's whole-book updates as our level deltas, at the cost of the levels that changed.

A ``watch_order_book`` call hands back ccxt's whole book. Comparing it with the previous
one would cost the size of the book on every update; instead the exchange object builds
its books from recording sides (:func:`install_recording_books` replaces the three book
factories every ``ccxt.pro`` class builds its books with). Each side remembers the prices
its ``storeArray`` touched since we last looked, and :class:`BookConverter` reads just those
levels back: O(changed levels) per update. A ``reset`` (a snapshot, on subscribing, on a
resync, or each message of a venue that sends whole books) becomes a
:class:`BookSnapshot`.

Events are numbered so that the venue's own :class:`~workbench.book.sync.SyncRule` accepts
them: each update continues the previous one, a snapshot starts a new chain, and
:func:`gap_marker` breaks it on purpose, so that every book downstream goes unsynced until
the next snapshot, exactly as after a gap in recorded data.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Mapping

import numpy as np

from workbench.book.sync import SyncRule
from workbench.connectors.instruments import Listing
from workbench.core.errors import ValidationError
from workbench.core.events import TS_UNKNOWN, BestBidOffer, BookDelta, BookSnapshot, Side, Trade

#: The rule for venues without one of their own: ids contiguous, the first after id+1.
CONTIGUOUS = SyncRule("contiguous", first_offset=1, chained_by_prev_id=False)

_EMPTY = np.zeros(0, dtype=np.int64)
_MS = 1_000_000
_GRID_ABS, _GRID_REL = 1e-9, 1e-14


def gap_marker(venue: str, symbol: str, local_ts_ns: int) -> BookDelta:
    """A level-less diff that follows nothing and is stale after any snapshot.

    Any :class:`~workbench.book.sync.BookSync` that takes it drops its book and waits for
    the next snapshot: how a feed says "the stream broke here" (a dropped socket, a
    checksum error) in the same terms as a sequence gap in recorded data.
    """
    return BookDelta(TS_UNKNOWN, local_ts_ns, venue, symbol, _EMPTY, _EMPTY, _EMPTY, _EMPTY,
                     -1, -1, -2)


class _RecordingSide:
    """Mixin for ccxt's book sides: remembers the prices it changed."""

    def __init__(self, deltas=(), depth=None):
        self.changed: dict[float, None] = {}
        super().__init__(deltas, depth)

    def storeArray(self, delta):  # ccxt's own name
        hashmap = getattr(self, "_hashmap", None)
        if hashmap is not None and len(delta) > 2 and delta[2] in hashmap:
            self.changed[abs(hashmap[delta[2]])] = None  # an order leaving its old price
        super().storeArray(delta)
        if delta[0] is not None:
            self.changed[delta[0]] = None

    def limit(self):
        excess = len(self) - self._depth
        if excess > 0:
            for level in self[-excess:]:
                self.changed[level[0]] = None
        super().limit()


_SIDE_CLASSES: dict[type, type] = {}


def _recording(cls: type) -> type:
    rec = _SIDE_CLASSES.get(cls)
    if rec is None:
        rec = _SIDE_CLASSES[cls] = type(f"Recording{cls.__name__}", (_RecordingSide, cls), {})
    return rec


def _book_class() -> type:
    from ccxt.async_support.base.ws.order_book import OrderBook

    class RecordingOrderBook(OrderBook):
        """ccxt's book, counting its resets."""

        resets = 0

        def reset(self, snapshot=None):
            self.resets += 1
            super().reset(snapshot or {})

    return RecordingOrderBook


_BOOK: list[type] = []


def _factory(asks_cls: type, bids_cls: type):
    def make(snapshot=None, depth=None):
        if not _BOOK:
            _BOOK.append(_book_class())
        snapshot = dict(snapshot or {})
        snapshot["asks"] = _recording(asks_cls)(snapshot.get("asks", []), depth)
        snapshot["bids"] = _recording(bids_cls)(snapshot.get("bids", []), depth)
        return _BOOK[0](snapshot, depth)
    return make


def install_recording_books(exchange) -> None:
    """Make ``exchange`` build every order book from recording sides."""
    from ccxt.async_support.base.ws import order_book_side as s

    exchange.order_book = _factory(s.Asks, s.Bids)
    exchange.counted_order_book = _factory(s.CountedAsks, s.CountedBids)
    exchange.indexed_order_book = _factory(s.IndexedAsks, s.IndexedBids)


def _units(value: float, step: float, what: str) -> int:
    x = value / step
    n = round(x)
    if not abs(x - n) <= _GRID_ABS + _GRID_REL * abs(x):
        raise ValidationError(f"{what} {value!r} is not on the grid {step}")
    return n


def _size_at(side: list, price: float) -> float:
    """Total size at ``price`` on a ccxt side (several entries where orders are indexed)."""
    keys = side._index
    key = -price if side.side else price
    i = bisect_left(keys, key)
    total = 0.0
    while i < len(keys) and keys[i] == key:
        total += side[i][1]
        i += 1
    return total


class BookConverter:
    """Turns one symbol's ccxt books into :class:`BookSnapshot` / :class:`BookDelta`.

    Parameters
    ----------
    listing : Listing
        The market: instrument grids and ccxt's amount step.
    rule : SyncRule
        The rule the venue's books are synchronised by downstream; events are numbered
        to satisfy it.
    """

    def __init__(self, listing: Listing, rule: SyncRule = CONTIGUOUS) -> None:
        inst = listing.instrument
        self.venue, self.symbol = inst.venue, inst.symbol
        self._tick = inst.tick_size_float
        self._step = float(listing.amount_step)
        self._rule = rule
        self._seq = 0
        self._book = None
        self._resets = -1
        self._need_snapshot = True
        self._mirror: tuple[dict[float, float], dict[float, float]] | None = None
        self.full_compares = 0

    @property
    def synced(self) -> bool:
        """False until a snapshot was emitted, and again after :meth:`gap`."""
        return not self._need_snapshot

    def gap(self, local_ts_ns: int) -> BookDelta:
        """The stream broke: a :func:`gap_marker`; the next update is a snapshot."""
        self._need_snapshot = True
        return gap_marker(self.venue, self.symbol, local_ts_ns)

    def on_book(self, book: Mapping, local_ts_ns: int) -> BookSnapshot | BookDelta | None:
        """The event for ccxt's book as it is now; None when no level changed.

        Raises
        ------
        ValidationError
            If a price or size is off the instrument's grid (the converter then waits
            for a snapshot).
        """
        exch = book.get("timestamp")
        exch_ns = int(exch) * _MS if exch is not None else TS_UNKNOWN
        bids, asks = book["bids"], book["asks"]
        recording = isinstance(getattr(bids, "changed", None), dict)
        try:
            if not recording:
                return self._compare(bids, asks, exch_ns, local_ts_ns)
            resets = getattr(book, "resets", 0)
            if self._need_snapshot or book is not self._book or resets != self._resets:
                self._book, self._resets = book, resets
                bids.changed.clear()
                asks.changed.clear()
                return self._snapshot(bids, asks, exch_ns, local_ts_ns)
            if not bids.changed and not asks.changed:
                return None
            bt, bl = self._changed(bids)
            at, al = self._changed(asks)
            return self._delta(bt, bl, at, al, exch_ns, local_ts_ns)
        except ValidationError:
            self._need_snapshot = True
            raise

    # -- pieces --------------------------------------------------------------------------
    def _side(self, levels) -> tuple[np.ndarray, np.ndarray]:
        tick, step = self._tick, self._step
        t = [_units(lv[0], tick, f"{self.symbol} price") for lv in levels]
        q = [_units(lv[1], step, f"{self.symbol} size") for lv in levels]
        return np.array(t, dtype=np.int64), np.array(q, dtype=np.int64)

    def _changed(self, side) -> tuple[np.ndarray, np.ndarray]:
        changed = side.changed
        if not changed:
            return _EMPTY, _EMPTY
        levels = [(p, _size_at(side, p)) for p in changed]
        changed.clear()
        return self._side(levels)

    def _snapshot(self, bids, asks, exch_ns: int, local_ns: int) -> BookSnapshot:
        bt, bl = self._side(bids)
        at, al = self._side(asks)
        self._seq += 1
        self._need_snapshot = False
        return BookSnapshot(exch_ns, local_ns, self.venue, self.symbol, bt, bl, at, al,
                            self._seq)

    def _delta(self, bt, bl, at, al, exch_ns: int, local_ns: int) -> BookDelta:
        prev = self._seq
        self._seq = prev + 1
        rule = self._rule
        return BookDelta(exch_ns, local_ns, self.venue, self.symbol, bt, bl, at, al,
                         prev + rule.first_offset, prev + 1,
                         prev if rule.chained_by_prev_id else -1)

    def _compare(self, bids, asks, exch_ns: int, local_ns: int):
        """A book ccxt did not build from recording sides (a REST poll): compared whole."""
        self.full_compares += 1
        new = ({lv[0]: lv[1] for lv in bids}, {lv[0]: lv[1] for lv in asks})
        old, self._mirror = self._mirror, new
        if self._need_snapshot or old is None:
            return self._snapshot(bids, asks, exch_ns, local_ns)
        sides = []
        for before, after in zip(old, new):
            levels = [(p, q) for p, q in after.items() if before.get(p) != q]
            levels += [(p, 0.0) for p in before if p not in after]
            sides.append(self._side(levels))
        (bt, bl), (at, al) = sides
        if not (len(bt) or len(at)):
            return None
        return self._delta(bt, bl, at, al, exch_ns, local_ns)


class _Converter:
    """One listing's grids, and a count of what was converted (ids where ccxt has none)."""

    def __init__(self, listing: Listing) -> None:
        inst = listing.instrument
        self.venue, self.symbol = inst.venue, inst.symbol
        self._tick = inst.tick_size_float
        self._step = float(listing.amount_step)
        self._count = 0


class TradeConverter(_Converter):
    """ccxt's trades as :class:`Trade` events (aggressor from ccxt's taker ``side``)."""

    def on_trade(self, trade: Mapping, local_ts_ns: int) -> Trade:
        """One ccxt trade.

        Raises
        ------
        ValidationError
            If the price or size is off the grid or the taker's side is not given.
        """
        side = trade.get("side")
        if side not in ("buy", "sell"):
            raise ValidationError(f"{self.symbol} trade {trade.get('id')}: no taker side")
        ts = trade.get("timestamp")
        self._count += 1
        raw_id = trade.get("id")
        trade_id = int(raw_id) if isinstance(raw_id, str) and raw_id.isdigit() else self._count
        return Trade(int(ts) * _MS if ts is not None else TS_UNKNOWN, local_ts_ns, self.venue,
                     self.symbol, _units(float(trade["price"]), self._tick, "trade price"),
                     _units(float(trade["amount"]), self._step, "trade size"),
                     Side.BUY if side == "buy" else Side.SELL, trade_id)


class TickerConverter(_Converter):
    """ccxt's tickers as :class:`BestBidOffer` events (None without both sides)."""

    def on_ticker(self, ticker: Mapping, local_ts_ns: int) -> BestBidOffer | None:
        """One ccxt ticker.

        Raises
        ------
        ValidationError
            If a price or size is off the grid.
        """
        bid, ask = ticker.get("bid"), ticker.get("ask")
        if bid is None or ask is None or not (math.isfinite(bid) and math.isfinite(ask)):
            return None
        ts = ticker.get("timestamp")
        self._count += 1
        tick, step = self._tick, self._step
        return BestBidOffer(int(ts) * _MS if ts is not None else TS_UNKNOWN, local_ts_ns,
                            self.venue, self.symbol, _units(bid, tick, "bid"),
                            _units(ticker.get("bidVolume") or 0.0, step, "bid size"),
                            _units(ask, tick, "ask"),
                            _units(ticker.get("askVolume") or 0.0, step, "ask size"),
                            self._count)
