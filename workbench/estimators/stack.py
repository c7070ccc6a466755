"""The signal stack: owns the estimators, takes every event, returns a Signals snapshot.

:class:`SignalStack` feeds each event to the estimators that use it (tops of book to the
fair mid, volatility, order-flow and top-of-book imbalance; trades to trade flow, VPIN,
bursts/sweeps and markouts; book updates to the depth imbalance; the quoted venue's
tops of book also to its touch queue, :mod:`~workbench.estimators.touch`). Books: by default the
stack keeps its own :class:`~workbench.book.BookSync` per stream and applies snapshots and
diffs itself; pass ``books=`` to read books the caller keeps in sync instead (the caller
applies each snapshot or diff *before* handing the event to the stack). Either way
:meth:`SignalStack.signals` never copies a book: it reads plain floats the estimators
keep. :func:`signals_frame` is the vectorised twin of the whole stack.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from math import log

import numpy as np
import pandas as pd

from workbench.book.l2 import L2Book
from workbench.book.sync import BookSync
from workbench.core.events import BestBidOffer, BookDelta, BookSnapshot, MarketEvent, Trade
from workbench.data.binance.instruments import SYNC_RULES
from workbench.estimators.arrays import EventArrays, StreamKey, StreamSet
from workbench.estimators.bursts import BurstParams, BurstSweepDetector, burst_sweep_frame
from workbench.estimators.depth import (
    DepthImbalance,
    DepthParams,
    DepthRecords,
    depth_imbalance_frame,
)
from workbench.estimators.fair_mid import FairMidFusion, FairMidParams, fair_mid_frame
from workbench.estimators.imbalance import (
    ImbalanceParams,
    OrderFlowImbalance,
    TopOfBookImbalance,
    TradeFlowImbalance,
    imbalance_frame,
)
from workbench.estimators.markout import Markout, MarkoutParams, markout_frame
from workbench.estimators.signals import Signals
from workbench.estimators.touch import TouchParams, TouchQueue, touch_frame
from workbench.estimators.toxicity import (
    COMPONENTS,
    ToxicityParams,
    percentile,
    reason_labels,
    score_arrays,
)
from workbench.estimators.volatility import FusedVolatility, VolParams, volatility_frame
from workbench.estimators.vpin import Vpin, VpinParams, vpin_frame


@dataclass(frozen=True)
class StackParams:
    """Parameters of every estimator of the stack."""

    fair: FairMidParams = field(default_factory=FairMidParams)
    vol: VolParams = field(default_factory=VolParams)
    imbalance: ImbalanceParams = field(default_factory=ImbalanceParams)
    depth: DepthParams = field(default_factory=DepthParams)
    vpin: VpinParams = field(default_factory=VpinParams)
    markout: MarkoutParams = field(default_factory=MarkoutParams)
    burst: BurstParams = field(default_factory=BurstParams)
    toxicity: ToxicityParams = field(default_factory=ToxicityParams)
    touch: TouchParams = field(default_factory=TouchParams)

    def markout_horizon_index(self) -> int:
        """Index of the scoring horizon among the markout horizons.

        Raises
        ------
        ValueError
            If ``toxicity.markout_horizon_s`` is not a markout horizon.
        """
        try:
            return self.markout.horizons_s.index(self.toxicity.markout_horizon_s)
        except ValueError:
            raise ValueError("toxicity.markout_horizon_s must be one of "
                             f"markout.horizons_s {self.markout.horizons_s}") from None


class SignalStack:
    """Every estimator of one instrument across venues, updated event by event.

    Parameters
    ----------
    streams : StreamSet or iterable of (venue, symbol)
        The streams to follow; events of other streams are counted and ignored.
    params : StackParams, optional
    books : mapping of (venue, symbol) to L2Book, optional
        Books the caller keeps in sync (see the module docstring); by default the stack
        keeps its own.

    Attributes
    ----------
    fair, vol, ofi, flow, top, depth, vpin, markout, bursts, touch
        The estimators, for inspection (``touch`` reads the quoted venue alone).
    syncs : list of BookSync or None
        The stack's own book syncs (None when books come from the caller).
    out_of_order, ignored : int
        Events with a time before the latest seen (treated as at the latest), and events
        of streams not followed.
    """

    __slots__ = ("_books", "_h", "_index", "_reasons", "_ref", "_t", "_tox", "_tox_consts",
                 "_tox_slow", "_tox_version", "bursts", "depth", "fair", "flow", "ignored",
                 "markout", "ofi", "out_of_order", "streams", "syncs", "top", "touch", "vol",
                 "vpin")

    def __init__(self, streams: StreamSet | list[StreamKey], params: StackParams | None = None,
                 books: Mapping[StreamKey, L2Book] | None = None) -> None:
        p = params or StackParams()
        s = streams if isinstance(streams, StreamSet) else StreamSet.of(streams)
        self.streams = s
        self._index = s.index()
        self.fair = FairMidFusion(s, p.fair)
        self.vol = FusedVolatility(s, p.vol, p.fair.reference_index(s))
        self.ofi = OrderFlowImbalance(s, p.imbalance)
        self.flow = TradeFlowImbalance(s, p.imbalance)
        self.top = TopOfBookImbalance(s, p.imbalance)
        self.depth = DepthImbalance(s, p.depth)
        self.vpin = Vpin(p.vpin)
        self.markout = Markout(s, p.markout)
        self.bursts = BurstSweepDetector(s, p.burst)
        self.touch = TouchQueue(p.touch)
        self._ref = p.fair.reference_index(s)
        self._tox = tox = p.toxicity
        kv, km, kb, ks, kq, kt = tox.knots
        self._tox_consts = (kv, km, kq, kt, kb, ks, *tox.weights, tox.combined_knots,
                            tox.quiet_quantile, tox.reason_quantile, 2.0 * len(kb),
                            2.0 * len(ks), 2.0 * len(tox.combined_knots), _quiet_below(tox))
        self._h = p.markout_horizon_index()
        self._tox_version: tuple[int, int, int] = (-1, -1, -1)
        self._tox_slow: tuple[float, ...] = ()
        if books is None:
            self.syncs = [BookSync(SYNC_RULES[v], v, sym) for v, sym in s.keys]
            self._books = [x.book for x in self.syncs]
        else:
            self.syncs = None
            self._books = [books[k] for k in s.keys]
        self._reasons: dict[int, tuple[str, ...]] = {}
        self._t = -(1 << 62)
        self.out_of_order = 0
        self.ignored = 0

    def update(self, event: MarketEvent) -> None:
        """Take one event (in local receive-time order)."""
        t = event.local_ts_ns
        if t < self._t:
            self.out_of_order += 1
            t = self._t
        i = self._index.get((event.venue, event.symbol))
        if i is None:
            self.ignored += 1
            return
        self._t = t
        fair = self.fair
        if t > self.markout.next_due_ns:
            self.markout.resolve(t, fair.value)
        kind = type(event)
        if kind is BestBidOffer:
            b, qb, a, qa = event.bid_ticks, event.bid_lots, event.ask_ticks, event.ask_lots
            fair.on_quote(i, t, b, qb, a, qa)
            self.vol.on_quote(i, t, b, qb, a, qa)
            self.ofi.on_quote(i, t, b, qb, a, qa)
            self.top.on_quote(i, t, b, qb, a, qa)
            if i == self._ref and b > 0 and a > b and qb > 0 and qa > 0:
                self.touch.on_quote(t, qb, qa)
            return
        fair.on_time(t)
        self.vol.on_time(t)
        if kind is Trade:
            side = event.aggressor
            x = self.flow.on_trade(i, t, event.price_ticks, event.size_lots, side)
            if x > 0.0:
                if fair.value > 0.0:
                    self.vpin.on_trade(x, log(fair.value))
                self.bursts.on_trade(i, t, event.price_ticks, side, x)
                self.markout.on_trade(i, t, side, x, fair.value)
        elif kind is BookDelta:
            self._book_event(i, event, True)
        elif kind is BookSnapshot:
            self._book_event(i, event, False)

    def _book_event(self, i: int, event: BookDelta | BookSnapshot, is_delta: bool) -> None:
        if self.syncs is None:
            self.depth.on_book(i, self._books[i], event if is_delta else None)
            return
        sync = self.syncs[i]
        if sync.on_delta(event) if is_delta else sync.on_snapshot(event):
            self.depth.on_book(i, sync.book, event if is_delta else None)
        elif not sync.synced:
            self.depth.mark_unusable(i)

    def signals(self) -> Signals:
        """The current estimates as an immutable :class:`Signals` (no book is copied)."""
        t = self._t
        vol, vol_ok = self.vol.value(t)
        _, weighted = self.depth.value()
        tox_bid, tox_ask, reasons = self._toxicity(t)
        fair = self.fair
        return Signals(t, fair.value, fair.ok, vol, vol_ok, weighted, self.ofi.value,
                       self.flow.value, tox_bid, tox_ask, reasons, fair.sources)

    def components(self, side: int) -> tuple[float, ...]:
        """``(vpin, markout, burst, sweep, queue, touch)`` percentiles in [0, 1] of
        aggressor ``side`` (each component through its calibrated distribution; VPIN 1/2
        until it is warm)."""
        u = tuple(percentile(x, k) for x, k in zip(self._raw(side), self._tox.knots))
        return u if self.vpin.warm else (0.5, *u[1:])

    def _raw(self, side: int) -> tuple[float, ...]:
        t = self._t
        v = self.vpin.buy if side > 0 else self.vpin.sell
        queue_sell, queue_buy, touch_sell, touch_buy = self.touch.values()
        return (v, self.markout.adverse_bps(side, self._h), self.bursts.burst(side, t),
                self.bursts.sweep(side, t), queue_buy if side > 0 else queue_sell,
                touch_buy if side > 0 else touch_sell)

    def _slow_parts(self) -> tuple[tuple[float, float, float, float, float], ...]:
        """Per side (sell, buy): the VPIN, markout, queue and touch percentiles and their
        part of ``z`` (they change only when a bucket completes, a markout resolves or
        the quoted venue's touch moves)."""
        kv, km, kq, kt, _, _, wv, wm, _, _, wq, wt = self._tox_consts[:12]
        vpin, mk, h = self.vpin, self.markout.by_side, self._h
        warm = vpin.warm
        queue_sell, queue_buy, touch_sell, touch_buy = self.touch.values()
        out = []
        for s, vx, qx, tx in ((0, vpin.sell, queue_sell, touch_sell),
                              (1, vpin.buy, queue_buy, touch_buy)):
            uv = (bisect_left(kv, vx) + bisect_right(kv, vx)) / (2.0 * len(kv)) if warm else 0.5
            mx = mk[s][h].value
            um = (bisect_left(km, mx) + bisect_right(km, mx)) / (2.0 * len(km))
            uq = (bisect_left(kq, qx) + bisect_right(kq, qx)) / (2.0 * len(kq))
            ut = (bisect_left(kt, tx) + bisect_right(kt, tx)) / (2.0 * len(kt))
            out.append((uv, um, uq, ut, wv * (uv - 0.5) + wm * (um - 0.5) + wq * (uq - 0.5)
                        + wt * (ut - 0.5)))
        return tuple(out)

    def _toxicity(self, t: int) -> tuple[float, float, tuple[str, ...]]:
        kb, ks, wv, wm, wb, ws, wq, wt, kz, q0, rq, nb, ns, nz, z_quiet = self._tox_consts[4:]
        bursts = self.bursts
        version = (self.vpin.buckets, self.markout.resolutions, self.touch.quotes)
        if version != self._tox_version:
            self._tox_version = version
            self._tox_slow = self._slow_parts()
        scores = [0.0, 0.0]
        key = 0
        b_sell, b_buy, s_sell, s_buy = bursts.scores(t)
        for s, (uv, um, uq, ut, part) in enumerate(self._tox_slow):
            # mid-ranks: bisect_left differs from bisect_right only on a tie with a knot
            bx = b_buy if s else b_sell
            r = bisect_right(kb, bx)
            ub = ((bisect_left(kb, bx) if r and kb[r - 1] == bx else r) + r) / nb
            sx = s_buy if s else s_sell
            r = bisect_right(ks, sx)
            us = ((bisect_left(ks, sx) if r and ks[r - 1] == sx else r) + r) / ns
            z = part + wb * (ub - 0.5) + ws * (us - 0.5)
            if z < z_quiet:
                continue
            r = bisect_right(kz, z)
            q = ((bisect_left(kz, z) if r and kz[r - 1] == z else r) + r) / nz
            if q > q0:
                scores[s] = (q - q0) / (1.0 - q0)
                key |= ((wv > 0 and uv >= rq) | (wm > 0 and um >= rq) << 1
                        | (wb > 0 and ub >= rq) << 2 | (ws > 0 and us >= rq) << 3
                        | (wq > 0 and uq >= rq) << 4 | (wt > 0 and ut >= rq) << 5) << 6 * s
        tox_bid, tox_ask = scores
        if not key:
            return tox_bid, tox_ask, ()
        if key & 0x208:  # a sweep is a reason: name its venue
            key |= (bursts._src[0] + 1) << 12 | (bursts._src[1] + 1) << 20
        reasons = self._reasons.get(key)
        if reasons is None:
            p = self._tox
            labels = (reason_labels("sell", p.markout_horizon_s, bursts.sweep_venue(-1))
                      + reason_labels("buy", p.markout_horizon_s, bursts.sweep_venue(1)))
            reasons = tuple(lab for n, lab in enumerate(labels) if key >> n & 1)
            self._reasons[key] = reasons
        return tox_bid, tox_ask, reasons

    def state(self) -> dict:
        """Flags and counters: each source's fair-mid state, basis, book usability."""
        return {
            "sources": self.fair.source_states(),
            "basis": self.fair.basis(),
            "books_usable": dict(zip(self.streams.names, self.depth.usable)),
            "out_of_order": self.out_of_order + self.fair.out_of_order,
            "ignored": self.ignored,
            "trades_rejected": self.flow.rejected,
        }


def _quiet_below(tox: ToxicityParams) -> float:
    """A combined statistic below this scores 0: its mid-rank is at most ``q0``."""
    kz = tox.combined_knots
    return kz[min(int(tox.quiet_quantile * len(kz)), len(kz) - 1)]


def signals_frame(arrays: EventArrays, params: StackParams | None = None,
                  depth: DepthRecords | None = None) -> pd.DataFrame:
    """Vectorised twin of :class:`SignalStack`: every Signals field after every event.

    Parameters
    ----------
    arrays : EventArrays
        The events, in replay order.
    params : StackParams, optional
    depth : DepthRecords, optional
        Book top levels from :func:`~workbench.estimators.depth.depth_records`; without
        them ``book_imbalance`` is 0.

    Returns
    -------
    pandas.DataFrame
        ``ts_ns, fair_mid, fair_mid_ok, vol_per_sqrt_s, vol_ok, book_imbalance, ofi,
        trade_imbalance, toxicity_bid, toxicity_ask``, the toxicity components raw
        (``x_<vpin|markout|burst|sweep|queue|touch>_<buy|sell>``) and as calibrated percentiles
        (``c_...``), and ``vpin_warm``, one row per event.
    """
    p = params or StackParams()
    h = p.markout_horizon_index()
    tox = p.toxicity
    fair = fair_mid_frame(arrays, p.fair)
    vol = volatility_frame(arrays, p.vol, p.fair.reference_index(arrays.streams))
    imb = imbalance_frame(arrays, p.imbalance)
    fm = fair["fair_mid"].to_numpy()
    with np.errstate(divide="ignore"):
        log_fair = np.where(fm > 0.0, np.log(np.where(fm > 0.0, fm, 1.0)), np.nan)
    vp = vpin_frame(arrays, log_fair, p.vpin)
    mk = markout_frame(arrays, fair["fair_mid"].to_numpy(), p.markout)
    bs = burst_sweep_frame(arrays, p.burst)
    tq = touch_frame(arrays, p.fair.reference_index(arrays.streams), p.touch)
    out = pd.DataFrame({
        "ts_ns": fair["ts_ns"], "fair_mid": fair["fair_mid"], "fair_mid_ok": fair["ok"],
        "vol_per_sqrt_s": vol["vol_per_sqrt_s"], "vol_ok": vol["ok"],
    })
    out["book_imbalance"] = (depth_imbalance_frame(depth, len(arrays), p.depth)["weighted"]
                             if depth is not None else 0.0)
    out["ofi"] = imb["ofi"]
    out["trade_imbalance"] = imb["trade_imbalance"]
    hs = f"{p.markout.horizons_s[h]:g}s"
    out["vpin_warm"] = vp["buckets"].to_numpy() >= p.vpin.n_buckets
    for col, name in (("toxicity_bid", "sell"), ("toxicity_ask", "buy")):
        raw = (vp[f"vpin_{name}"].to_numpy(), mk[f"markout_{name}_{hs}"].to_numpy(),
               bs[f"burst_{name}"].to_numpy(), bs[f"sweep_{name}"].to_numpy(),
               tq[f"queue_{name}"].to_numpy(), tq[f"touch_{name}"].to_numpy())
        *u, score = score_arrays(raw, tox, out["vpin_warm"].to_numpy())
        for c, x, uc in zip(COMPONENTS, raw, u):
            out[f"x_{c}_{name}"] = x
            out[f"c_{c}_{name}"] = uc
        out[col] = score
    return out
