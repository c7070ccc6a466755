"""Fill intensity from our own quotes: a journal's orders, the time they rested at each
depth from the mid, and the fills they got.

Each resting order (not IOC) is a quote from its acceptance (or placement) to its first
fill, cancel, rejection or amendment (an amendment starts a new quote at the new price).
Its life is cut at a ``grid_s`` time grid; each piece rests at the depth ``mid - price``
(bids) or ``price - mid`` (asks) from the mid at the start of the piece, for the piece's
length, and the first fill counts in the piece it falls in. The pieces, binned by depth
in ticks, are the exposures and counts of
:func:`~workbench.calibration.intensity.fit_exposure_intensity`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.calibration.intensity import IntensityFit, fit_exposure_intensity
from workbench.core import DataError, Instrument
from workbench.core.commands import (
    Accepted,
    Amended,
    Canceled,
    Filled,
    Place,
    Rejected,
    TimeInForce,
)
from workbench.core.events import EventKind
from workbench.data.table import EventTable


@dataclass(frozen=True)
class Quotes:
    """Resting quotes of one market: side (+1 bid), price, start and end (ns), filled."""

    side: np.ndarray
    price_ticks: np.ndarray
    start_ns: np.ndarray
    end_ns: np.ndarray
    filled: np.ndarray


def journal_quotes(journal_path: str | Path, venue: str, symbol: str) -> Quotes:
    """The resting quotes of ``(venue, symbol)`` in a journal (see the module docstring).

    Quotes still open at the end of the journal end at its last record's time.

    Raises
    ------
    DataError
        If the journal holds no resting order of the market.
    """
    from workbench.execution.journal import read_records

    live: dict[int, list] = {}
    done: list[tuple[int, int, int, int, bool]] = []
    last = 0
    for entry in read_records(journal_path):
        r = entry.record
        ts = getattr(r, "ts_ns", 0)
        last = max(last, ts)
        if isinstance(r, Place):
            if r.venue == venue and r.symbol == symbol and r.tif is not TimeInForce.IOC:
                live[r.order_id] = [int(r.side), r.price_ticks, ts]
        elif isinstance(r, Accepted | Amended | Filled | Canceled | Rejected):
            q = live.get(r.order_id)
            if q is None:
                continue
            if isinstance(r, Accepted):
                q[2] = max(q[2], ts)
                continue
            done.append((q[0], q[1], q[2], ts, isinstance(r, Filled)))
            if isinstance(r, Amended):
                live[r.order_id] = [q[0], r.price_ticks, ts]
            else:
                del live[r.order_id]
    done += [(q[0], q[1], q[2], last, False) for q in live.values()]
    if not done:
        raise DataError(f"no resting order of {venue} {symbol} in {journal_path}",
                        str(journal_path))
    a = np.array(done, dtype=np.int64)
    return Quotes(a[:, 0], a[:, 1], a[:, 2], a[:, 3], a[:, 4].astype(bool))


def quote_exposures(quotes: Quotes, mid_ts_ns: np.ndarray, mid_ticks: np.ndarray,
                    grid_s: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(depth_ticks, exposure_s, fills)`` of each grid piece of each quote's life."""
    step = round(grid_s * 1e9)
    depth, expo, fills = [], [], []
    for side, price, start, end, filled in zip(quotes.side, quotes.price_ticks,
                                               quotes.start_ns, quotes.end_ns,
                                               quotes.filled):
        if end <= start:
            continue
        cuts = np.arange((start // step + 1) * step, end, step, dtype=np.int64)
        lo = np.concatenate([[start], cuts])
        hi = np.concatenate([cuts, [end]])
        j = np.searchsorted(mid_ts_ns, lo, side="right") - 1
        ok = j >= 0
        d = side * (mid_ticks[np.maximum(j, 0)] - price)
        f = np.zeros(len(lo))
        if filled:
            f[-1] = 1.0
        depth.append(d[ok])
        expo.append((hi - lo)[ok] * 1e-9)
        fills.append(f[ok])
    if not depth:
        return np.empty(0), np.empty(0), np.empty(0)
    return np.concatenate(depth), np.concatenate(expo), np.concatenate(fills)


def fit_own_fills(journal_path: str | Path, table: EventTable, instrument: Instrument, *,
                  grid_s: float = 1.0, max_depth_price: float = 5.0) -> IntensityFit:
    """``A`` and ``k`` from our own quotes and fills in a journal over the market's mids.

    Parameters
    ----------
    journal_path : path
        The session's journal.
    table : EventTable
        The quoted market's stream (best bid/offers, local times as the journal's).
    instrument : Instrument
    grid_s : float
        Step at which a quote's depth is re-measured, seconds.
    max_depth_price : float
        Deepest depth kept, price units.

    Raises
    ------
    DataError
        If the journal holds no quote of the market or the stream no best bid/offer.
    ValidationError
        If fewer than two depths carry exposure.
    """
    quotes = journal_quotes(journal_path, table.venue, table.symbol)
    m, r = table.messages, table.rows
    bbo = m["kind"] == EventKind.BBO
    start = m["row_start"][bbo]
    bid, ask = r["price_ticks"][start], r["price_ticks"][start + 1]
    ok = bid < ask
    if not ok.any():
        raise DataError(f"{table.venue} {table.symbol}: no uncrossed best bid/offer")
    mid = 0.5 * (bid[ok] + ask[ok]).astype(np.float64)
    depth, expo, fills = quote_exposures(quotes, m["local_ts_ns"][bbo][ok], mid, grid_s)
    tick = instrument.tick_size_float
    keep = (depth * tick <= max_depth_price) & (depth > 0)
    bins = np.round(depth[keep] * 2).astype(np.int64)        # half ticks (mids are on them)
    uniq, inv = np.unique(bins, return_inverse=True)
    return fit_exposure_intensity(uniq * 0.5 * tick, np.bincount(inv, expo[keep]),
                                  np.bincount(inv, fills[keep]))
