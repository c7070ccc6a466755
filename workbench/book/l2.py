"""An L2 order book in integer ticks and lots.

Levels live in one dict per side (price_ticks -> size_lots). The best price of each side
is kept by a heap with lazy deletion, so a level update costs O(1) and a new best after
the old one is deleted costs O(log n) amortised. The book never hides a crossed state:
:attr:`L2Book.crossed` says so, and the sync layer decides what to do about it.
"""

from __future__ import annotations

import heapq
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

    __slots__ = ("_ask_heap", "_asks", "_bid_heap", "_bids", "symbol", "venue")

    def __init__(self, venue: str = "", symbol: str = "") -> None:
        self.venue = venue
        self.symbol = symbol
        self._bids: dict[int, int] = {}
        self._asks: dict[int, int] = {}
        self._bid_heap: list[int] = []  # negated ticks
        self._ask_heap: list[int] = []

    # -- updates -------------------------------------------------------------------------
    def clear(self) -> None:
        """Remove every level."""
        self._bids.clear()
        self._asks.clear()
        self._bid_heap.clear()
        self._ask_heap.clear()

    def apply_snapshot(
        self,
        bid_ticks: Iterable[int],
        bid_lots: Iterable[int],
        ask_ticks: Iterable[int],
        ask_lots: Iterable[int],
    ) -> None:
        """Replace the whole book with an image; levels with zero size are ignored."""
        self._bids = {t: q for t, q in zip(_ints(bid_ticks), _ints(bid_lots)) if q}
        self._asks = {t: q for t, q in zip(_ints(ask_ticks), _ints(ask_lots)) if q}
        self._bid_heap = [-t for t in self._bids]
        self._ask_heap = list(self._asks)
        heapq.heapify(self._bid_heap)
        heapq.heapify(self._ask_heap)

    def apply_delta(
        self,
        bid_ticks: Iterable[int],
        bid_lots: Iterable[int],
        ask_ticks: Iterable[int],
        ask_lots: Iterable[int],
    ) -> None:
        """Set each listed level to its absolute size (0 deletes it)."""
        self._apply_side(self._bids, self._bid_heap, _ints(bid_ticks), _ints(bid_lots), -1)
        self._apply_side(self._asks, self._ask_heap, _ints(ask_ticks), _ints(ask_lots), 1)

    def set_level(self, is_bid: bool, price_ticks: int, size_lots: int) -> None:
        """Set one level to an absolute size (0 deletes it)."""
        if is_bid:
            self._apply_side(self._bids, self._bid_heap, (price_ticks,), (size_lots,), -1)
        else:
            self._apply_side(self._asks, self._ask_heap, (price_ticks,), (size_lots,), 1)

    @staticmethod
    def _apply_side(
        levels: dict[int, int], heap: list[int], ticks: Iterable[int], lots: Iterable[int],
        sign: int,
    ) -> None:
        push = heapq.heappush
        for t, q in zip(ticks, lots):
            if q:
                if t not in levels:
                    push(heap, sign * t)
                levels[t] = q
            else:
                levels.pop(t, None)
        # Keep the heap from growing without bound under churn of new price levels.
        if len(heap) > 4 * len(levels) + 64:
            heap[:] = [sign * t for t in levels]
            heapq.heapify(heap)

    # -- top of book ---------------------------------------------------------------------
    @property
    def best_bid_ticks(self) -> int:
        """Best bid price in ticks, or -1 when the side is empty."""
        heap, levels = self._bid_heap, self._bids
        while heap:
            t = -heap[0]
            if t in levels:
                return t
            heapq.heappop(heap)
        return _NO_PRICE

    @property
    def best_ask_ticks(self) -> int:
        """Best ask price in ticks, or -1 when the side is empty."""
        heap, levels = self._ask_heap, self._asks
        while heap:
            t = heap[0]
            if t in levels:
                return t
            heapq.heappop(heap)
        return _NO_PRICE

    def best_bid(self) -> tuple[int, int] | None:
        """``(price_ticks, size_lots)`` of the best bid, or None when empty."""
        t = self.best_bid_ticks
        return None if t == _NO_PRICE else (t, self._bids[t])

    def best_ask(self) -> tuple[int, int] | None:
        """``(price_ticks, size_lots)`` of the best ask, or None when empty."""
        t = self.best_ask_ticks
        return None if t == _NO_PRICE else (t, self._asks[t])

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
        bids = heapq.nlargest(n, self._bids)
        asks = heapq.nsmallest(n, self._asks)
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
        b, a = self.best_bid_ticks, self.best_ask_ticks
        bid = sum(q for t, q in self._bids.items() if t >= b - distance_ticks) if b >= 0 else 0
        ask = sum(q for t, q in self._asks.items() if t <= a + distance_ticks) if a >= 0 else 0
        return bid, ask

    def __repr__(self) -> str:
        return (
            f"L2Book({self.venue} {self.symbol} bid={self.best_bid()} ask={self.best_ask()} "
            f"levels={self.bid_levels}/{self.ask_levels}{' CROSSED' if self.crossed else ''})"
        )


def _ints(values: Iterable[int]) -> Iterable[int]:
    """Plain Python ints from a numpy array (dict keys must not be numpy scalars)."""
    return values.tolist() if isinstance(values, np.ndarray) else values
