"""Latency models: how long a command takes to reach the venue, and a report to come back.

Both models are stateless; the exchange passes its own seeded :class:`random.Random`, so
the draws are part of its deterministic run. Each may carry a
:class:`~workbench.execution.sim.feed.FeedLatency` (``feed``): then market data reaches
the venue at its exchange time and us after the recorded feed latency; without one the
venue sees each message when we do.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np

from workbench.core.errors import ValidationError
from workbench.core.events import TS_UNKNOWN, MarketEvent
from workbench.execution.sim.feed import FeedLatency


class LatencyModel(Protocol):
    """Draws one-way delays in integer nanoseconds.

    ``feed`` (a :class:`FeedLatency` or None) says when market data reaches the venue.
    """

    feed: FeedLatency | None

    def draw_entry_ns(self, rng: random.Random) -> int:
        """Delay from sending a command to its arrival at the venue, ns."""
        ...

    def draw_response_ns(self, rng: random.Random) -> int:
        """Delay from a venue action to its report reaching us, ns."""
        ...


class ConstantLatency:
    """The same delay every time.

    Parameters
    ----------
    entry_ns : int
        Command send → arrival at the venue.
    response_ns : int
        Venue action → report received.
    feed : FeedLatency, optional
        Market data's way to the venue and to us; None: the venue sees it when we do.

    Raises
    ------
    ValidationError
        If a delay is negative or not an int.
    """

    __slots__ = ("entry_ns", "feed", "response_ns")

    def __init__(self, entry_ns: int, response_ns: int,
                 feed: FeedLatency | None = None) -> None:
        self.entry_ns = _delay(entry_ns, "entry_ns")
        self.response_ns = _delay(response_ns, "response_ns")
        self.feed = _feed(feed)

    def draw_entry_ns(self, rng: random.Random) -> int:
        """``entry_ns``."""
        return self.entry_ns

    def draw_response_ns(self, rng: random.Random) -> int:
        """``response_ns``."""
        return self.response_ns

    def __repr__(self) -> str:
        return (f"ConstantLatency(entry_ns={self.entry_ns}, response_ns={self.response_ns}, "
                f"feed={self.feed!r})")


class RecordedLatency:
    """Delays drawn uniformly, with replacement, from recorded one-way feed latencies.

    Entry and response delays are independent draws from the same samples: the feed's
    venue → recorder delay stands in for both directions.

    Parameters
    ----------
    samples_ns : sequence of int
        Non-negative delays, ns.
    offset_ns : int
        The clock offset that was removed to get them (for the record; see
        :meth:`from_events`).
    feed : FeedLatency, optional
        Market data's way to the venue and to us; None: the venue sees it when we do.

    Raises
    ------
    ValidationError
        If there are no samples or one is negative.
    """

    __slots__ = ("_n", "_samples", "feed", "offset_ns")

    def __init__(self, samples_ns: Sequence[int], offset_ns: int = 0,
                 feed: FeedLatency | None = None) -> None:
        self.feed = _feed(feed)
        samples = [int(s) for s in samples_ns]
        if not samples:
            raise ValidationError("RecordedLatency needs at least one sample")
        if min(samples) < 0:
            raise ValidationError(f"latency samples must not be negative, min {min(samples)}")
        self._samples = samples
        self._n = len(samples)
        #: Clock offset removed from the recorded differences, ns (see :meth:`from_events`).
        self.offset_ns = int(offset_ns)

    @classmethod
    def from_events(cls, events: Iterable[MarketEvent], offset_quantile: float = 0.0,
                    venue: str | None = None) -> RecordedLatency:
        """Latencies from a recorded feed's receive times against the venue's timestamps.

        ``local_ts_ns - exch_ts_ns`` is the feed's delay plus the offset between the
        recorder's clock and the venue's. The recorder of the bundled Binance data runs
        about 1.27 s behind the venue, so the raw differences are negative. The offset is
        estimated as the ``offset_quantile`` quantile of the differences (0: the minimum,
        i.e. the fastest message is taken to have had no delay) and removed; differences
        below it are clipped to 0. The delays are thus relative to the fastest message,
        a slight underestimate of the true one-way latency.

        Parameters
        ----------
        events : iterable of MarketEvent
            Recorded events; those without a venue timestamp (``TS_UNKNOWN``) are skipped.
        offset_quantile : float
            Quantile in [0, 0.5] taken as the clock offset.
        venue : str, optional
            Only use events of this venue.

        Raises
        ------
        ValidationError
            If no event has a venue timestamp, or the quantile is out of range.
        """
        if not 0.0 <= offset_quantile <= 0.5:
            raise ValidationError(f"offset_quantile must be in [0, 0.5], got {offset_quantile}")
        diffs = np.fromiter(
            (e.local_ts_ns - e.exch_ts_ns for e in events
             if e.exch_ts_ns != TS_UNKNOWN and (venue is None or e.venue == venue)),
            dtype=np.int64,
        )
        if diffs.size == 0:
            raise ValidationError("no event with a venue timestamp to measure latency from")
        offset = int(np.quantile(diffs, offset_quantile, method="lower"))
        return cls(np.maximum(diffs - offset, 0).tolist(), offset)

    @property
    def samples_ns(self) -> np.ndarray:
        """The delays drawn from, ns."""
        return np.asarray(self._samples, dtype=np.int64)

    def draw_entry_ns(self, rng: random.Random) -> int:
        """One recorded delay, drawn with ``rng``."""
        return self._samples[int(rng.random() * self._n)]

    def draw_response_ns(self, rng: random.Random) -> int:
        """One recorded delay, drawn with ``rng``."""
        return self._samples[int(rng.random() * self._n)]

    def __repr__(self) -> str:
        return f"RecordedLatency({self._n} samples, offset_ns={self.offset_ns})"


def _feed(feed: FeedLatency | None) -> FeedLatency | None:
    if feed is not None and not isinstance(feed, FeedLatency):
        raise ValidationError(f"feed must be a FeedLatency or None, got {feed!r}")
    return feed


def _delay(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ValidationError(f"{name} must be a non-negative int of ns, got {value!r}")
    return int(value)
