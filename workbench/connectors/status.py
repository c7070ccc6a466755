"""What a feed is doing, per stream: counts, sync state, staleness, resync times."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

log = logging.getLogger("workbench.connectors")


@dataclass
class StreamStatus:
    """Counters and state of one stream (one venue and symbol).

    ``synced`` is the book's state as the feed sees it; ``stale`` is set when no message
    came for the feed's ``stale_after_s``. ``resync_ms`` holds how long each loss of sync
    lasted (drop or gap to the next synced book), wall time.
    """

    venue: str
    symbol: str
    messages: int = 0
    events: int = 0
    bad_messages: int = 0
    unknown_messages: int = 0
    gaps: int = 0
    snapshots: int = 0
    synced: bool = False
    stale: bool = False
    last_local_ns: int = 0
    last_latency_ns: int = 0
    unsynced_since_ns: int = 0
    resync_ms: list[float] = field(default_factory=list)
    last_error: str = ""

    def on_unsynced(self, now_ns: int) -> None:
        """The book stopped being trustworthy at ``now_ns``."""
        if self.synced or not self.unsynced_since_ns:
            self.unsynced_since_ns = now_ns
        self.synced = False

    def on_synced(self, now_ns: int) -> None:
        """The book is in sync again."""
        if not self.synced and self.unsynced_since_ns:
            self.resync_ms.append((now_ns - self.unsynced_since_ns) / 1e6)
        self.synced = True
        self.unsynced_since_ns = 0

    @property
    def state(self) -> str:
        """``stale``, ``synced`` or ``unsynced``."""
        return "stale" if self.stale else "synced" if self.synced else "unsynced"


@dataclass
class FeedStatus:
    """One feed's connection counters and its streams."""

    name: str
    streams: dict[tuple[str, str], StreamStatus] = field(default_factory=dict)
    connects: int = 0
    drops: int = 0
    rate_limited: int = 0
    errors: int = 0
    clock_offset_ns: int = 0
    started_ns: int = field(default_factory=time.time_ns)

    def stream(self, venue: str, symbol: str) -> StreamStatus:
        """The status of one stream (made on first use)."""
        key = (venue, symbol)
        st = self.streams.get(key)
        if st is None:
            st = self.streams[key] = StreamStatus(venue, symbol)
        return st

    @property
    def messages(self) -> int:
        """Messages received over all streams."""
        return sum(s.messages for s in self.streams.values())

    def error(self, what: str, exc: BaseException | str) -> None:
        """Count and log an error (never raised further by a feed)."""
        self.errors += 1
        log.warning("%s: %s: %s", self.name, what, exc)


def status_line(feeds: list[FeedStatus], rate_per_s: float | None = None) -> str:
    """One line: messages (and rate), gaps, drops, and each stream's book state."""
    msgs = sum(f.messages for f in feeds)
    gaps = sum(s.gaps for f in feeds for s in f.streams.values())
    bad = sum(s.bad_messages for f in feeds for s in f.streams.values())
    drops = sum(f.drops for f in feeds)
    rate = f" {rate_per_s:,.0f}/s" if rate_per_s is not None else ""
    books = " ".join(f"{s.venue}:{s.symbol}={s.state}" for f in feeds
                     for s in f.streams.values())
    return f"msgs {msgs:,}{rate} gaps {gaps} bad {bad} drops {drops} | {books}"
