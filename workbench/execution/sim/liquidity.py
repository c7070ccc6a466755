"""Venue liquidity our own orders have used, so that no two of our orders use it twice."""

from __future__ import annotations

from collections.abc import Iterable


class TakenLiquidity:
    """Lots our orders took from the levels of one side of the venue's book.

    The recorded book does not know about our orders: after we take 3 lots from a level
    showing 5, it still shows 5 until the venue next updates that level. Until then only
    2 are available to our other orders; once the venue updates the level, its figure
    rules again (:meth:`forget`).
    """

    __slots__ = ("_lots",)

    def __init__(self) -> None:
        self._lots: dict[int, int] = {}

    def __bool__(self) -> bool:
        return bool(self._lots)

    def lots_at(self, price_ticks: int) -> int:
        """Lots taken at a price since the venue last updated it."""
        return self._lots.get(price_ticks, 0)

    def take(self, price_ticks: int, size_lots: int) -> None:
        """Record ``size_lots`` taken at ``price_ticks``."""
        self._lots[price_ticks] = self._lots.get(price_ticks, 0) + size_lots

    def forget(self, updated_ticks: Iterable[int]) -> None:
        """The venue updated these levels: what we took there is no longer counted."""
        lots = self._lots
        for price in updated_ticks:
            lots.pop(price, None)

    def clear(self) -> None:
        """The venue replaced the whole book (a snapshot)."""
        self._lots.clear()
