"""Kalman-filter fusion of venue prices, with per-source noise estimated online.

State: the log fair mid ``x`` in the reference's units, a random walk with variance
``process_var_per_s`` per second. Each valid top of book of source ``i`` observes
``z_i = log p_i = x + b_i + e_i``, ``e_i ~ N(0, R_i)``:

* the innovation ``v = z_i - b_i - x`` with variance ``S = P + R_i`` updates
  ``x += K v``, ``P = (1 - K) P``, ``K = P / S``;
* the basis ``b_i`` (0 for the reference) follows ``z_i - x`` with an exponential
  weight of half-life ``basis_half_life_s``; it is set from the first observation;
* the noise ``R_i`` follows ``max(v^2 - P_prior, r_floor)`` with half-life
  ``noise_half_life_s`` (innovation-based adaptive estimation).

An observation whose innovation exceeds ``max_deviation_bps`` is rejected and flagged;
a crossed or empty quote is ignored. A source that stops quoting simply stops
observing; ``ok`` turns False when no observation was accepted within ``stale_s``.

The gain depends on the whole history, so the filter has no vectorised form:
:func:`kalman_fair_mid_series` runs the same recursion over :class:`EventArrays`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from workbench.core.events import BestBidOffer, EventKind, MarketEvent
from workbench.estimators.arrays import EventArrays, StreamSet
from workbench.estimators.decay import NS_PER_S, decay_rate_per_ns


@dataclass(frozen=True)
class KalmanParams:
    """Parameters of :class:`KalmanFairMid`.

    Parameters
    ----------
    reference : str, optional
        Venue whose units the estimate is in (default: the first stream).
    process_var_per_s : float
        Random-walk variance of the log fair mid per second.
    r_init_bps : float
        Initial observation noise standard deviation, basis points.
    r_floor_bps : float
        Smallest observation noise standard deviation, basis points.
    noise_half_life_s, basis_half_life_s : float
        Half-lives of the noise and basis estimates, seconds.
    max_deviation_bps : float
        Innovation beyond which an observation is rejected, basis points.
    stale_s : float
        Time without an accepted observation after which ``ok`` is False, seconds.
    """

    reference: str | None = None
    process_var_per_s: float = 1e-8
    r_init_bps: float = 1.0
    r_floor_bps: float = 0.05
    noise_half_life_s: float = 60.0
    basis_half_life_s: float = 30.0
    max_deviation_bps: float = 100.0
    stale_s: float = 5.0


class KalmanFairMid:
    """Streaming Kalman fusion of several venues' microprices.

    Attributes
    ----------
    value : float
        Fair mid, reference quote currency (0.0 before the reference's first quote).
    ok : bool
    noise_bps : list of float
        Estimated observation noise standard deviation of each source, bps.
    rejected : list of int
        Observations rejected as outliers, per source.
    """

    __slots__ = (
        "_acc_ts",
        "_b",
        "_dev",
        "_has_b",
        "_index",
        "_init",
        "_last",
        "_p",
        "_q",
        "_r",
        "_r_floor",
        "_rate_b",
        "_rate_r",
        "_ref",
        "_stale",
        "_tick",
        "_tx",
        "_x",
        "names",
        "ok",
        "rejected",
        "value",
    )

    def __init__(self, streams: StreamSet, params: KalmanParams | None = None) -> None:
        p = params or KalmanParams()
        n = len(streams)
        self.names = streams.names
        self._index = streams.index()
        self._tick = list(streams.tick_sizes)
        self._ref = 0 if p.reference is None else self.names.index(p.reference)
        self._q = p.process_var_per_s / NS_PER_S
        self._r = [(p.r_init_bps * 1e-4) ** 2] * n
        self._r_floor = (p.r_floor_bps * 1e-4) ** 2
        self._rate_r = decay_rate_per_ns(p.noise_half_life_s)
        self._rate_b = decay_rate_per_ns(p.basis_half_life_s)
        self._dev = p.max_deviation_bps * 1e-4
        self._stale = int(p.stale_s * NS_PER_S)
        self._b = [0.0] * n
        self._has_b = [i == self._ref for i in range(n)]
        self._last = [0] * n
        self._x = 0.0
        self._p = 0.0
        self._tx = 0
        self._acc_ts = -(1 << 62)
        self._init = False
        self.value = 0.0
        self.ok = False
        self.rejected = [0] * n

    @property
    def noise_bps(self) -> list[float]:
        """Observation noise standard deviation of each source, basis points."""
        return [math.sqrt(r) * 1e4 for r in self._r]

    def update(self, event: MarketEvent) -> float:
        """Take an event; bbo events of known streams observe, others age the state."""
        if type(event) is BestBidOffer:
            i = self._index.get((event.venue, event.symbol))
            if i is not None:
                self.on_quote(i, event.local_ts_ns, event.bid_ticks, event.bid_lots,
                              event.ask_ticks, event.ask_lots)
                return self.value
        self.on_time(event.local_ts_ns)
        return self.value

    def on_time(self, t: int) -> None:
        """Age the estimate to ``t`` ns (only ``ok`` changes)."""
        self.ok = self._init and t - self._acc_ts < self._stale

    def on_quote(self, i: int, t: int, b: int, qb: int, a: int, qa: int) -> None:
        """Observe stream ``i``'s top of book at ``t`` ns."""
        if not (b > 0 and a > b and qb > 0 and qa > 0):
            self.on_time(t)
            return
        z = math.log((b * qa + a * qb) / (qb + qa) * self._tick[i])
        if not self._init:
            if i == self._ref:
                self._x, self._p, self._tx, self._init = z, self._r[i], t, True
                self._last[i] = self._acc_ts = t
                self.value = math.exp(z)
            self.on_time(t)
            return
        if t > self._tx:
            self._p += self._q * (t - self._tx)
            self._tx = t
        if not self._has_b[i]:
            self._b[i], self._has_b[i], self._last[i] = z - self._x, True, t
            self.on_time(t)
            return
        nu = z - self._b[i] - self._x
        if abs(nu) > self._dev:
            self.rejected[i] += 1
            self.on_time(t)
            return
        p_prior = self._p
        k = p_prior / (p_prior + self._r[i])
        self._x += k * nu
        self._p = (1.0 - k) * p_prior
        dt = t - self._last[i]
        self._last[i] = self._acc_ts = t
        w = 1.0 - math.exp(-dt * self._rate_r)
        self._r[i] += w * (max(nu * nu - p_prior, self._r_floor) - self._r[i])
        if i != self._ref:
            wb = 1.0 - math.exp(-dt * self._rate_b)
            self._b[i] += wb * (z - self._x - self._b[i])
        self.value = math.exp(self._x)
        self.on_time(t)


def kalman_fair_mid_series(arrays: EventArrays, params: KalmanParams | None = None
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Run :class:`KalmanFairMid` over every event; ``(fair_mid, ok)`` after each.

    A sequential loop (the filter has no vectorised form), for research over arrays.
    """
    kf = KalmanFairMid(arrays.streams, params)
    n = len(arrays)
    fair = np.zeros(n)
    ok = np.zeros(n, dtype=bool)
    is_bbo = (arrays.kind == EventKind.BBO).tolist()
    cols = [c.tolist() for c in (np.maximum.accumulate(arrays.ts_ns), arrays.stream,
                                 arrays.bid_ticks, arrays.bid_lots, arrays.ask_ticks,
                                 arrays.ask_lots)]
    for n_, (bbo, t, i, b, qb, a, qa) in enumerate(zip(is_bbo, *cols)):
        if bbo:
            kf.on_quote(i, t, b, qb, a, qa)
        else:
            kf.on_time(t)
        fair[n_] = kf.value
        ok[n_] = kf.ok
    return fair, ok
