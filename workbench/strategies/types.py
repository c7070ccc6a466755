"""What strategies read (top of book) and return (target quotes, taker orders)."""

from __future__ import annotations

from typing import NamedTuple

from workbench.core import Side


class TopOfBook(NamedTuple):
    """Best bid and ask of one instrument in ticks and lots.

    A missing side has ``None`` (or a non-positive value) as its price. The core's
    :class:`~workbench.core.BestBidOffer` has the same field names and can be passed
    wherever a ``TopOfBook`` is expected.
    """

    bid_ticks: int | None
    bid_lots: int
    ask_ticks: int | None
    ask_lots: int


class TakerOrder(NamedTuple):
    """A marketable limit order: ``side`` at ``price_ticks`` (the opposite best), ``size_lots``."""

    side: Side
    price_ticks: int
    size_lots: int
    reason: str


class TargetQuotes(NamedTuple):
    """A strategy's decision for one instrument.

    Attributes
    ----------
    bids, asks : tuple of (price_ticks, size_lots)
        Resting orders wanted on each side, best first; empty tuples quote nothing.
    taker : TakerOrder or None
        A marketable order to send now, if any.
    reasons : tuple of str
        Why the decision is what it is (every pull, widen, join, limit or no-quote).
    """

    bids: tuple[tuple[int, int], ...]
    asks: tuple[tuple[int, int], ...]
    taker: TakerOrder | None
    reasons: tuple[str, ...]

    @property
    def quoting(self) -> bool:
        """True if any resting order is wanted."""
        return bool(self.bids or self.asks)


def no_quote(reason: str) -> TargetQuotes:
    """The safe decision: no resting orders, no taker order, and why."""
    return TargetQuotes((), (), None, (reason,))


def book_problem(top: TopOfBook) -> str | None:
    """Why ``top`` cannot be quoted against (missing side, crossed or locked), else None."""
    bid, ask = top.bid_ticks, top.ask_ticks
    if bid is None or bid <= 0:
        return "no-quote:book has no bid"
    if ask is None or ask <= 0:
        return "no-quote:book has no ask"
    if bid >= ask:
        return "no-quote:book crossed or locked"
    return None
