"""Volatility from several venues: bias-corrected EWMA of grid log returns, fused by median.

Each stream's valid quote mid is sampled on a grid of ``grid_s`` seconds (the last mid
strictly before each grid time). Two EWMAs of the squared grid log returns are kept,
both with ``lam = 2^{-grid/H}`` (half-life ``half_life_s``):

* ``variance``: ``v_k = lam v_{k-1} + (1 - lam) r_k^2`` started at ``v_1 = r_1^2``
  (pandas ``ewm(adjust=False)``), the recursion the compiled fast path runs. Its seed
  keeps the weight ``lam^{k-1}`` for ``k`` returns: 71% after 30 returns on a 60-step
  half-life, so a single first return sets the level for minutes;
* ``debiased_variance``: the same recursion started at 0, divided by its weight
  ``1 - lam^k`` (pandas ``ewm(adjust=True)``): every return so far weighs by its age
  only, so the estimate is right from the first returns. The fusion uses this one.

Grid times are multiples of ``grid_s`` since the epoch, closed when the first event at
or after them arrives. The fused variance per second is, like the fair mid, led by the
reference venue (the quoted one, when the stack is given it): its own bias-corrected
variance while it is warmed up (at least ``min_returns`` returns) and fresh (a valid mid
within ``stale_s``). Without a reference, or while it is not usable, it is the median
over the warmed, fresh streams, so one venue gone wild does not move it when three are
live. On the recorded days the quoted venue's own variance forecasts its next minute
better than the median of all three (the venues' 1 s returns differ in noise). The
result is floored at ``floor_per_sqrt_s`` (a market without a tick move for a minute is
not riskless).
Units: ``vol_per_sqrt_s`` is the standard deviation of log returns per square root of a
second; :func:`annualise` scales it to a 365-day year.

Defaults: ``half_life_s = 120`` minimised the out-of-sample QLIKE of the next minute's
realised variance among 30, 60, 120 and 300 s on both recorded days and both assets
(``workbench.analytics.scorecard``, volatility rows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from workbench.core.events import BestBidOffer, EventKind, MarketEvent
from workbench.estimators.arrays import EventArrays, StreamSet
from workbench.estimators.decay import NS_PER_S

#: Seconds in a 365-day year (crypto trades every day).
SECONDS_PER_YEAR = 365 * 86_400


def annualise(vol_per_sqrt_s: float | np.ndarray) -> float | np.ndarray:
    """Volatility per square root of a second to per square root of a 365-day year."""
    return vol_per_sqrt_s * math.sqrt(SECONDS_PER_YEAR)


@dataclass(frozen=True)
class VolParams:
    """Parameters of the grid EWMA volatility.

    Parameters
    ----------
    grid_s : float
        Sampling step, seconds.
    half_life_s : float
        Half-life of the variance EWMA, seconds.
    min_returns : int
        Grid returns before a stream's estimate is used.
    stale_s : float
        Age of a stream's last valid mid after which it leaves the fusion, seconds.
    floor_per_sqrt_s : float
        Smallest fused volatility reported, per square root of a second (1e-5 is 5.6%
        annualised, a tenth of BTC's quietest recorded minute).
    """

    grid_s: float = 1.0
    half_life_s: float = 120.0
    min_returns: int = 30
    stale_s: float = 10.0
    floor_per_sqrt_s: float = 1e-5

    def __post_init__(self) -> None:
        if not (self.grid_s > 0 and self.half_life_s > 0 and self.stale_s > 0):
            raise ValueError("grid_s, half_life_s and stale_s must be > 0")
        if self.min_returns < 1 or self.floor_per_sqrt_s < 0:
            raise ValueError("min_returns must be >= 1 and floor_per_sqrt_s >= 0")

    @property
    def grid_ns(self) -> int:
        """Grid step in nanoseconds."""
        return round(self.grid_s * NS_PER_S)

    @property
    def lam(self) -> float:
        """EWMA weight of the previous variance per grid step."""
        return 2.0 ** (-self.grid_s / self.half_life_s)


class EwmaVolatility:
    """Streaming EWMA variance of one price series' grid log returns.

    Parameters
    ----------
    params : VolParams

    Attributes
    ----------
    variance : float
        Seeded EWMA variance per grid step (0 before the first return).
    n_returns : int
        Grid returns seen.
    """

    __slots__ = ("_g", "_has_sample", "_lam", "_logp", "_next", "_om", "_sample", "_u",
                 "_w", "n_returns", "price_ts", "variance")

    def __init__(self, params: VolParams | None = None) -> None:
        p = params or VolParams()
        self._g = p.grid_ns
        self._lam = p.lam
        self._om = 1.0 - self._lam
        self._next = -1
        self._logp = 0.0
        self._sample = 0.0
        self._has_sample = False
        self.price_ts = -1
        self.variance = 0.0
        self._u = self._w = 0.0
        self.n_returns = 0

    @property
    def debiased_variance(self) -> float:
        """Zero-started EWMA over its weight ``1 - lam^n``, per grid step (0 before the
        first return)."""
        return self._u / self._w if self._w > 0.0 else 0.0

    def on_time(self, t: int) -> None:
        """Close every grid time at or before ``t`` (ns)."""
        nxt = self._next
        if nxt < 0 or t < nxt:
            return
        g, lam, om, logp = self._g, self._lam, self._om, self._logp
        var, n, u, w = self.variance, self.n_returns, self._u, self._w
        if self._has_sample:
            r2 = (logp - self._sample) ** 2
            var = r2 if n == 0 else lam * var + om * r2
            u = lam * u + om * r2
            w = lam * w + om
            n += 1
            nxt += g
        else:
            nxt += g
        while t >= nxt:  # grid times without a new price: zero returns
            var = 0.0 if n == 0 else lam * var
            u *= lam
            w = lam * w + om
            n += 1
            nxt += g
        self._has_sample = True
        self._sample = logp
        self._next, self.variance, self.n_returns, self._u, self._w = nxt, var, n, u, w

    def on_price(self, t: int, log_price: float) -> None:
        """A new log price at time ``t`` (ns); grid times up to ``t`` close first."""
        if self._next < 0:
            self._next = (t // self._g + 1) * self._g
        else:
            self.on_time(t)
        self._logp = log_price
        self.price_ts = t


def ewma_variance_grid(ts_ns: np.ndarray, log_price: np.ndarray, params: VolParams,
                       end_ns: int, debiased: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised twin of :class:`EwmaVolatility` for one series.

    Parameters
    ----------
    ts_ns, log_price : numpy.ndarray
        Price times (non-decreasing) and log prices.
    params : VolParams
    end_ns : int
        Last grid time to close.

    debiased : bool
        Return the bias-corrected EWMA (``debiased_variance``) instead of the seeded one.

    Returns
    -------
    grid_ns : numpy.ndarray of int64
        Grid times from the first after the first price to ``end_ns``.
    variance : numpy.ndarray
        EWMA variance per grid step after each grid time (the first is 0: no return yet).
    """
    g = params.grid_ns
    if len(ts_ns) == 0:
        return np.zeros(0, np.int64), np.zeros(0)
    start = (int(ts_ns[0]) // g + 1) * g
    grid = np.arange(start, end_ns + 1, g, dtype=np.int64)
    if len(grid) == 0:
        return grid, np.zeros(0)
    sample = log_price[np.searchsorted(ts_ns, grid, side="left") - 1]
    r2 = np.diff(sample) ** 2
    var = np.zeros(len(grid))
    if len(r2):
        lam = params.lam
        if debiased:
            u = lfilter([1.0 - lam], [1.0, -lam], r2)
            var[1:] = u / (1.0 - lam ** np.arange(1, len(r2) + 1))
        else:
            var[1:], _ = lfilter([1.0 - lam], [1.0, -lam], r2, zi=[lam * r2[0]])
            var[1] = r2[0]
    return grid, var


class FusedVolatility:
    """Streaming volatility: the reference stream's own variance while it is usable, else
    the median over the fresh, warmed streams (see the module docstring).

    Parameters
    ----------
    streams : StreamSet
    params : VolParams
    reference : int, optional
        Stream whose own variance leads while it is usable (see the module docstring).
    """

    __slots__ = ("_cache", "_closes", "_floor", "_index", "_min", "_next", "_ref", "_stale",
                 "_tick", "_vols", "names", "params")

    def __init__(self, streams: StreamSet, params: VolParams | None = None,
                 reference: int | None = None) -> None:
        self.params = params or VolParams()
        self._ref = reference
        self.names = streams.names
        self._index = streams.index()
        self._tick = list(streams.tick_sizes)
        self._vols = [EwmaVolatility(self.params) for _ in range(len(streams))]
        self._stale = int(self.params.stale_s * NS_PER_S)
        self._min = self.params.min_returns
        self._floor = self.params.floor_per_sqrt_s
        self._next = 1 << 62
        self._closes = 0
        self._cache: tuple[int, int, float, bool] = (-1, -1, 0.0, False)

    def update(self, event: MarketEvent) -> None:
        """Take any event: a bbo moves its stream's mid; every event closes grid times."""
        if type(event) is BestBidOffer:
            i = self._index.get((event.venue, event.symbol))
            if i is not None:
                self.on_quote(i, event.local_ts_ns, event.bid_ticks, event.bid_lots,
                              event.ask_ticks, event.ask_lots)
                return
        self.on_time(event.local_ts_ns)

    def on_time(self, t: int) -> None:
        """Close grid times at or before ``t`` (ns) on every stream."""
        if t >= self._next:
            nxt = 1 << 62
            for v in self._vols:
                v.on_time(t)
                if 0 <= v._next < nxt:
                    nxt = v._next
            self._next = nxt
            self._closes += 1

    def on_quote(self, i: int, t: int, bid_ticks: int, bid_lots: int, ask_ticks: int,
                 ask_lots: int) -> None:
        """A top of book of stream ``i``; invalid quotes only advance the clock."""
        if t >= self._next:
            self.on_time(t)
        if bid_ticks > 0 and ask_ticks > bid_ticks and bid_lots > 0 and ask_lots > 0:
            v = self._vols[i]
            v.on_price(t, math.log((bid_ticks + ask_ticks) * 0.5 * self._tick[i]))
            if v._next < self._next:
                self._next = v._next

    def value(self, t: int) -> tuple[float, bool]:
        """``(vol_per_sqrt_s, ok)`` at time ``t``: the reference's if it is fresh and warmed,
        else the median of the fresh, warmed streams.

        When no stream is fresh the median of the warmed ones is returned with
        ``ok=False``; with none warmed, ``(0.0, False)``.
        """
        fresh = warm = 0
        stale, least = self._stale, self._min
        for n, v in enumerate(self._vols):
            if v.n_returns >= least:
                warm |= 1 << n
                if t - v.price_ts < stale:
                    fresh |= 1 << n
        key = (fresh << 32) | warm
        cache = self._cache
        if cache[0] == key and cache[1] == self._closes:
            return cache[2], cache[3]
        ref = self._ref
        if ref is not None and fresh >> ref & 1:
            use = [self._vols[ref].debiased_variance]
        else:
            use = [v.debiased_variance for n, v in enumerate(self._vols)
                   if (fresh or warm) >> n & 1]
        if not use:
            out = (0.0, False)
        else:
            use.sort()
            m = len(use)
            var = use[m // 2] if m % 2 else (use[m // 2 - 1] + use[m // 2]) / 2.0
            out = (max(math.sqrt(var / self.params.grid_s), self._floor), fresh != 0)
        self._cache = (key, self._closes, *out)
        return out

    def per_stream(self) -> dict[str, float]:
        """Each stream's (bias-corrected) volatility per square root of a second."""
        return {n: math.sqrt(v.debiased_variance / self.params.grid_s)
                for n, v in zip(self.names, self._vols)}


def volatility_frame(arrays: EventArrays, params: VolParams | None = None,
                     reference: int | None = None) -> pd.DataFrame:
    """Vectorised twin of :class:`FusedVolatility`: the estimate after every event.

    Returns
    -------
    pandas.DataFrame
        ``ts_ns, vol_per_sqrt_s, ok`` and ``var_<venue>`` (bias-corrected, per grid
        step), one row per event.
    """
    p = params or VolParams()
    n, streams = len(arrays), arrays.streams
    ts = np.maximum.accumulate(arrays.ts_ns) if n else arrays.ts_ns
    b, a = arrays.bid_ticks, arrays.ask_ticks
    valid = ((arrays.kind == EventKind.BBO) & (b > 0) & (a > b) & (arrays.bid_lots > 0)
             & (arrays.ask_lots > 0))
    end = int(ts[-1]) if n else 0
    var = np.zeros((n, len(streams)))
    warm = np.zeros((n, len(streams)), dtype=bool)
    fresh = np.zeros((n, len(streams)), dtype=bool)
    out = pd.DataFrame({"ts_ns": ts})
    stale = int(p.stale_s * NS_PER_S)
    for i, tick in enumerate(streams.tick_sizes):
        k = np.flatnonzero(valid & (arrays.stream == i))
        logp = np.log((b[k] + a[k]) * 0.5 * tick)
        grid, v = ewma_variance_grid(ts[k], logp, p, end, debiased=True)
        closed = np.searchsorted(grid, ts, side="right")
        n_ret = np.maximum(closed - 1, 0)
        var[:, i] = np.where(closed >= 2, v[np.maximum(closed - 1, 0)] if len(v) else 0.0, 0.0)
        warm[:, i] = n_ret >= p.min_returns
        last = np.searchsorted(ts[k], ts, side="right") - 1
        fresh[:, i] = (last >= 0) & (ts - ts[k][np.maximum(last, 0)] < stale) & warm[:, i]
        out[f"var_{streams.names[i]}"] = var[:, i]
    any_fresh = fresh.any(axis=1)
    use = np.where(any_fresh[:, None], fresh, warm)
    if reference is not None:
        led = fresh[:, reference]
        only = np.zeros_like(use)
        only[:, reference] = True
        use = np.where(led[:, None], only, use)
    srt = np.sort(np.where(use, var, np.inf), axis=1)
    m = use.sum(axis=1)
    rows = np.arange(n)
    hi = srt[rows, np.minimum(m // 2, len(streams) - 1)]
    lo = srt[rows, np.maximum(m // 2 - 1, 0)]
    med = np.where(m % 2 == 1, hi, (lo + hi) / 2.0)
    vol = np.maximum(np.sqrt(np.where(m > 0, med, 0.0) / p.grid_s), p.floor_per_sqrt_s)
    out["vol_per_sqrt_s"] = np.where(m > 0, vol, 0.0)
    out["ok"] = any_fresh
    return out
