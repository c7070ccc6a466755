"""Exponential time decay: the streaming factor and its vectorised cumulative sum.

Every EWMA-like estimator here keeps *decayed sums* ``S(t) = sum_k x_k 2^{-(t - t_k)/H}``
over events at times ``t_k`` with a half-life ``H``. A ratio of two decayed sums over the
same events (a decayed mean, an imbalance) does not depend on when the decay is applied,
so the streaming objects decay only when a sum changes. :func:`decayed_cumsum` is the
vectorised twin: it rebases the exponent on blocks so that ``exp`` never overflows.
"""

from __future__ import annotations

import math

import numpy as np

LN2 = math.log(2.0)
NS_PER_S = 1_000_000_000
#: Largest exponent used inside one block of :func:`decayed_cumsum` (``exp(600)`` ~ 1e260).
_MAX_EXPONENT = 600.0


def decay_rate_per_ns(half_life_s: float) -> float:
    """Decay rate ``ln 2 / H`` per nanosecond, for ``factor = exp(-dt_ns * rate)``.

    Raises
    ------
    ValueError
        If the half-life is not a positive finite number.
    """
    if not (half_life_s > 0.0 and math.isfinite(half_life_s)):
        raise ValueError(f"half-life must be positive and finite, got {half_life_s}")
    return LN2 / (half_life_s * NS_PER_S)


def decayed_cumsum(ts_ns: np.ndarray, values: np.ndarray, half_life_s: float) -> np.ndarray:
    """``S_n = sum_{k<=n} x_k 2^{-(t_n - t_k)/H}`` for every ``n``.

    Parameters
    ----------
    ts_ns : numpy.ndarray of int64
        Non-decreasing event times in nanoseconds.
    values : numpy.ndarray of float
        The contribution ``x_k`` of each event (0 for events that add nothing).
    half_life_s : float
        Half-life ``H`` in seconds.

    Returns
    -------
    numpy.ndarray of float64
        The decayed sum just after each event.
    """
    ts = np.asarray(ts_ns, dtype=np.int64)
    x = np.asarray(values, dtype=np.float64)
    out = np.empty(len(ts), dtype=np.float64)
    if len(ts) == 0:
        return out
    rate = decay_rate_per_ns(half_life_s)
    span_ns = int(_MAX_EXPONENT / rate)
    carry, t_carry, start = 0.0, int(ts[0]), 0
    while start < len(ts):
        t0 = int(ts[start])
        end = max(int(np.searchsorted(ts, t0 + span_ns, side="right")), start + 1)
        expo = (ts[start:end] - t0).astype(np.float64) * rate
        acc = np.cumsum(x[start:end] * np.exp(expo))
        acc += carry * math.exp(-(t0 - t_carry) * rate)
        out[start:end] = acc * np.exp(-expo)
        carry, t_carry, start = float(out[end - 1]), int(ts[end - 1]), end
    return out


def monotone_ts(ts_ns: np.ndarray) -> np.ndarray:
    """Times made non-decreasing (an out-of-order time is held at the latest seen)."""
    return np.maximum.accumulate(np.asarray(ts_ns, dtype=np.int64))


def last_index(mask: np.ndarray) -> np.ndarray:
    """For each position, the index of the latest ``True`` at or before it (-1 if none)."""
    idx = np.where(mask, np.arange(len(mask)), -1)
    return np.maximum.accumulate(idx) if len(idx) else idx
