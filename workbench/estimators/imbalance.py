"""Flow and top-of-book imbalance, per venue and aggregated across venues.

* Order-flow imbalance (Cont, Kukanov & Stoikov 2014) from consecutive valid tops of book
  of one stream: ``e = 1{b>=b'} q_b - 1{b<=b'} q_b' - 1{a<=a'} q_a + 1{a>=a'} q_a'``
  (primes: the previous quote), in quote-currency notional. The estimate is the decayed
  sum of ``e`` over the decayed sum of ``|e|``, in [-1, 1].
* Trade-flow imbalance: decayed aggressor-buy minus aggressor-sell notional over their
  sum, in [-1, 1].
* Top-of-book imbalance ``(q_b - q_a) / (q_b + q_a)`` of each stream's last valid quote,
  averaged over the fresh streams.

Notional makes venues comparable: lots times lot size times price on linear contracts,
lots times the contract value on inverse ones. The aggregate sums every stream's flow.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import exp

import numpy as np
import pandas as pd

from workbench.core.events import BestBidOffer, EventKind, MarketEvent, Trade
from workbench.estimators.arrays import EventArrays, StreamSet
from workbench.estimators.decay import NS_PER_S, decay_rate_per_ns, decayed_cumsum, last_index


@dataclass(frozen=True)
class ImbalanceParams:
    """Parameters of the imbalance estimators.

    Parameters
    ----------
    ofi_half_life_s : float
        Half-life of the order-flow decayed sums, seconds.
    trade_half_life_s : float
        Half-life of the trade-flow decayed sums, seconds.
    stale_s : float
        Age after which a stream's top of book leaves the average, seconds.
    """

    ofi_half_life_s: float = 5.0
    trade_half_life_s: float = 10.0
    stale_s: float = 5.0


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.where(den > 0.0, num / np.where(den > 0.0, den, 1.0), 0.0)


class _DecayedFlow:
    """What both flow estimators keep: the streams, their notional conventions, the decay
    rate, and the time of the last update of each stream and of the aggregate."""

    __slots__ = ("_index", "_inv", "_npl", "_rate", "_tick", "_ts", "_vts", "names")

    def __init__(self, streams: StreamSet, half_life_s: float) -> None:
        self.names = streams.names
        self._index = streams.index()
        self._rate = decay_rate_per_ns(half_life_s)
        self._npl = list(streams.notional_per_lot)
        self._inv = list(streams.inverse)
        self._tick = list(streams.tick_sizes)
        self._vts = [0] * len(streams)
        self._ts = 0


class OrderFlowImbalance(_DecayedFlow):
    """Streaming CKS order-flow imbalance per stream and across streams.

    Parameters
    ----------
    streams : StreamSet
    params : ImbalanceParams
    """

    __slots__ = ("_a", "_d", "_prev", "_va", "_vd")

    def __init__(self, streams: StreamSet, params: ImbalanceParams | None = None) -> None:
        super().__init__(streams, (params or ImbalanceParams()).ofi_half_life_s)
        n = len(streams)
        self._prev: list[tuple[int, int, int, int] | None] = [None] * n
        self._vd = [0.0] * n
        self._va = [0.0] * n
        self._d = self._a = 0.0

    def update(self, event: MarketEvent) -> None:
        """Take an event; only valid bbo events of known streams contribute."""
        if type(event) is BestBidOffer:
            i = self._index.get((event.venue, event.symbol))
            if i is not None:
                self.on_quote(i, event.local_ts_ns, event.bid_ticks, event.bid_lots,
                              event.ask_ticks, event.ask_lots)

    def on_quote(self, i: int, t: int, b: int, qb: int, a: int, qa: int) -> None:
        """A top of book of stream ``i`` at ``t`` ns (not before the previous event)."""
        if not (b > 0 and a > b and qb > 0 and qa > 0):
            return
        prev = self._prev[i]
        self._prev[i] = (b, qb, a, qa)
        if prev is None:
            return
        pb, pqb, pa, pqa = prev
        e = ((qb if b >= pb else 0) - (pqb if b <= pb else 0)
             - (qa if a <= pa else 0) + (pqa if a >= pa else 0))
        if e == 0:
            return
        x = e * self._npl[i] if self._inv[i] else e * self._npl[i] * (b + a) * 0.5 * self._tick[i]
        ax = abs(x)
        rate = self._rate
        f = exp((self._vts[i] - t) * rate)
        self._vd[i] = self._vd[i] * f + x
        self._va[i] = self._va[i] * f + ax
        self._vts[i] = t
        f = exp((self._ts - t) * rate)
        self._d = self._d * f + x
        self._a = self._a * f + ax
        self._ts = t

    @property
    def value(self) -> float:
        """Aggregate OFI in [-1, 1] (0 before any flow)."""
        return self._d / self._a if self._a > 0.0 else 0.0

    def per_stream(self) -> dict[str, float]:
        """OFI of each stream in [-1, 1]."""
        return {n: (d / a if a > 0.0 else 0.0) for n, d, a in zip(self.names, self._vd, self._va)}


class TradeFlowImbalance(_DecayedFlow):
    """Streaming signed aggressor-volume imbalance per stream and across streams.

    Parameters
    ----------
    streams : StreamSet
    params : ImbalanceParams
    """

    __slots__ = ("_b", "_s", "_vb", "_vs", "rejected")

    def __init__(self, streams: StreamSet, params: ImbalanceParams | None = None) -> None:
        super().__init__(streams, (params or ImbalanceParams()).trade_half_life_s)
        n = len(streams)
        self._vb = [0.0] * n
        self._vs = [0.0] * n
        self._b = self._s = 0.0
        self.rejected = 0

    def update(self, event: MarketEvent) -> None:
        """Take an event; only trades of known streams contribute."""
        if type(event) is Trade:
            i = self._index.get((event.venue, event.symbol))
            if i is not None:
                self.on_trade(i, event.local_ts_ns, event.price_ticks, event.size_lots,
                              event.aggressor)

    def on_trade(self, i: int, t: int, price_ticks: int, size_lots: int, side: int) -> float:
        """A trade of stream ``i``; returns its notional (0 when rejected as invalid)."""
        if not (price_ticks > 0 and size_lots > 0):
            self.rejected += 1
            return 0.0
        x = (size_lots * self._npl[i] if self._inv[i]
             else size_lots * self._npl[i] * price_ticks * self._tick[i])
        rate = self._rate
        f = exp((self._vts[i] - t) * rate)
        g = exp((self._ts - t) * rate)
        self._vts[i] = self._ts = t
        if side > 0:
            self._vb[i] = self._vb[i] * f + x
            self._vs[i] *= f
            self._b = self._b * g + x
            self._s *= g
        else:
            self._vs[i] = self._vs[i] * f + x
            self._vb[i] *= f
            self._s = self._s * g + x
            self._b *= g
        return x

    @property
    def value(self) -> float:
        """Aggregate trade-flow imbalance in [-1, 1] (0 before any trade)."""
        tot = self._b + self._s
        return (self._b - self._s) / tot if tot > 0.0 else 0.0

    def per_stream(self) -> dict[str, float]:
        """Trade-flow imbalance of each stream in [-1, 1]."""
        return {n: ((b - s) / (b + s) if b + s > 0.0 else 0.0)
                for n, b, s in zip(self.names, self._vb, self._vs)}


class TopOfBookImbalance:
    """Top-of-book size imbalance per stream, averaged over fresh streams.

    Parameters
    ----------
    streams : StreamSet
    params : ImbalanceParams
    """

    __slots__ = ("_imb", "_index", "_stale", "_ts", "names")

    def __init__(self, streams: StreamSet, params: ImbalanceParams | None = None) -> None:
        p = params or ImbalanceParams()
        self.names = streams.names
        self._index = streams.index()
        self._stale = int(p.stale_s * NS_PER_S)
        self._imb = [0.0] * len(streams)
        self._ts = [-(1 << 62)] * len(streams)

    def update(self, event: MarketEvent) -> None:
        """Take an event; only valid bbo events of known streams change the state."""
        if type(event) is BestBidOffer:
            i = self._index.get((event.venue, event.symbol))
            if i is not None:
                self.on_quote(i, event.local_ts_ns, event.bid_ticks, event.bid_lots,
                              event.ask_ticks, event.ask_lots)

    def on_quote(self, i: int, t: int, b: int, qb: int, a: int, qa: int) -> None:
        """A top of book of stream ``i``; invalid quotes leave the state unchanged."""
        if b > 0 and a > b and qb > 0 and qa > 0:
            self._imb[i] = (qb - qa) / (qb + qa)
            self._ts[i] = t

    def value(self, t: int) -> float:
        """Mean imbalance of the streams quoted within ``stale_s`` of ``t`` (0 if none)."""
        tot = 0.0
        m = 0
        for imb, ts in zip(self._imb, self._ts):
            if t - ts < self._stale:
                tot += imb
                m += 1
        return tot / m if m else 0.0


def ofi_increments(bid_ticks: np.ndarray, bid_lots: np.ndarray, ask_ticks: np.ndarray,
                   ask_lots: np.ndarray) -> np.ndarray:
    """CKS order-flow increments ``e_n`` (lots) of consecutive valid quotes of one stream.

    ``e_0 = 0`` (no previous quote); for ``n >= 1`` see the module docstring.
    """
    e = np.zeros(len(bid_ticks), dtype=np.int64)
    if len(bid_ticks) > 1:
        pb, pqb, pa, pqa = bid_ticks[:-1], bid_lots[:-1], ask_ticks[:-1], ask_lots[:-1]
        cb, cqb, ca, cqa = bid_ticks[1:], bid_lots[1:], ask_ticks[1:], ask_lots[1:]
        e[1:] = (np.where(cb >= pb, cqb, 0) - np.where(cb <= pb, pqb, 0)
                 - np.where(ca <= pa, cqa, 0) + np.where(ca >= pa, pqa, 0))
    return e


def _quote_columns(arrays: EventArrays):
    b, qb, a, qa = arrays.bid_ticks, arrays.bid_lots, arrays.ask_ticks, arrays.ask_lots
    valid = (arrays.kind == EventKind.BBO) & (b > 0) & (a > b) & (qb > 0) & (qa > 0)
    return b, qb, a, qa, valid


def imbalance_frame(arrays: EventArrays, params: ImbalanceParams | None = None) -> pd.DataFrame:
    """Vectorised twin of the three imbalance estimators: their values after every event.

    Returns
    -------
    pandas.DataFrame
        ``ts_ns, ofi, trade_imbalance, top_imbalance`` and per stream ``ofi_<venue>``,
        ``trade_imbalance_<venue>``; one row per event.
    """
    p = params or ImbalanceParams()
    streams, n = arrays.streams, len(arrays)
    ts = np.maximum.accumulate(arrays.ts_ns) if n else arrays.ts_ns
    b, qb, a, qa, valid = _quote_columns(arrays)
    is_trade = (arrays.kind == EventKind.TRADE) & (arrays.price_ticks > 0) & (arrays.size_lots > 0)
    ofi_x = np.zeros(n)
    buy_x = np.zeros(n)
    sell_x = np.zeros(n)
    out = pd.DataFrame({"ts_ns": ts})
    top_sum = np.zeros(n)
    top_cnt = np.zeros(n, dtype=np.int64)
    stale = int(p.stale_s * NS_PER_S)
    for i, (npl, inv, tick) in enumerate(zip(streams.notional_per_lot, streams.inverse,
                                             streams.tick_sizes)):
        k = np.flatnonzero(valid & (arrays.stream == i))
        bk, qbk, ak, qak = b[k], qb[k], a[k], qa[k]
        e = ofi_increments(bk, qbk, ak, qak)
        x = e * npl if inv else e * npl * (bk + ak) * 0.5 * tick
        ofi_x[k] = x
        d = decayed_cumsum(ts[k], x, p.ofi_half_life_s)
        ab = decayed_cumsum(ts[k], np.abs(x), p.ofi_half_life_s)
        pos = np.searchsorted(k, np.arange(n), side="right") - 1
        out[f"ofi_{streams.names[i]}"] = np.where(
            pos >= 0, _ratio(d, ab)[np.maximum(pos, 0)] if len(k) else 0.0, 0.0)
        kt = np.flatnonzero(is_trade & (arrays.stream == i))
        sz, px = arrays.size_lots[kt], arrays.price_ticks[kt]
        notional = sz * npl if inv else sz * npl * px * tick
        buy = np.where(arrays.side[kt] > 0, notional, 0.0)
        sell = np.where(arrays.side[kt] > 0, 0.0, notional)
        buy_x[kt], sell_x[kt] = buy, sell
        vb = decayed_cumsum(ts[kt], buy, p.trade_half_life_s)
        vs = decayed_cumsum(ts[kt], sell, p.trade_half_life_s)
        pos = np.searchsorted(kt, np.arange(n), side="right") - 1
        out[f"trade_imbalance_{streams.names[i]}"] = np.where(
            pos >= 0, _ratio(vb - vs, vb + vs)[np.maximum(pos, 0)] if len(kt) else 0.0, 0.0)
        last = last_index(valid & (arrays.stream == i))
        li = np.maximum(last, 0)
        live = (last >= 0) & (ts - ts[li] < stale)
        top_sum += np.where(live, ((qb - qa) / np.where(valid, qb + qa, 1))[li], 0.0)
        top_cnt += live
    d = decayed_cumsum(ts, ofi_x, p.ofi_half_life_s)
    ab = decayed_cumsum(ts, np.abs(ofi_x), p.ofi_half_life_s)
    out["ofi"] = _ratio(d, ab)
    vb = decayed_cumsum(ts, buy_x, p.trade_half_life_s)
    vs = decayed_cumsum(ts, sell_x, p.trade_half_life_s)
    out["trade_imbalance"] = _ratio(vb - vs, vb + vs)
    out["top_imbalance"] = np.where(top_cnt > 0, top_sum / np.maximum(top_cnt, 1), 0.0)
    return out
