"""VPIN (Easley, López de Prado & O'Hara 2012) on volume buckets, with bulk classification.

Trades of every stream fill buckets of ``bucket_notional`` (quote currency); a trade
that overflows a bucket is split at the boundary, and the bucket closes at that trade's
price. Each bucket's volume is classified in bulk (BVC, Easley, López de Prado & O'Hara
2016) from the price change over it, not from the prints' aggressor flags (which come in
long runs of one side and made VPIN read 0.66 on a quiet market):

    B_k = V Phi(dP_k / sigma_{k-1}),   S_k = V - B_k,

with ``dP_k`` the change of the log price (the fair mid at each trade) from the close of
bucket ``k - 1`` to the close of bucket ``k``, and ``sigma_{k-1}`` the bias-corrected
EWMA (half-life ``sigma_half_life_buckets``) of ``dP^2`` over the buckets before ``k``
(the first bucket is split evenly). Over the last ``n_buckets`` buckets

    VPIN = sum |B_k - S_k| / (n V),

and its one-sided parts ``VPIN_buy = sum max(B_k - S_k, 0) / (n V)`` (informed buying)
and ``VPIN_sell``, with ``VPIN = VPIN_buy + VPIN_sell``. All are 0 until ``n_buckets``
buckets are complete.

Bucket size: ELO take 1/50 of a day's volume, which on these markets is half an hour of
trading; a maker needs minutes. The default is 5 s of BTC USD-M's recorded traded volume
(2.9e5 USD/s, the mean of the two recorded days) and a 30-bucket window (2.5 minutes);
:meth:`VpinParams.from_volume` sizes buckets from another market's traded notional.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.signal import lfilter
from scipy.special import ndtr

from workbench.estimators.arrays import EventArrays, trade_notional

_SQRT1_2 = 1.0 / math.sqrt(2.0)


@dataclass(frozen=True)
class VpinParams:
    """Parameters of VPIN.

    Parameters
    ----------
    bucket_notional : float
        Volume of one bucket, quote currency.
    n_buckets : int
        Buckets in the window.
    sigma_half_life_buckets : float
        Half-life of the bucket price-change variance, in buckets.
    """

    bucket_notional: float = 1_500_000.0
    n_buckets: int = 30
    sigma_half_life_buckets: float = 30.0

    def __post_init__(self) -> None:
        if not (self.bucket_notional > 0 and self.n_buckets >= 1
                and self.sigma_half_life_buckets > 0):
            raise ValueError("bucket_notional, n_buckets and sigma_half_life_buckets must "
                             "be positive")

    @staticmethod
    def from_volume(notional_per_s: float, bucket_s: float = 5.0, n_buckets: int = 30
                    ) -> VpinParams:
        """Buckets of ``bucket_s`` seconds of a market trading ``notional_per_s``."""
        return VpinParams(bucket_notional=notional_per_s * bucket_s, n_buckets=n_buckets,
                          sigma_half_life_buckets=float(n_buckets))

    @property
    def lam(self) -> float:
        """Weight of the previous bucket variance in the EWMA."""
        return 2.0 ** (-1.0 / self.sigma_half_life_buckets)


class Vpin:
    """Streaming VPIN with bulk volume classification; feed trades with :meth:`on_trade`.

    Attributes
    ----------
    buy, sell : float
        One-sided VPIN parts; ``value`` is their sum.
    buckets : int
        Completed buckets.
    """

    __slots__ = ("_cum", "_edge", "_imb", "_lam", "_n", "_start", "_u", "_v", "_w",
                 "buckets", "buy", "sell")

    def __init__(self, params: VpinParams | None = None) -> None:
        p = params or VpinParams()
        self._v = p.bucket_notional
        self._n = p.n_buckets
        self._lam = p.lam
        self._cum = 0.0
        self._edge = self._v  # cumulative volume at which the current bucket completes
        self._start = None  # log price at the close of the previous bucket
        self._u = self._w = 0.0  # zero-started EWMA of dP^2 and its weight
        self._imb: deque[float] = deque(maxlen=p.n_buckets)
        self.buckets = 0
        self.buy = self.sell = 0.0

    @property
    def value(self) -> float:
        """VPIN in [0, 1]."""
        return self.buy + self.sell

    @property
    def warm(self) -> bool:
        """Whether the window is full (``n_buckets`` buckets completed); VPIN is 0 before."""
        return self.buckets >= self._n

    def on_trade(self, notional: float, log_price: float) -> None:
        """A trade of ``notional`` (quote currency, > 0) at ``log_price`` (the log fair
        mid when it traded)."""
        if self._start is None:
            self._start = log_price
        cum = self._cum + notional
        self._cum = cum
        if cum < self._edge:
            return
        v, lam = self._v, self._lam
        while cum >= self._edge:
            dp = log_price - self._start
            self._start = log_price
            var = self._u / self._w if self._w > 0.0 else 0.0
            frac = 0.5 * (1.0 + math.erf(dp / math.sqrt(var) * _SQRT1_2)) if var > 0 else 0.5
            self._imb.append(v * (2.0 * frac - 1.0))
            self._u = lam * self._u + (1.0 - lam) * dp * dp
            self._w = lam * self._w + (1.0 - lam)
            self.buckets += 1
            self._edge = (self.buckets + 1) * v
        if self.buckets >= self._n:
            nv = self._n * v
            self.buy = sum(x for x in self._imb if x > 0.0) / nv
            self.sell = -sum(x for x in self._imb if x < 0.0) / nv


def bucket_imbalances(notional: np.ndarray, log_price: np.ndarray, params: VpinParams
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each completed bucket's ``B - S`` and the cumulative volume of each trade.

    Parameters
    ----------
    notional, log_price : numpy.ndarray
        The trades' notionals (quote currency) and log prices, in time order.
    params : VpinParams

    Returns
    -------
    imbalance : numpy.ndarray
        ``B_k - S_k`` of each completed bucket, quote currency.
    cum : numpy.ndarray
        Cumulative notional after each trade.
    edges : numpy.ndarray
        Cumulative notional at which each bucket completed.
    """
    v = params.bucket_notional
    cum = np.cumsum(notional)
    edges = np.arange(1, int(cum[-1] // v) + 2) * v if len(cum) else np.zeros(0)
    edges = edges[edges <= cum[-1]] if len(cum) else edges  # as the streaming cum >= edge
    total = len(edges)
    j = np.searchsorted(cum, edges, side="left")  # trade completing each bucket
    close = log_price[j]
    dp = np.diff(np.concatenate(([log_price[0]], close))) if total else np.zeros(0)
    lam = params.lam
    u = lfilter([1.0 - lam], [1.0, -lam], dp * dp) if total else np.zeros(0)
    w = 1.0 - lam ** np.arange(1, total + 1)
    var_prev = np.concatenate(([0.0], u[:-1] / w[:-1])) if total else np.zeros(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var_prev > 0, dp / np.sqrt(np.where(var_prev > 0, var_prev, 1.0)), 0.0)
    return v * (2.0 * ndtr(z) - 1.0), cum, edges


def vpin_frame(arrays: EventArrays, log_price: np.ndarray,
               params: VpinParams | None = None) -> pd.DataFrame:
    """Vectorised twin of :class:`Vpin` over every stream's trades.

    Parameters
    ----------
    arrays : EventArrays
    log_price : numpy.ndarray
        Log price after every event (the log fair mid); trades where it is not finite
        are skipped, as the stack skips trades before the first fair mid.
    params : VpinParams, optional

    Returns
    -------
    pandas.DataFrame
        ``vpin, vpin_buy, vpin_sell, buckets``, one row per event.
    """
    p = params or VpinParams()
    n = len(arrays)
    k, notional = trade_notional(arrays)
    lp = log_price[k]
    keep = np.isfinite(lp)
    k, notional, lp = k[keep], notional[keep], lp[keep]
    imb, cum, edges = bucket_imbalances(notional, lp, p)
    v = p.bucket_notional
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
