"""Replay several event streams as one, in local receive-time order.

Each source is a lazy iterator (a recorded stream read file by file, or a stored table),
so a replay of many venues holds only the current file of each stream in memory. Ties on
``local_ts_ns`` keep the order in which the sources were given, which makes a replay
deterministic.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator

from workbench.core.events import MarketEvent


def merge_events(sources: Iterable[Iterable[MarketEvent]]) -> Iterator[MarketEvent]:
    """Merge event streams, each already in ``local_ts_ns`` order, into one.

    Parameters
    ----------
    sources : iterable of iterables of events
        One per stream. Consumed lazily.

    Yields
    ------
    MarketEvent
        Events of every source by increasing ``local_ts_ns``; for equal times, in the
        order of the sources.
    """
    keyed = [_keyed(i, src) for i, src in enumerate(sources)]
    for _, _, event in heapq.merge(*keyed):
        yield event


def _keyed(index: int, source: Iterable[MarketEvent]) -> Iterator[tuple[int, int, MarketEvent]]:
    for event in source:
        yield (event.local_ts_ns, index, event)
