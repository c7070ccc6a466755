"""Whether the engine quotes: on, paused with its quotes pulled, or paused holding them."""

from __future__ import annotations

from enum import StrEnum


class QuotingMode(StrEnum):
    """What the engine does with its quotes.

    In every mode the engine keeps applying reports, timers, order timeouts, the
    stale-data and crossed-book pulls and the kill switch; the modes differ only in what
    the maker (and the hedger) may do.
    """

    ON = "on"  # the maker quotes, the hedger hedges
    PULLED = "pulled"  # paused: no quotes, every resting quote is cancelled
    HELD = "held"  # paused: resting quotes stay as they are, none is added or moved
