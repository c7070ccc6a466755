"""The touch of the quoted venue: queue imbalance and how thin the hit side is, scale-free.

Two toxicity components read the quoted venue's top of book (best bid and ask sizes
``q_b``, ``q_a`` in lots), each for the aggressor side whose flow would trade against
us:

* ``queue``: the queue imbalance at the touch seen from the aggressor,
  ``(q_b - q_a) / (q_b + q_a)`` for a buyer (who lifts the ask), its negative for a
  seller; near 1 when the queue the aggressor would hit is nearly gone;
* ``touch``: how thin the hit side is against its own recent size,
  ``ln(E_a / q_a)`` for a buyer (``ln(E_b / q_b)`` for a seller), ``E`` a decayed mean of
  that side's touch size over the quotes of the last ``half_life_s`` or so.

Both are ratios of sizes, so neither drifts with how busy or deep the market is: a day
with deeper books or larger orders has the same distribution of either. On the recorded
days they are the components whose predictive direction holds out of sample (a thin
queue is consumed by the next order, which moves the mid: the maker filled there is
filled just before the price leaves). Before the first valid quote both are 0.

The decayed mean is a ratio of decayed sums over the quotes (see
:mod:`workbench.estimators.decay`), ``E = sum_k q_k w_k / sum_k w_k`` with
``w_k = 2^{-(t - t_k)/H}``; the streaming :class:`TouchQueue` and the vectorised
:func:`touch_frame` run the same recursion, so they agree to the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import exp, log

import numpy as np
import pandas as pd

from workbench.core.events import EventKind
from workbench.estimators.arrays import EventArrays
from workbench.estimators.decay import decay_rate_per_ns


@dataclass(frozen=True)
class TouchParams:
    """Parameters of :class:`TouchQueue`.

    Parameters
    ----------
    half_life_s : float
        Half-life of the decayed mean touch size of each side, seconds.
    """

    half_life_s: float = 60.0


class TouchQueue:
    """Streaming queue imbalance and thinness of one stream's touch.

    Parameters
    ----------
    params : TouchParams, optional

    Attributes
    ----------
    quotes : int
        Valid quotes taken (a version number: the values change only with it).
    """

    __slots__ = ("_den", "_num_a", "_num_b", "_qa", "_qb", "_rate", "_t", "quotes")

    def __init__(self, params: TouchParams | None = None) -> None:
        p = params or TouchParams()
        self._rate = decay_rate_per_ns(p.half_life_s)
        self._num_b = self._num_a = self._den = 0.0
        self._qb = self._qa = 0
        self._t = 0
        self.quotes = 0

    def on_quote(self, t: int, qb: int, qa: int) -> None:
        """A valid top of book at ``t`` ns with sizes ``qb``, ``qa`` > 0 lots."""
        f = exp((self._t - t) * self._rate) if self.quotes else 0.0
        self._num_b = self._num_b * f + qb
        self._num_a = self._num_a * f + qa
        self._den = self._den * f + 1.0
        self._qb, self._qa, self._t = qb, qa, t
        self.quotes += 1

    def values(self) -> tuple[float, float, float, float]:
        """``(queue_sell, queue_buy, touch_sell, touch_buy)`` (0 before any quote)."""
        qb, qa = self._qb, self._qa
        if not self.quotes:
            return 0.0, 0.0, 0.0, 0.0
        q = (qb - qa) / (qb + qa)
        return -q, q, log(self._num_b / self._den / qb), log(self._num_a / self._den / qa)


def touch_frame(arrays: EventArrays, stream: int, params: TouchParams | None = None
                ) -> pd.DataFrame:
    """Vectorised twin of :class:`TouchQueue` fed with one stream's valid quotes.

    Parameters
    ----------
    arrays : EventArrays
    stream : int
        The stream whose touch is read (the quoted venue).
    params : TouchParams, optional

    Returns
    -------
    pandas.DataFrame
        ``queue_buy, queue_sell, touch_buy, touch_sell``, one row per event (the value
        after it).
    """
    p = params or TouchParams()
    a = arrays
    ok = ((a.kind == EventKind.BBO) & (a.stream == stream) & (a.bid_ticks > 0)
          & (a.ask_ticks > a.bid_ticks) & (a.bid_lots > 0) & (a.ask_lots > 0))
    k = np.flatnonzero(ok)
    ts = np.maximum.accumulate(a.ts_ns) if len(a) else a.ts_ns
    est = TouchQueue(p)
    vals = np.zeros((len(k) + 1, 4))
    for j, (t, qb, qa) in enumerate(zip(ts[k].tolist(), a.bid_lots[k].tolist(),
                                        a.ask_lots[k].tolist()), start=1):
        est.on_quote(t, qb, qa)
        vals[j] = est.values()
    at = vals[np.searchsorted(k, np.arange(len(a)), side="right")]
    return pd.DataFrame({"queue_buy": at[:, 1], "queue_sell": at[:, 0],
                         "touch_buy": at[:, 3], "touch_sell": at[:, 2]})
