"""Walk one side of a book through a limit price, best level first."""

from __future__ import annotations

from collections.abc import Iterator

from workbench.book.l2 import L2Book

#: Ticks from the best price probed one by one before the rest of the side is sorted.
PROBE_TICKS = 32


def levels_through(book: L2Book, is_bid: bool, limit_ticks: int) -> Iterator[tuple[int, int]]:
    """The levels of one side that an opposite order limited at ``limit_ticks`` reaches.

    Bids at prices ``>= limit_ticks``, highest first, or asks at prices ``<= limit_ticks``,
    lowest first, as ``(price_ticks, size_lots)``. A walk nearly always ends within a few
    ticks of the best price: the first :data:`PROBE_TICKS` ticks are looked up one by one
    (cheap), and only a walk that goes further sorts the side's levels, in growing chunks.
    """
    best = book.best_bid_ticks if is_bid else book.best_ask_ticks
    if best < 0:
        return
    step = -1 if is_bid else 1
    span = (best - limit_ticks) * -step
    if span < 0:
        return
    size_at = book.size_at
    for i in range(min(span + 1, PROBE_TICKS)):
        price = best + step * i
        lots = size_at(is_bid, price)
        if lots:
            yield price, lots
    if span < PROBE_TICKS:
        return
    beyond = best + step * PROBE_TICKS
    n = 2 * PROBE_TICKS
    while True:
        bid_ticks, bid_lots, ask_ticks, ask_lots = book.top(n)
        ticks, lots = (bid_ticks, bid_lots) if is_bid else (ask_ticks, ask_lots)
        if len(ticks) < n or (ticks[-1] - limit_ticks) * step > 0:
            break
        n *= 2
    for price, size in zip(ticks.tolist(), lots.tolist()):
        if (price - beyond) * step >= 0 and (price - limit_ticks) * step <= 0:
            yield price, size
