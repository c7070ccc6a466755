"""Shared by the benchmark scripts: where the recorded data is."""

from __future__ import annotations

import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BINANCE = REPO.parent / "shared" / "data" / "binance-multivenue-l2"


def binance_files() -> list[Path]:
    """Every recorded Binance file, or the bundled sample where ../shared is absent."""
    files = sorted(BINANCE.glob("*/*.gz"))
    if files:
        return files
    from workbench.data.sample import sample_paths

    return sample_paths()


def shared_files(names: tuple[str, ...]) -> list[Path] | None:
    """``names`` under ../shared's recorded Binance data, or None where any is absent."""
    paths = [BINANCE / n for n in names]
    return paths if all(p.exists() for p in paths) else None


def book_sync_pass(events) -> float:
    """Seconds to apply ``events`` to bare books (one :class:`BookSync` per stream, the
    plainest version of keeping books), the reference of several figures."""
    from workbench.book.sync import BookSync
    from workbench.core.events import BookDelta, BookSnapshot
    from workbench.data.binance.instruments import SYNC_RULES

    syncs = {k: BookSync(SYNC_RULES[k[0]], *k) for k in {(e.venue, e.symbol) for e in events}}
    t0 = time.perf_counter()
    for event in events:
        kind = type(event)
        if kind is BookDelta:
            syncs[(event.venue, event.symbol)].on_delta(event)
        elif kind is BookSnapshot:
            syncs[(event.venue, event.symbol)].on_snapshot(event)
    return time.perf_counter() - t0
