"""Markout-based adverse selection per venue and aggressor side.

Every public trade stands for a fill of a resting order: an aggressor buy fills a maker's
ask, an aggressor sell a maker's bid. ``h`` seconds later the fair mid has moved by

    adverse_bps = side * (fair(t + h) - fair(t)) / fair(t) * 1e4,

positive when it moved the aggressor's way, i.e. against the maker. ``fair(t + h)`` is
the fair mid after the last event at or before ``t + h``; the markout is known at the
first event after ``t + h``. Each (venue, side, horizon) keeps a notional-weighted decayed
mean (half-life ``half_life_s``) of its resolved markouts, and each (side, horizon) one
over every venue.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from math import exp

import numpy as np
import pandas as pd

from workbench.estimators.arrays import EventArrays, StreamSet, trade_notional
from workbench.estimators.decay import NS_PER_S, decay_rate_per_ns, decayed_cumsum


@dataclass(frozen=True)
class MarkoutParams:
    """Parameters of the markout estimator.

    Parameters
    ----------
    horizons_s : tuple of float
        Markout horizons, seconds.
    half_life_s : float
        Half-life of the decayed means, seconds.
    """

    horizons_s: tuple[float, ...] = (1.0, 5.0, 30.0)
    half_life_s: float = 60.0


class _Mean:
    """Notional-weighted decayed mean of markouts."""

    __slots__ = ("sa", "sw", "ts")

    def __init__(self) -> None:
        self.sa = self.sw = 0.0
        self.ts = 0

    def add(self, t: int, adverse_bps: float, weight: float, rate: float) -> None:
        f = exp((self.ts - t) * rate)
        self.sa = self.sa * f + weight * adverse_bps
        self.sw = self.sw * f + weight
        self.ts = t

    @property
    def value(self) -> float:
        return self.sa / self.sw if self.sw > 0.0 else 0.0


class Markout:
    """Streaming markouts: :meth:`on_trade` queues, :meth:`resolve` settles.

    Call :meth:`resolve` with each event's time *before* the event changes the fair mid,
    passing the fair mid as of the previous event; call :meth:`on_trade` after it.

    Parameters
    ----------
    streams : StreamSet
    params : MarkoutParams
    """

    __slots__ = (
        "_h_min",
        "_h_ns",
        "_pending",
        "_rate",
        "by_side",
        "by_venue",
        "horizons_s",
        "names",
        "next_due_ns",
        "resolutions",
    )

    def __init__(self, streams: StreamSet, params: MarkoutParams | None = None) -> None:
        p = params or MarkoutParams()
        self.names = streams.names
        self.horizons_s = p.horizons_s
        self._h_ns = [int(h * NS_PER_S) for h in p.horizons_s]
        self._h_min = min(self._h_ns)
        self._rate = decay_rate_per_ns(p.half_life_s)
        self._pending: list[deque] = [deque() for _ in p.horizons_s]
        #: Earliest due time of a queued markout (callers may skip :meth:`resolve` until
        #: an event comes after it).
        self.next_due_ns = 1 << 62
        #: Calls of :meth:`resolve` that settled markouts (the means change only then).
        self.resolutions = 0
        # [side index 0=sell aggressor, 1=buy][horizon]
        self.by_side = [[_Mean() for _ in p.horizons_s] for _ in range(2)]
        self.by_venue = [[[_Mean() for _ in p.horizons_s] for _ in range(2)]
                         for _ in range(len(streams))]

    def on_trade(self, i: int, t: int, side: int, notional: float, fair: float) -> None:
        """Queue a trade of stream ``i`` at ``t`` ns with the fair mid at that time."""
        if fair > 0.0 and notional > 0.0:
            for h, dq in zip(self._h_ns, self._pending):
                dq.append((t + h, fair, side, i, notional))
            if t + self._h_min < self.next_due_ns:
                self.next_due_ns = t + self._h_min

    def resolve(self, t: int, fair: float) -> None:
        """Settle the markouts due strictly before ``t`` with ``fair`` (their end mid)."""
        if t <= self.next_due_ns:
            return
        self.resolutions += 1
        nxt = 1 << 62
        for h, dq in enumerate(self._pending):
            if dq and dq[0][0] < t:
                rate = self._rate
                while dq and dq[0][0] < t:
                    _, m0, side, i, w = dq.popleft()
                    adverse = side * (fair - m0) / m0 * 1e4
                    s = 1 if side > 0 else 0
                    self.by_side[s][h].add(t, adverse, w, rate)
                    self.by_venue[i][s][h].add(t, adverse, w, rate)
            if dq and dq[0][0] < nxt:
                nxt = dq[0][0]
        self.next_due_ns = nxt

    def adverse_bps(self, side: int, horizon: int) -> float:
        """Mean adverse move over every venue, for aggressor ``side`` (+1/-1), bps."""
        return self.by_side[1 if side > 0 else 0][horizon].value

    def table(self) -> pd.DataFrame:
        """Every (venue, side, horizon) mean adverse move in bps, tidy."""
        rows = [(self.names[i], "buy" if s else "sell", h, self.by_venue[i][s][k].value)
                for i in range(len(self.names)) for s in (0, 1)
                for k, h in enumerate(self.horizons_s)]
        return pd.DataFrame(rows, columns=["venue", "aggressor", "horizon_s", "adverse_bps"])


def markout_frame(arrays: EventArrays, fair_mid: np.ndarray,
                  params: MarkoutParams | None = None) -> pd.DataFrame:
    """Vectorised twin of :class:`Markout` (aggregate over venues).

    Parameters
    ----------
    arrays : EventArrays
    fair_mid : numpy.ndarray
        Fair mid after every event (e.g. :func:`fair_mid_frame`'s ``fair_mid``).
    params : MarkoutParams, optional

    Returns
    -------
    pandas.DataFrame
        ``markout_<buy|sell>_<h>s`` (bps), one row per event.
    """
    p = params or MarkoutParams()
    n = len(arrays)
    ts = np.maximum.accumulate(arrays.ts_ns) if n else arrays.ts_ns
    k, notional = trade_notional(arrays)
    m0 = fair_mid[k]
    keep = m0 > 0.0
    k, notional, m0 = k[keep], notional[keep], m0[keep]
    side = arrays.side[k]
    out = pd.DataFrame(index=pd.RangeIndex(n))
    for h in p.horizons_s:
        j = np.searchsorted(ts, ts[k] + int(h * NS_PER_S), side="right")
        done = j < n
        for s, name in ((1, "buy"), (-1, "sell")):
            sel = done & (side == s)
            js = j[sel]
            adverse = s * (fair_mid[js - 1] - m0[sel]) / m0[sel] * 1e4
            w = notional[sel]
            sa = decayed_cumsum(ts[js], w * adverse, p.half_life_s)
            sw = decayed_cumsum(ts[js], w, p.half_life_s)
            pos = np.searchsorted(js, np.arange(n), side="right") - 1
            val = np.where(sw > 0.0, sa / np.where(sw > 0.0, sw, 1.0), 0.0)
            out[f"markout_{name}_{h:g}s"] = np.where(pos >= 0, val[np.maximum(pos, 0)]
                                                     if len(js) else 0.0, 0.0)
    return out
