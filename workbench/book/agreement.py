"""Hold a local book against the venue's own top of book (Binance bookTicker).

A venue's best bid/offer message carries the update id it reflects. Whenever that id is
exactly the id the local book has reached, the two must agree to the lot: that is an
independent check of the book sync, made on the venue's own figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.book.sync import BookSync
from workbench.core.events import BestBidOffer


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One comparison that failed: the venue's view and ours."""

    update_id: int
    venue_bid: tuple[int, int]
    venue_ask: tuple[int, int]
    book_bid: tuple[int, int] | None
    book_ask: tuple[int, int] | None


@dataclass
class BboAgreement:
    """Counts how often, and where, a synced book disagrees with the venue's top of book.

    Parameters
    ----------
    max_pending : int
        Top-of-book messages kept while waiting for the book to reach their id.
    """

    max_pending: int = 100_000
    compared: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)
    _pending: dict[int, tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=dict,
                                                                          repr=False)

    def on_bbo(self, bbo: BestBidOffer, sync: BookSync) -> None:
        """Compare now if the book is at the message's id, else keep it for later."""
        self.on_top(bbo.update_id, (bbo.bid_ticks, bbo.bid_lots), (bbo.ask_ticks, bbo.ask_lots),
                    sync)

    def on_top(self, update_id: int, venue_bid: tuple[int, int], venue_ask: tuple[int, int],
               sync: BookSync) -> None:
        """:meth:`on_bbo` from plain values: the venue's ``(price_ticks, size_lots)`` of each
        side at ``update_id`` (a replay over columns makes no event objects)."""
        if not sync.synced:
            return
        last_id = sync.last_update_id
        if update_id == last_id:
            self._compare(update_id, venue_bid, venue_ask, sync)
        elif update_id > last_id:
            if len(self._pending) >= self.max_pending:
                self._prune(last_id)
            self._pending[update_id] = (venue_bid, venue_ask)

    def on_book_changed(self, sync: BookSync) -> None:
        """Call after a diff was applied: compare with a message waiting for this id."""
        if self._pending:
            top = self._pending.pop(sync.last_update_id, None)
            if top is not None:
                self._compare(sync.last_update_id, top[0], top[1], sync)

    @property
    def waiting(self) -> int:
        """Top-of-book messages kept until the book reaches their id."""
        return len(self._pending)

    @property
    def agreed(self) -> int:
        """Comparisons that matched exactly."""
        return self.compared - len(self.disagreements)

    def _compare(self, update_id: int, venue_bid: tuple[int, int], venue_ask: tuple[int, int],
                 sync: BookSync) -> None:
        self.compared += 1
        bid, ask = sync.book.best_bid(), sync.book.best_ask()
        if bid != venue_bid or ask != venue_ask:
            self.disagreements.append(Disagreement(update_id, venue_bid, venue_ask, bid, ask))

    def _prune(self, last_id: int) -> None:
        self._pending = {u: top for u, top in self._pending.items() if u > last_id}
        while len(self._pending) >= self.max_pending:
            self._pending.pop(next(iter(self._pending)))
