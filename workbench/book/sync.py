"""Keep a local L2 book in step with a venue's snapshot + diff stream.

The venue-specific part is a :class:`SyncRule`: which diffs a snapshot makes stale,
which diff is the first to apply after it, and whether a diff follows the previous one.
Binance documents two such rules, one for spot and one for futures (USD-M and COIN-M).
On a sequence gap the book is cleared and flagged unsynced until the next snapshot
arrives; diffs that come before a snapshot are buffered and replayed against it, as the
venues' documentation prescribes. Nothing is ever applied across a gap.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from workbench.book.l2 import L2Book
from workbench.core.events import BookDelta, BookSnapshot


@dataclass(frozen=True, slots=True)
class SyncRule:
    """Sequence rules of one venue family.

    Parameters
    ----------
    name : str
        Rule name, for reports.
    first_offset : int
        The first diff after a snapshot with ``lastUpdateId = L`` must satisfy
        ``U <= L + first_offset <= u``; diffs with ``u < L + first_offset`` are stale.
    chained_by_prev_id : bool
        True when a diff names the previous diff's last id (``pu == previous u``,
        futures); False when ids are contiguous (``U == previous u + 1``, spot).
    """

    name: str
    first_offset: int
    chained_by_prev_id: bool

    def is_stale(self, snapshot_id: int, delta: BookDelta) -> bool:
        """True when the diff is entirely contained in the snapshot."""
        return delta.last_update_id < snapshot_id + self.first_offset

    def is_first(self, snapshot_id: int, delta: BookDelta) -> bool:
        """True when the diff is the one that continues the snapshot."""
        target = snapshot_id + self.first_offset
        return delta.first_update_id <= target <= delta.last_update_id

    def follows(self, prev_last_id: int, delta: BookDelta) -> bool:
        """True when the diff continues the previous one without a gap."""
        if self.chained_by_prev_id:
            return delta.prev_update_id == prev_last_id
        return delta.first_update_id == prev_last_id + 1


#: Binance spot: drop ``u <= L``; first has ``U <= L+1 <= u``; then ``U == prev u + 1``.
BINANCE_SPOT = SyncRule("binance-spot", first_offset=1, chained_by_prev_id=False)
#: Binance futures: drop ``u < L``; first has ``U <= L <= u``; then ``pu == prev u``.
BINANCE_FUTURES = SyncRule("binance-futures", first_offset=0, chained_by_prev_id=True)


class SyncState(StrEnum):
    """Whether the book may be trusted."""

    AWAITING_SNAPSHOT = "awaiting_snapshot"
    SYNCED = "synced"


@dataclass(frozen=True, slots=True)
class Gap:
    """A detected break in the diff sequence."""

    local_ts_ns: int
    expected_id: int
    got_first_id: int
    reason: str


@dataclass(slots=True)
class SyncStats:
    """Counters of one book's synchronisation."""

    snapshots: int = 0
    deltas_applied: int = 0
    deltas_stale: int = 0
    deltas_buffered_dropped: int = 0
    gaps: list[Gap] = field(default_factory=list)
    crossed_updates: int = 0

    @property
    def gap_count(self) -> int:
        """Number of gaps seen."""
        return len(self.gaps)


