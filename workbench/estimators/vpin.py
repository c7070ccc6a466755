"""VPIN (Easley, López de Prado & O'Hara 2012) on volume buckets, with the aggressor side.

Trades of every stream fill buckets of ``bucket_notional`` (quote currency); a trade that
overflows a bucket is split at the boundary. Trades carry their true aggressor side, so
no bulk classification is needed: bucket ``k`` has buy notional ``B_k`` and sell notional
``S_k = V - B_k``. Over the last ``n_buckets`` completed buckets

    VPIN = sum |B_k - S_k| / (n V),

and its one-sided parts ``VPIN_buy = sum max(B_k - S_k, 0) / (n V)`` (informed buying) and
``VPIN_sell`` (informed selling), with ``VPIN = VPIN_buy + VPIN_sell``. All are 0 until
``n_buckets`` buckets are complete.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.estimators.arrays import EventArrays, trade_notional


@dataclass(frozen=True)
class VpinParams:
    """Parameters of VPIN.

    Parameters
    ----------
    bucket_notional : float
        Volume of one bucket, quote currency.
    n_buckets : int
        Buckets in the window.
    """

    bucket_notional: float = 250_000.0
    n_buckets: int = 50


class Vpin:
    """Streaming VPIN; feed trades' notionals with :meth:`on_trade`.

    Attributes
    ----------
    buy, sell : float
        One-sided VPIN parts; ``value`` is their sum.
    buckets : int
        Completed buckets.
    """

    __slots__ = ("_bucket_buy", "_cum", "_cum_buy", "_edge", "_edge_buy", "_imb", "_n",
                 "_v", "buckets", "buy", "sell")

    def __init__(self, params: VpinParams | None = None) -> None:
        p = params or VpinParams()
        self._v = p.bucket_notional
        self._n = p.n_buckets
        self._cum = 0.0
        self._cum_buy = 0.0
        self._edge = self._v  # cumulative volume at which the current bucket completes
        self._edge_buy = 0.0  # cumulative buy volume at the previous boundary
        self._imb: deque[float] = deque(maxlen=p.n_buckets)
        self._bucket_buy = 0.0
        self.buckets = 0
        self.buy = self.sell = 0.0

    @property
    def value(self) -> float:
        """VPIN in [0, 1]."""
        return self.buy + self.sell

    def on_trade(self, notional: float, side: int) -> None:
        """A trade of ``notional`` (quote currency, > 0) by a buyer (side > 0) or seller."""
        cum0, buy0 = self._cum, self._cum_buy
        cum1 = cum0 + notional
        buy1 = buy0 + notional if side > 0 else buy0
        self._cum, self._cum_buy = cum1, buy1
        if cum1 < self._edge:
            return
        v = self._v
        while cum1 >= self._edge:
            edge = self._edge
            at_edge = buy0 + (edge - cum0) if side > 0 else buy0
            b = at_edge - self._edge_buy
            self._imb.append(b - (v - b))
            self._edge_buy = at_edge
            self.buckets += 1
            self._edge = (self.buckets + 1) * v
        if self.buckets >= self._n:
            nv = self._n * v
            self.buy = sum(x for x in self._imb if x > 0.0) / nv
            self.sell = -sum(x for x in self._imb if x < 0.0) / nv


def vpin_frame(arrays: EventArrays, params: VpinParams | None = None) -> pd.DataFrame:
    """Vectorised twin of :class:`Vpin` over every stream's trades.

    Returns
    -------
    pandas.DataFrame
        ``vpin, vpin_buy, vpin_sell, buckets``, one row per event.
    """
    p = params or VpinParams()
    n = len(arrays)
    k, notional = trade_notional(arrays)
    buy = np.where(arrays.side[k] > 0, notional, 0.0)
    cum = np.cumsum(notional)
    cum_buy = np.cumsum(buy)
    v = p.bucket_notional
    total = int(cum[-1] // v) if len(cum) else 0
    edges = np.arange(1, total + 1) * v
    # first trade whose cumulative volume reaches each edge; the edge splits that trade
    j = np.searchsorted(cum, edges, side="left")
    cum0 = np.concatenate(([0.0], cum))[j]
    buy0 = np.concatenate(([0.0], cum_buy))[j]
    at_edge = np.where(arrays.side[k][j] > 0, buy0 + (edges - cum0), buy0)
    b = np.diff(np.concatenate(([0.0], at_edge)))
    imb = b - (v - b)
    cpos = np.concatenate(([0.0], np.cumsum(np.maximum(imb, 0.0))))
    cneg = np.concatenate(([0.0], np.cumsum(np.maximum(-imb, 0.0))))
    done_at_trade = np.searchsorted(edges, cum, side="right")  # buckets done after trade
    pos = np.searchsorted(k, np.arange(n), side="right") - 1
    done = np.where(pos >= 0, done_at_trade[np.maximum(pos, 0)] if len(k) else 0, 0)
    nv = p.n_buckets * v
    warm = done >= p.n_buckets
    lo = np.maximum(done - p.n_buckets, 0)
    vb = np.where(warm, (cpos[done] - cpos[lo]) / nv, 0.0)
    vs = np.where(warm, (cneg[done] - cneg[lo]) / nv, 0.0)
    return pd.DataFrame({"vpin": vb + vs, "vpin_buy": vb, "vpin_sell": vs, "buckets": done})

