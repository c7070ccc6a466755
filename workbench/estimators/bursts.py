"""Burst and sweep detection on aggressive trades of any venue.

* Burst: decayed aggressive notional per side over every venue (half-life
  ``burst_half_life_s``), as a fraction of ``burst_notional``, capped at 1.
* Sweep: a *run* is a sequence of same-side aggressive trades on one venue with gaps of at
  most ``sweep_gap_ms``; the run has swept ``side * (price - first price) / first price``
  (bps, floored at 0) through the book. A sweep's score ``swept / sweep_bps`` decays with
  half-life ``sweep_half_life_s``; each side keeps the largest decayed score,
  ``s = max(s * decay, x)``, capped at 1 when read.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import exp

import numpy as np
import pandas as pd

from workbench.estimators.arrays import EventArrays, StreamSet, trade_notional
from workbench.estimators.decay import decay_rate_per_ns, decayed_cumsum


@dataclass(frozen=True)
class BurstParams:
    """Parameters of :class:`BurstSweepDetector`.

    Parameters
    ----------
    burst_notional : float
        Decayed aggressive notional per side that scores 1, quote currency.
    burst_half_life_s : float
        Half-life of the burst sums, seconds.
    sweep_bps : float
        Run price excursion that scores 1, basis points.
    sweep_gap_ms : float
        Largest gap between trades of one run, milliseconds.
    sweep_half_life_s : float
        Half-life of a sweep's score, seconds.
    """

    burst_notional: float = 2_000_000.0
    burst_half_life_s: float = 1.0
    sweep_bps: float = 3.0
    sweep_gap_ms: float = 20.0
    sweep_half_life_s: float = 2.0


class BurstSweepDetector:
    """Streaming burst and sweep scores per aggressor side.

    Parameters
    ----------
    streams : StreamSet
    params : BurstParams
    """

    __slots__ = (
        "_b",
        "_brate",
        "_bts",
        "_gap",
        "_run_px",
        "_run_side",
        "_run_ts",
        "_s",
        "_scale",
        "_srate",
        "_src",
        "_sts",
        "names",
    )

    def __init__(self, streams: StreamSet, params: BurstParams | None = None) -> None:
        p = params or BurstParams()
        m = len(streams)
        self.names = streams.names
        self._brate = decay_rate_per_ns(p.burst_half_life_s)
        self._srate = decay_rate_per_ns(p.sweep_half_life_s)
        self._scale = (1e4 / p.sweep_bps, 1.0 / p.burst_notional)
        self._gap = int(p.sweep_gap_ms * 1e6)
        self._run_side = [0] * m
        self._run_px = [0] * m
        self._run_ts = [0] * m
        self._b = [0.0, 0.0]  # [sell, buy] decayed notional
        self._bts = [0, 0]
        self._s = [0.0, 0.0]  # [sell, buy] sweep score
        self._sts = [0, 0]
        self._src = [-1, -1]  # venue of the current sweep score

    def on_trade(self, i: int, t: int, price_ticks: int, side: int, notional: float) -> None:
        """An aggressive trade of stream ``i`` (``notional`` > 0, quote currency)."""
        s = 1 if side > 0 else 0
        f = exp((self._bts[s] - t) * self._brate)
        self._b[s] = self._b[s] * f + notional
        self._bts[s] = t
        if side != self._run_side[i] or t - self._run_ts[i] > self._gap:
            self._run_side[i] = side
            self._run_px[i] = price_ticks
        self._run_ts[i] = t
        start = self._run_px[i]
        x = side * (price_ticks - start) / start * self._scale[0]
        if x < 0.0:
            x = 0.0
        decayed = self._s[s] * exp((self._sts[s] - t) * self._srate)
        if x >= decayed and x > 0.0:
            self._s[s] = x
            self._src[s] = i
        else:
            self._s[s] = decayed
        self._sts[s] = t

    def scores(self, t: int) -> tuple[float, float, float, float]:
        """``(burst_sell, burst_buy, sweep_sell, sweep_buy)`` in [0, 1] at ``t`` ns."""
        b, bts, rate, scale = self._b, self._bts, self._brate, self._scale[1]
        sw, sts, srate = self._s, self._sts, self._srate
        b0 = b[0] * exp((bts[0] - t) * rate) * scale
        b1 = b[1] * exp((bts[1] - t) * rate) * scale
        s0 = sw[0] * exp((sts[0] - t) * srate)
        s1 = sw[1] * exp((sts[1] - t) * srate)
        return (b0 if b0 < 1.0 else 1.0, b1 if b1 < 1.0 else 1.0,
                s0 if s0 < 1.0 else 1.0, s1 if s1 < 1.0 else 1.0)

    def burst(self, side: int, t: int) -> float:
        """Burst score in [0, 1] of aggressor ``side`` at ``t`` ns."""
        return self.scores(t)[1 if side > 0 else 0]

    def sweep(self, side: int, t: int) -> float:
        """Sweep score in [0, 1] of aggressor ``side`` at ``t`` ns."""
        return self.scores(t)[3 if side > 0 else 2]

    def sweep_venue(self, side: int) -> str:
        """Venue of the current sweep score of ``side`` ("" if none)."""
        i = self._src[1 if side > 0 else 0]
        return self.names[i] if i >= 0 else ""


def burst_sweep_frame(arrays: EventArrays, params: BurstParams | None = None) -> pd.DataFrame:
    """Vectorised twin of :class:`BurstSweepDetector`.

    Returns
    -------
    pandas.DataFrame
        ``burst_buy, burst_sell, sweep_buy, sweep_sell`` in [0, 1], one row per event.
    """
    p = params or BurstParams()
    n = len(arrays)
    ts = np.maximum.accumulate(arrays.ts_ns) if n else arrays.ts_ns
    k, notional = trade_notional(arrays)
    side = arrays.side[k]
    px = arrays.price_ticks[k]
    x = np.zeros(len(k))
    gap = int(p.sweep_gap_ms * 1e6)
    for i in range(len(arrays.streams)):
        sel = np.flatnonzero(arrays.stream[k] == i)
        if not len(sel):
            continue
        si, ti, pi = side[sel], ts[k][sel], px[sel]
        new = np.ones(len(sel), dtype=bool)
        new[1:] = (si[1:] != si[:-1]) | (ti[1:] - ti[:-1] > gap)
        start = pi[np.maximum.accumulate(np.where(new, np.arange(len(sel)), 0))]
        x[sel] = np.maximum(si * (pi - start) / start * (1e4 / p.sweep_bps), 0.0)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    srate = decay_rate_per_ns(p.sweep_half_life_s)
    t0 = int(ts[0]) if n else 0
    for s, name in ((1, "buy"), (-1, "sell")):
        sel = side == s
        contrib = np.zeros(n)
        contrib[k[sel]] = notional[sel]
        burst = decayed_cumsum(ts, contrib, p.burst_half_life_s) / p.burst_notional
        out[f"burst_{name}"] = np.minimum(burst, 1.0)
        u = np.full(n, -np.inf)
        with np.errstate(divide="ignore"):
            u[k[sel]] = np.log(x[sel]) + (ts[k[sel]] - t0) * srate
        u = np.maximum.accumulate(u)
        sweep = np.exp(u - (ts - t0) * srate)
        out[f"sweep_{name}"] = np.minimum(sweep, 1.0)
    return out
