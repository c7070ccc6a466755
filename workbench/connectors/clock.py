"""Receive stamps, and the offset between our clock and a venue's."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass


class ReceiveClock:
    """Stamps received messages: wall time in ns, strictly increasing.

    Every feed of one live source stamps with the same clock, so the stamps order all
    their messages as they arrived and no two are equal: merging the recorded streams by
    stamp (as a replay does) gives back the order the live run saw.
    """

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last = 0

    def now_ns(self) -> int:
        """The next stamp."""
        t = time.time_ns()
        if t <= self._last:
            t = self._last + 1
        self._last = t
        return t


@dataclass(frozen=True, slots=True)
class OffsetSample:
    """One exchange of times: ours before and after, the venue's in between."""

    sent_ns: int
    venue_ns: int
    received_ns: int

    @property
    def rtt_ns(self) -> int:
        """Round trip, ns."""
        return self.received_ns - self.sent_ns

    @property
    def offset_ns(self) -> int:
        """Venue time minus ours, taking the venue's stamp as made halfway."""
        return self.venue_ns - (self.sent_ns + self.received_ns) // 2


class ClockOffset:
    """The venue's clock relative to ours, from the samples of least round trip.

    The error of one sample is at most half its round trip, so of the last ``keep``
    samples the one with the shortest round trip is used.
    """

    def __init__(self, keep: int = 8) -> None:
        self._samples: deque[OffsetSample] = deque(maxlen=keep)

    def add(self, sample: OffsetSample) -> None:
        """Record a sample."""
        self._samples.append(sample)

    @property
    def known(self) -> bool:
        """Whether any sample was taken."""
        return bool(self._samples)

    @property
    def offset_ns(self) -> int:
        """Venue minus local time, ns (0 before any sample)."""
        if not self._samples:
            return 0
        return min(self._samples, key=lambda s: s.rtt_ns).offset_ns

    @property
    def error_bound_ns(self) -> int:
        """Half the round trip of the sample in use (the offset's worst error), ns."""
        if not self._samples:
            return 0
        return min(s.rtt_ns for s in self._samples) // 2

    def to_venue_ns(self, local_ns: int) -> int:
        """A local time on the venue's clock."""
        return local_ns + self.offset_ns
