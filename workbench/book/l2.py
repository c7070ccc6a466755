"""An L2 order book in integer ticks and lots.

Levels live in one dict per side (price_ticks -> size_lots) and, for order, in one sorted
list of prices per side arranged so that the best price is at the end (bids ascending;
asks negated, ascending). A size change costs one dict store; a new or removed level one
binary search and a short memory move, short because books churn near the best price.
The best price is the list's last element and the top N levels its last N, so depth
queries never scan the book. The book never hides a crossed state: :attr:`L2Book.crossed`
says so, and the sync layer decides what to do about it.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable

import numpy as np

_NO_PRICE = -1


class L2Book:
    """Aggregated price levels of one instrument on one venue.

    Parameters
    ----------
    venue, symbol : str
        Identity of the book.
    """

    __slots__ = ("_ask_keys", "_asks", "_bid_keys", "_bids", "symbol", "venue")

    def __init__(self, venue: str = "", symbol: str = "") -> None:
        self.venue = venue
        self.symbol = symbol
        self._bids: dict[int, int] = {}
        self._asks: dict[int, int] = {}
        self._bid_keys: list[int] = []  # bid prices, ascending: best last
        self._ask_keys: list[int] = []  # negated ask prices, ascending: best last

    # -- updates -------------------------------------------------------------------------
    def clear(self) -> None:
        """Remove every level."""
        self._bids.clear()
        self._asks.clear()
        self._bid_keys.clear()
        self._ask_keys.clear()

    def apply_snapshot(
        self,
        bid_ticks: Iterable[int],
        bid_lots: Iterable[int],
        ask_ticks: Iterable[int],
        ask_lots: Iterable[int],
    ) -> None:
        """Replace the whole book with an image; levels with zero size are ignored."""
        self._bids = {t: q for t, q in zip(int_values(bid_ticks), int_values(bid_lots)) if q}
        self._asks = {t: q for t, q in zip(int_values(ask_ticks), int_values(ask_lots)) if q}
        self._bid_keys = sorted(self._bids)
        self._ask_keys = sorted(-t for t in self._asks)

    def apply_delta(
        self,
        bid_ticks: Iterable[int],
        bid_lots: Iterable[int],
        ask_ticks: Iterable[int],
        ask_lots: Iterable[int],
    ) -> None:
        """Set each listed level to its absolute size (0 deletes it)."""
        array = np.ndarray  # int_values, inline: plain ints from arrays
        self._apply_side(self._bids, self._bid_keys, zip(
            bid_ticks.tolist() if isinstance(bid_ticks, array) else bid_ticks,
            bid_lots.tolist() if isinstance(bid_lots, array) else bid_lots), 1)
        self._apply_side(self._asks, self._ask_keys, zip(
            ask_ticks.tolist() if isinstance(ask_ticks, array) else ask_ticks,
            ask_lots.tolist() if isinstance(ask_lots, array) else ask_lots), -1)

    def apply_levels(self, bid_ticks: np.ndarray, bid_lots: np.ndarray,
                     ask_ticks: np.ndarray, ask_lots: np.ndarray) -> None:
        """Set each level to its absolute size (0 deletes it), a price given several
        times taking its last size: :meth:`apply_delta` for the levels of many diffs at
        once, each price's last size found in one sort, so that the book touches every
        price once."""
        self._apply_arrays(self._bids, self._bid_keys, bid_ticks, bid_lots, 1)
        self._apply_arrays(self._asks, self._ask_keys, ask_ticks, ask_lots, -1)

    def set_level(self, is_bid: bool, price_ticks: int, size_lots: int) -> None:
        """Set one level to an absolute size (0 deletes it)."""
        if is_bid:
            self._apply_side(self._bids, self._bid_keys, ((price_ticks, size_lots),), 1)
        else:
            self._apply_side(self._asks, self._ask_keys, ((price_ticks, size_lots),), -1)

    @staticmethod
    def _apply_side(levels: dict[int, int], keys: list[int],
                    update: Iterable[tuple[int, int]], sign: int) -> None:
        # Level by level, in the order given (the last size given a price wins): a size
        # change is one dict store, and only a level that appears or goes touches the
        # sorted list. A diff's few dozen levels cost less so than building sets and
        # dicts of them, as the book is thousands of levels deep.
        for t, q in update:
            if t in levels:
                if q:
                    levels[t] = q
                else:
                    del levels[t]
                    del keys[bisect_left(keys, sign * t)]
            elif q:
                levels[t] = q
                insort(keys, sign * t)

    @staticmethod
    def _apply_arrays(levels: dict[int, int], keys: list[int], ticks: np.ndarray,
                      lots: np.ndarray, sign: int) -> None:
        if not len(ticks):
            return
        if len(ticks) > 1:  # each price once, with its last size
            last = len(ticks) - 1 - np.unique(ticks[::-1], return_index=True)[1]
            ticks, lots = ticks[last], lots[last]
        prices = ticks.tolist()
        fresh = set(prices).difference(levels)
        levels.update(zip(prices, lots.tolist(), strict=True))
        zero = lots == 0
        _rekey(levels, keys, fresh, ticks[zero].tolist() if zero.any() else [], sign)

    # -- top of book ---------------------------------------------------------------------
    @property
    def best_bid_ticks(self) -> int:
        """Best bid price in ticks, or -1 when the side is empty."""
        keys = self._bid_keys
        return keys[-1] if keys else _NO_PRICE

    @property
    def best_ask_ticks(self) -> int:
        """Best ask price in ticks, or -1 when the side is empty."""
        keys = self._ask_keys
        return -keys[-1] if keys else _NO_PRICE

    def best_bid(self) -> tuple[int, int] | None:
        """``(price_ticks, size_lots)`` of the best bid, or None when empty."""
        t = self.best_bid_ticks
        return None if t == _NO_PRICE else (t, self._bids[t])

    def best_ask(self) -> tuple[int, int] | None:
        """``(price_ticks, size_lots)`` of the best ask, or None when empty."""
        t = self.best_ask_ticks
        return None if t == _NO_PRICE else (t, self._asks[t])

    def best_levels(self) -> tuple[int | None, int, int | None, int]:
        """``(bid_ticks, bid_lots, ask_ticks, ask_lots)`` of the best levels in one call;
        a missing side has price None and size 0 (the fields of a top of book)."""
        bid_keys, ask_keys = self._bid_keys, self._ask_keys
        if bid_keys:
            bid = bid_keys[-1]
            bid_lots = self._bids[bid]
        else:
            bid, bid_lots = None, 0
        if ask_keys:
            ask = -ask_keys[-1]
            return bid, bid_lots, ask, self._asks[ask]
        return bid, bid_lots, None, 0

    @property
    def crossed(self) -> bool:
        """True when both sides exist and the best bid is at or above the best ask."""
        b, a = self.best_bid_ticks, self.best_ask_ticks
        return b != _NO_PRICE and a != _NO_PRICE and b >= a

    @property
    def bid_levels(self) -> int:
        """Number of bid levels."""
        return len(self._bids)

    @property
    def ask_levels(self) -> int:
        """Number of ask levels."""
        return len(self._asks)

    def size_at(self, is_bid: bool, price_ticks: int) -> int:
        """Size in lots resting at a price on one side (0 when no level)."""
        return (self._bids if is_bid else self._asks).get(price_ticks, 0)

    def sizes_at(self, is_bid: bool, prices: Iterable[int]) -> dict[int, int]:
        """``price_ticks -> size_lots`` resting at each of ``prices`` on one side (0 where
        there is no level)."""
        get = (self._bids if is_bid else self._asks).get
        return {price: get(price, 0) for price in prices}

    def mid_ticks(self) -> float:
        """Mid price in ticks (may be a half tick); NaN when a side is empty."""
        b, a = self.best_bid_ticks, self.best_ask_ticks
        if b == _NO_PRICE or a == _NO_PRICE:
            return float("nan")
        return (b + a) / 2.0

    def spread_ticks(self) -> int:
        """Best ask minus best bid in ticks; -1 when a side is empty (<= 0 means crossed)."""
        b, a = self.best_bid_ticks, self.best_ask_ticks
        if b == _NO_PRICE or a == _NO_PRICE:
            return _NO_PRICE
        return a - b

    def microprice_ticks(self) -> float:
        """Size-weighted mid: ``(bid * ask_size + ask * bid_size) / (bid_size + ask_size)``.

        Leans towards the side with less resting size. NaN when a side is empty.
        """
        b, a = self.best_bid_ticks, self.best_ask_ticks
        if b == _NO_PRICE or a == _NO_PRICE:
            return float("nan")
        qb, qa = self._bids[b], self._asks[a]
        return (b * qa + a * qb) / (qb + qa)

    # -- depth ---------------------------------------------------------------------------
    def top(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The best ``n`` levels of each side, best first.

        Returns
        -------
        bid_ticks, bid_lots, ask_ticks, ask_lots : numpy.ndarray of int64
            Shorter than ``n`` when a side has fewer levels.
        """
        bids = self._bid_keys[-n:][::-1] if n > 0 else []
        asks = [-k for k in self._ask_keys[-n:][::-1]] if n > 0 else []
        return (
            np.array(bids, dtype=np.int64),
            np.array([self._bids[t] for t in bids], dtype=np.int64),
            np.array(asks, dtype=np.int64),
            np.array([self._asks[t] for t in asks], dtype=np.int64),
        )

    def depth_within(self, distance_ticks: int) -> tuple[int, int]:
        """Total size in lots within ``distance_ticks`` of each side's best price.

        Returns
        -------
        (bid_lots, ask_lots) : tuple of int
            Sizes at prices ``>= best_bid - distance`` and ``<= best_ask + distance``.
        """
        bids, asks, bid_keys, ask_keys = self._bids, self._asks, self._bid_keys, self._ask_keys
        near_bids = bid_keys[bisect_left(bid_keys, self.best_bid_ticks - distance_ticks):]
        near_asks = ask_keys[bisect_left(ask_keys, -(self.best_ask_ticks + distance_ticks)):]
        return sum(bids[t] for t in near_bids), sum(asks[-k] for k in near_asks)

    def __repr__(self) -> str:
        return (
            f"L2Book({self.venue} {self.symbol} bid={self.best_bid()} ask={self.best_ask()} "
            f"levels={self.bid_levels}/{self.ask_levels}{' CROSSED' if self.crossed else ''})"
        )


def int_values(values: Iterable[int]) -> Iterable[int]:
    """Plain Python ints from a numpy array (dict keys must not be numpy scalars)."""
    return values.tolist() if isinstance(values, np.ndarray) else values


def _rekey(levels: dict[int, int], keys: list[int], fresh: set[int], gone: list[int],
           sign: int) -> None:
    """Levels set to 0 (``gone``) leave ``levels``; the sorted ``keys`` (prices times
    ``sign``) lose the ones the book had and gain the ``fresh`` ones that stay."""
    for t in gone:
        del levels[t]
    dropped = [t for t in gone if t not in fresh]  # levels the book had
    fresh.difference_update(gone)
    # Many changes (a live batch): one pass over the keys, or a sort of a sorted run and
    # a short tail, instead of a memory move per level.
    if len(dropped) > len(keys) >> 4:
        out = {sign * t for t in dropped}
        keys[:] = [k for k in keys if k not in out]
    else:
        for t in dropped:
            del keys[bisect_left(keys, sign * t)]
    if len(fresh) > len(keys) >> 6:
        keys.extend([sign * t for t in fresh])
        keys.sort()
    else:
        for t in fresh:
            insort(keys, sign * t)
