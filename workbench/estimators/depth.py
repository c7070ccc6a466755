"""Book-depth imbalance from L2 books: top-N and distance-weighted, per venue and mean.

For the best ``n_levels`` levels of each side (``q_b``/``q_a`` in lots) of one book:

* top-N imbalance ``(sum q_b - sum q_a) / (sum q_b + sum q_a)``;
* distance-weighted imbalance: the same with each level weighted by
  ``exp(-d / scale_bps)``, ``d`` the level's distance from the mid in basis points.

Both are in [-1, 1]. The aggregate is the mean over books that are usable (both sides
present, not crossed). The streaming :class:`DepthImbalance` reads the books it is given
(never copies them): it keeps, per book, the levels at or better than a floor price
(refreshed from :meth:`L2Book.top` only when too few remain or the book's best moved out
of them), so a book update costs a few dictionary operations. :func:`depth_records`
replays books and records their top levels; :func:`depth_imbalance_frame` is the
vectorised twin over those records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from math import exp

import numpy as np
import pandas as pd

from workbench.book.l2 import L2Book
from workbench.book.sync import BookSync
from workbench.core.events import BookDelta, BookSnapshot, MarketEvent
from workbench.data.binance.instruments import SYNC_RULES
from workbench.estimators.arrays import StreamSet


@dataclass(frozen=True)
class DepthParams:
    """Parameters of the depth imbalance.

    Parameters
    ----------
    n_levels : int
        Levels per side.
    scale_bps : float
        Distance scale of the level weights, basis points.
    """

    n_levels: int = 5
    scale_bps: float = 2.0


class _SideCache:
    """Every level of one book side at or better than ``edge`` (ticks)."""

    __slots__ = ("edge", "levels")

    def __init__(self) -> None:
        self.levels: dict[int, int] = {}
        self.edge = 0


class DepthImbalance:
    """Streaming depth imbalance of several books.

    Parameters
    ----------
    streams : StreamSet
    params : DepthParams

    Attributes
    ----------
    top : list of float
        Top-N imbalance of each stream's book (0 while unusable).
    weighted : list of float
        Distance-weighted imbalance of each stream's book.
    usable : list of bool
        Whether each book had both sides and was not crossed at its last update.
    """

    __slots__ = ("_asks", "_bids", "_k", "_n", "_scale", "_value", "names", "rebuilds",
                 "top", "usable", "weighted")

    def __init__(self, streams: StreamSet, params: DepthParams | None = None) -> None:
        p = params or DepthParams()
        m = len(streams)
        self.names = streams.names
        self._n = p.n_levels
        self._k = 2 * p.n_levels
        self._scale = 1e4 / p.scale_bps
        self._bids = [_SideCache() for _ in range(m)]
        self._asks = [_SideCache() for _ in range(m)]
        self.top = [0.0] * m
        self.weighted = [0.0] * m
        self.usable = [False] * m
        self.rebuilds = 0
        self._value: tuple[float, float] | None = None

    def on_book(self, i: int, book: L2Book, delta: BookDelta | None) -> None:
        """Book ``i`` changed: by ``delta`` (already applied), or wholesale when None."""
        bids, asks = self._bids[i], self._asks[i]
        if delta is not None:
            _apply(bids.levels, bids.edge, delta.bid_ticks.tolist(), delta.bid_lots.tolist(),
                   True)
            _apply(asks.levels, asks.edge, delta.ask_ticks.tolist(), delta.ask_lots.tolist(),
                   False)
        bb, ba = book.best_bid_ticks, book.best_ask_ticks
        if (delta is None or len(bids.levels) < self._n or len(bids.levels) > 4 * self._k
                or len(asks.levels) < self._n or len(asks.levels) > 4 * self._k
                or (bb >= 0 and bb not in bids.levels) or (ba >= 0 and ba not in asks.levels)):
            self._rebuild(i, book)
        self._measure(i, bb, ba)

    def _rebuild(self, i: int, book: L2Book) -> None:
        self.rebuilds += 1
        bt, bl, at, al = book.top(self._k)
        bids, asks = self._bids[i], self._asks[i]
        bids.levels = dict(zip(bt.tolist(), bl.tolist()))
        asks.levels = dict(zip(at.tolist(), al.tolist()))
        bids.edge = int(bt[-1]) if len(bt) == self._k else -1
        asks.edge = int(at[-1]) if len(at) == self._k else 1 << 62

    def mark_unusable(self, i: int) -> None:
        """Book ``i`` cannot be trusted (lost sync): it leaves the average."""
        self.usable[i] = False
        self.top[i] = self.weighted[i] = 0.0
        self._value = None

    def _measure(self, i: int, bb: int, ba: int) -> None:
        self._value = None
        if bb < 0 or ba < 0 or bb >= ba:
            self.usable[i] = False
            self.top[i] = self.weighted[i] = 0.0
            return
        n, scale = self._n, self._scale
        mid = (bb + ba) * 0.5
        blev, alev = self._bids[i].levels, self._asks[i].levels
        sb = sa = wb = wa = 0.0
        for t in sorted(blev, reverse=True)[:n]:
            q = blev[t]
            sb += q
            wb += q * exp(-(mid - t) / mid * scale)
        for t in sorted(alev)[:n]:
            q = alev[t]
            sa += q
            wa += q * exp(-(t - mid) / mid * scale)
        self.usable[i] = True
        self.top[i] = (sb - sa) / (sb + sa)
        self.weighted[i] = (wb - wa) / (wb + wa)

    def value(self) -> tuple[float, float]:
        """``(top, weighted)`` imbalance averaged over usable books (0 when none)."""
        if self._value is not None:
            return self._value
        m = 0
        st = sw = 0.0
        for ok, t, w in zip(self.usable, self.top, self.weighted):
            if ok:
                m += 1
                st += t
                sw += w
        self._value = (st / m, sw / m) if m else (0.0, 0.0)
        return self._value


def _apply(levels: dict[int, int], edge: int, ticks: list[int], lots: list[int],
           is_bid: bool) -> None:
    for t, q in zip(ticks, lots):
        if (t >= edge) if is_bid else (t <= edge):
            if q:
                levels[t] = q
            else:
                levels.pop(t, None)


@dataclass(frozen=True)
class DepthRecords:
    """Top levels of each book after each change, from :func:`depth_records`.

    ``event`` is the index of the event (in replay order) that changed the book;
    level arrays have shape ``(m, n_levels)``, best first, padded with zeros.
    """

    streams: StreamSet
    event: np.ndarray
    stream: np.ndarray
    bid_ticks: np.ndarray
    bid_lots: np.ndarray
    ask_ticks: np.ndarray
    ask_lots: np.ndarray


def depth_records(events: Iterable[MarketEvent], streams: StreamSet,
                  n_levels: int = 5) -> DepthRecords:
    """Replay books (one :class:`BookSync` per stream) and record their top levels.

    This is a replay, not vectorised: it reads :meth:`L2Book.top` after every change.
    """
    index = streams.index()
    syncs = [BookSync(SYNC_RULES[v], v, s) for v, s in streams.keys]
    ev, st, levels = [], [], []
    for n, e in enumerate(events):
        kind = type(e)
        if kind is not BookDelta and kind is not BookSnapshot:
            continue
        i = index.get((e.venue, e.symbol))
        if i is None:
            continue
        sync = syncs[i]
        changed = sync.on_delta(e) if kind is BookDelta else sync.on_snapshot(e)
        if changed or not sync.synced:
            ev.append(n)
            st.append(i)
            levels.append(sync.book.top(n_levels))
    out = [np.zeros((len(ev), n_levels), dtype=np.int64) for _ in range(4)]
    for r, arrs in enumerate(levels):
        for col, arr in zip(out, arrs):
            col[r, : len(arr)] = arr
    return DepthRecords(streams, np.array(ev, dtype=np.int64), np.array(st, dtype=np.int64),
                        *out)


def depth_imbalance_frame(records: DepthRecords, n_events: int,
                          params: DepthParams | None = None) -> pd.DataFrame:
    """Vectorised twin of :class:`DepthImbalance` over :func:`depth_records`.

    Returns
    -------
    pandas.DataFrame
        ``top, weighted`` (means over usable books) and per stream ``top_<venue>``,
        ``weighted_<venue>``; one row per event ``0..n_events-1``.
    """
    p = params or DepthParams()
    bt, bl, at, al = records.bid_ticks, records.bid_lots, records.ask_ticks, records.ask_lots
    bb, ba = bt[:, 0], at[:, 0]
    usable = (bl[:, 0] > 0) & (al[:, 0] > 0) & (bb < ba)
    mid = (bb + ba) * 0.5
    safe_mid = np.where(usable, mid, 1.0)[:, None]
    scale = 1e4 / p.scale_bps
    wb = np.where(bl > 0, bl * np.exp(-(mid[:, None] - bt) / safe_mid * scale), 0.0)
    wa = np.where(al > 0, al * np.exp(-(at - mid[:, None]) / safe_mid * scale), 0.0)
    sb, sa = bl.sum(axis=1).astype(np.float64), al.sum(axis=1).astype(np.float64)
    top = np.where(usable, (sb - sa) / np.where(usable, sb + sa, 1.0), 0.0)
    sw_b, sw_a = wb.sum(axis=1), wa.sum(axis=1)
    weighted = np.where(usable, (sw_b - sw_a) / np.where(usable, sw_b + sw_a, 1.0), 0.0)
    out = pd.DataFrame(index=pd.RangeIndex(n_events))
    cnt = np.zeros(n_events)
    s_top = np.zeros(n_events)
    s_w = np.zeros(n_events)
    for i, name in enumerate(records.streams.names):
        k = np.flatnonzero(records.stream == i)
        pos = np.searchsorted(records.event[k], np.arange(n_events), side="right") - 1
        has = pos >= 0
        j = k[np.maximum(pos, 0)] if len(k) else np.zeros(n_events, dtype=np.int64)
        ok = has & (usable[j] if len(k) else False)
        out[f"top_{name}"] = np.where(ok, top[j] if len(k) else 0.0, 0.0)
        out[f"weighted_{name}"] = np.where(ok, weighted[j] if len(k) else 0.0, 0.0)
        cnt += ok
        s_top += out[f"top_{name}"].to_numpy()
        s_w += out[f"weighted_{name}"].to_numpy()
    out["top"] = np.where(cnt > 0, s_top / np.maximum(cnt, 1), 0.0)
    out["weighted"] = np.where(cnt > 0, s_w / np.maximum(cnt, 1), 0.0)
    return out