class BookSync:
    """Applies snapshots and diffs of one stream to an :class:`L2Book` under a rule.

    Parameters
    ----------
    rule : SyncRule
        The venue's sequence rules.
    venue, symbol : str
        Identity of the book.
    max_buffer : int
        Diffs kept while waiting for a snapshot; older ones are dropped and counted.
    """

    __slots__ = ("_awaiting_first", "_buffer", "_last_changed", "_last_event", "_last_id", "book",
                 "rule", "state", "stats")

    def __init__(self, rule: SyncRule, venue: str = "", symbol: str = "",
                 max_buffer: int = 100_000) -> None:
        self.rule = rule
        self.book = L2Book(venue, symbol)
        self.state = SyncState.AWAITING_SNAPSHOT
        self.stats = SyncStats()
        self._buffer: deque[BookDelta] = deque(maxlen=max_buffer)
        self._last_id = -1
        self._awaiting_first = False
        self._last_event: BookDelta | BookSnapshot | None = None
        self._last_changed = False

    @property
    def synced(self) -> bool:
        """True when the book is a faithful copy of the venue's."""
        return self.state is SyncState.SYNCED

    @property
    def last_update_id(self) -> int:
        """Venue sequence id the book reflects (-1 before the first snapshot)."""
        return self._last_id

    @property
    def buffered_last_ids(self) -> list[int]:
        """Last update ids of the diffs waiting for a snapshot, oldest first."""
        return [d.last_update_id for d in self._buffer]

    def on_snapshot(self, snap: BookSnapshot) -> bool:
        """Take a snapshot; returns True when the book was (re)built from it.

        A snapshot older than the book already reflects is ignored. Buffered diffs are
        then replayed: stale ones dropped, the first one checked against the snapshot.
        The very event object just taken, offered again, is answered as the first time
        without being applied twice (see :meth:`on_delta`).
        """
        if snap is self._last_event:
            return self._last_changed
        changed = self._on_snapshot(snap)
        self._last_event, self._last_changed = snap, changed
        return changed

    def on_delta(self, delta: BookDelta) -> bool:
        """Apply a diff if it continues the book; returns True when the book changed.

        The very event object just taken, offered again, is answered as the first time
        without being applied twice: two readers of one stream (a simulated exchange and
        an engine in a backtest) can share one book, the first to see each event applying
        it. A diff that merely repeats an earlier one is a different object and a gap.
        """
        if delta is self._last_event:
            return self._last_changed
        changed = self._on_delta(delta)
        self._last_event, self._last_changed = delta, changed
        return changed

    def on_deltas(self, deltas: Iterable[BookDelta]) -> int:
        """Take a run of diffs in arrival order; returns how many were applied.

        Every diff goes through the same checks as in :meth:`on_delta` (buffered before
        a snapshot, stale ones dropped, a gap clears the book), and the book, its id, its
        state and the counts end as after :meth:`on_delta` on each in turn. The levels
        the applied diffs set are put in the book once, at the end, the last size given
        to a price winning: a level set and removed within the run costs the book
        nothing. For a reader that looks at the book after the run only (a live feed's
        batch); :attr:`SyncStats.crossed_updates` counts the run once.
        """
        applied, last, accepted = self._take_run(deltas)
        if last is not None:
            self._last_event, self._last_changed = last, accepted
        return applied

    def _take_run(self, deltas: Iterable[BookDelta]) -> tuple[int, BookDelta | None, bool]:
        """The sequence checks of each diff in turn, the applied ones' levels put in the
        book at once; returns how many were applied, the last diff and whether it was."""
        run: list[BookDelta] = []
        applied = 0
        accept = self._accept
        last: BookDelta | None = None
        accepted = False
        for last in deltas:
            accepted = accept(last)
            if accepted:
                run.append(last)
                applied += 1
            elif self.state is not SyncState.SYNCED:  # a gap cleared the book
                run.clear()
        if run:
            book = self.book
            if len(run) == 1:
                d = run[0]
                book.apply_delta(d.bid_ticks, d.bid_lots, d.ask_ticks, d.ask_lots)
            else:
                book.apply_levels(*(np.concatenate([d[k] for d in run]) for k in range(4, 8)))
            if book.crossed:
                self.stats.crossed_updates += 1
        return applied, last, accepted

    def _on_snapshot(self, snap: BookSnapshot) -> bool:
        self.stats.snapshots += 1
        if self.state is SyncState.SYNCED and snap.last_update_id <= self._last_id:
            return False
        self.book.apply_snapshot(snap.bid_ticks, snap.bid_lots, snap.ask_ticks, snap.ask_lots)
        self._last_id = snap.last_update_id
        self.state = SyncState.SYNCED
        self._awaiting_first = True
        buffered = list(self._buffer)
        self._buffer.clear()
        if buffered:
            self._take_run(buffered)
        return True

    def _on_delta(self, delta: BookDelta) -> bool:
        if not self._accept(delta):
            return False
        book = self.book
        book.apply_delta(delta.bid_ticks, delta.bid_lots, delta.ask_ticks, delta.ask_lots)
        if book.crossed:
            self.stats.crossed_updates += 1
        return True

    def _accept(self, delta: BookDelta) -> bool:
        """The sequence checks: True when ``delta`` is the next to apply (its id is then
        the book's and it is counted applied); else it is buffered, stale or a gap."""
        if self.state is not SyncState.SYNCED:
            if len(self._buffer) == self._buffer.maxlen:
                self.stats.deltas_buffered_dropped += 1
            self._buffer.append(delta)
            return False
        rule = self.rule
        if self._awaiting_first:
            if rule.is_stale(self._last_id, delta):
                self.stats.deltas_stale += 1
                return False
            if not rule.is_first(self._last_id, delta):
                self._gap(delta, self._last_id + rule.first_offset,
                          "snapshot older than the diffs")
                return False
            self._awaiting_first = False
        elif not rule.follows(self._last_id, delta):
            self._gap(delta, self._last_id, "diff does not follow the previous one")
            return False
        self._last_id = delta.last_update_id
        self.stats.deltas_applied += 1
        return True

    def _gap(self, delta: BookDelta, expected_id: int, reason: str) -> None:
        self.stats.gaps.append(Gap(delta.local_ts_ns, expected_id, delta.first_update_id, reason))
        self.state = SyncState.AWAITING_SNAPSHOT
        self.book.clear()
        self._buffer.clear()
        self._buffer.append(delta)
