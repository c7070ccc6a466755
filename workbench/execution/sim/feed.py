"""Feed latency: the venue sees market data at its exchange time, we see it later.

A recorded message carries the venue's time (``exch_ts_ns``) and the recorder's receive
time (``local_ts_ns``). The recorder's clock is not the venue's (the bundled Binance
recorder runs about 1.27 s behind), so the receive times are first put on the venue's
clock by adding an offset: ``local' = local + offset``. ``local' - exch`` is then the
message's feed latency. By default the offset makes the fastest message of the first
:data:`OFFSET_WINDOW_NS` of the recording arrive with no delay (hftbacktest's
``correct_local_timestamp`` rule with no base latency, taken over a window so that a
replay can fix it before it starts); on the bundled sample that leaves a median feed
latency of about 2.4 ms on USD-M (p99 23 ms) and 2.1 ms on spot.

In a simulation the venue acts on each message at its exchange time, clamped into
``[local' - max_latency_ns, local']`` (a message is never seen by the venue after we see
it, nor more than ``max_latency_ns`` before; a message without a venue time is seen at
``local'``), and our strategy sees it at ``local'``. At equal exchange times a trade
print acts before a depth diff: Binance's diffs and trades come on separate streams and
3.4% of the USD-M trades of ETHUSDT on 2024-07-19 (1-1.4% on the other recordings) are
received after a diff that already shows them; in exchange-time order the print comes
first, so its volume advances the queue once (see :mod:`workbench.execution.sim.queue`).
Prints carry their trade time ``T`` and diffs their event time ``E``, which is not
earlier than the trade times of what they show: none of the sample's 46 remains late at
the venue. Without a feed latency the venue sees receive order, and the matcher pairs a
late print with the diff that showed it (see
:meth:`~workbench.execution.sim.matcher.InstrumentMatcher.on_trade`).

The same object drives :class:`~workbench.execution.sim.SimExchange` (through its
latency model's ``feed``) and the fast path's
:func:`~workbench.engine.fast.events.event_array`, so both put every message at the same
exchange and local times.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain

import numpy as np

from workbench.core.errors import ValidationError
from workbench.core.events import TS_UNKNOWN, MarketEvent, Trade

#: Span of local time at the start of a recording over which the clock offset is taken.
OFFSET_WINDOW_NS = 10_000_000_000
#: Priority of a message at an equal exchange time: trade prints before depth diffs.
TRADE_FIRST, BOOK_AFTER = 0, 1


@dataclass(frozen=True)
class FeedLatency:
    """How recorded market data reaches the venue and us (see the module docstring).

    Parameters
    ----------
    local_offset_ns : int, optional
        Added to every receive time to put it on the venue's clock; by default derived
        from the data (:meth:`offset_ns`).
    max_latency_ns : int
        Longest feed latency modelled, ns (> 0): the venue sees a message at most this
        long before we do. A replay reads this far ahead of the strategy.

    Raises
    ------
    ValidationError
        If an argument is not an int or out of range.
    """

    local_offset_ns: int | None = None
    max_latency_ns: int = 1_000_000_000

    def __post_init__(self) -> None:
        if self.local_offset_ns is not None and (isinstance(self.local_offset_ns, bool)
                                                 or not isinstance(self.local_offset_ns,
                                                                   int | np.integer)):
            raise ValidationError(f"local_offset_ns must be an int: {self.local_offset_ns!r}")
        m = self.max_latency_ns
        if isinstance(m, bool) or not isinstance(m, int | np.integer) or m <= 0:
            raise ValidationError(f"max_latency_ns must be a positive int: {m!r}")

    def offset_ns(self, local_ns: np.ndarray, exch_ns: np.ndarray) -> int:
        """The offset for messages with these receive and venue times (receive order).

        ``local_offset_ns`` if set; else ``max(0, -min(local - exch))`` over the messages
        with a venue time received within :data:`OFFSET_WINDOW_NS` of the first one (0
        when there is none).
        """
        if self.local_offset_ns is not None:
            return int(self.local_offset_ns)
        local = np.asarray(local_ns, dtype=np.int64)
        exch = np.asarray(exch_ns, dtype=np.int64)
        if not local.size:
            return 0
        window = (local < local[0] + OFFSET_WINDOW_NS) & (exch != TS_UNKNOWN)
        if not window.any():
            return 0
        return max(0, -int((local[window] - exch[window]).min()))

    def venue_ts_ns(self, exch_ns: np.ndarray, local_ns: np.ndarray) -> np.ndarray:
        """When the venue acts on each message: ``exch`` clamped into
        ``[local - max_latency_ns, local]`` (``local`` when unknown); ``local`` already
        carries the offset."""
        exch = np.asarray(exch_ns, dtype=np.int64)
        local = np.asarray(local_ns, dtype=np.int64)
        at = np.where(exch == TS_UNKNOWN, local, np.minimum(exch, local))
        return np.maximum(at, local - np.int64(self.max_latency_ns))

    def venue_time(self, event: MarketEvent) -> int:
        """:meth:`venue_ts_ns` of one event whose ``local_ts_ns`` carries the offset."""
        local, exch = event.local_ts_ns, event.exch_ts_ns
        at = local if exch == TS_UNKNOWN or exch > local else exch
        floor = local - self.max_latency_ns
        return at if at > floor else floor

    def retime(self, events: Iterable[MarketEvent]) -> Iterator[MarketEvent]:
        """The events with the offset added to their receive times, in the same order.

        The offset is fixed from the first :data:`OFFSET_WINDOW_NS` of events (read
        ahead) unless ``local_offset_ns`` is set.
        """
        it = iter(events)
        head: list[MarketEvent] = []
        offset = self.local_offset_ns
        if offset is None:
            for event in it:
                head.append(event)
                if event.local_ts_ns >= head[0].local_ts_ns + OFFSET_WINDOW_NS:
                    break
            offset = self.offset_ns(np.fromiter((e.local_ts_ns for e in head), np.int64,
                                                len(head)),
                                    np.fromiter((e.exch_ts_ns for e in head), np.int64,
                                                len(head)))
        if offset == 0:
            yield from chain(head, it)
            return
        new = tuple.__new__  # the events are named tuples: (exch_ts_ns, local_ts_ns, ...)
        for event in chain(head, it):
            yield new(type(event), (event[0], event[1] + offset, *event[2:]))

    def __repr__(self) -> str:
        return (f"FeedLatency(local_offset_ns={self.local_offset_ns}, "
                f"max_latency_ns={self.max_latency_ns})")


def priority(event: MarketEvent) -> int:
    """:data:`TRADE_FIRST` for a trade, else :data:`BOOK_AFTER`."""
    return TRADE_FIRST if type(event) is Trade else BOOK_AFTER
