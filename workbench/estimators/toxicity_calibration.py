"""Calibrating the toxicity score: component distributions, signs, combined distribution.

:func:`calibrate_toxicity` runs the stack's vectorised twin over recorded events and
fits, for :class:`~workbench.estimators.toxicity.ToxicityParams`:

* ``knots``: quantiles of each raw component over every event, both sides pooled
  (VPIN's over the events where its window is full);
* ``weights``: each component's Spearman correlation between its percentile just before
  a trade (on the trade's aggressor side) and that trade's adverse markout at the
  markout horizon, scaled to ``sum |w| = 1``: the sign is the measured direction;
* ``combined_knots``: percentiles (every 1%) of ``z = sum w_c (u_c - 1/2)`` over every
  event and side;
* ``quiet_quantile``: the threshold, set so that on ``flag_share`` of the events either
  side scores at least ``flag_score`` (the guard's ``widen_on``).

:func:`trade_markouts` gives each trade's adverse markout, the target of the weights and
of the scorecard's toxicity rows.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy import stats

from workbench.estimators.arrays import EventArrays, trade_notional
from workbench.estimators.decay import NS_PER_S
from workbench.estimators.toxicity import COMPONENTS, ToxicityParams, percentile_array

#: Quantile probabilities of the calibrated knots of each component.
KNOT_PROBS = np.linspace(0.0, 1.0, 41)
#: Quantile probabilities of the combined statistic's knots (they place the threshold).
COMBINED_KNOT_PROBS = np.linspace(0.0, 1.0, 101)
#: Share of calibration events on which either side is flagged, by default.
FLAG_SHARE = 0.10


def trade_markouts(arrays: EventArrays, mid: np.ndarray, horizon_s: float) -> pd.DataFrame:
    """Every valid trade's adverse markout against a mid series.

    ``adverse_bps = side (mid(t + h) - mid(t)) / mid(t) * 1e4``, positive when the price
    moved the aggressor's way (against the maker who was filled); ``mid(t)`` is the mid
    after the event before the trade and ``mid(t + h)`` after the last event at or
    before ``t + h``.

    Returns
    -------
    pandas.DataFrame
        ``event, ts_ns, side, notional, adverse_bps`` (trades whose horizon passes the
        data's end or whose mid is not positive are dropped).
    """
    k, notional = trade_notional(arrays)
    ts = np.maximum.accumulate(arrays.ts_ns)
    before = np.maximum(k - 1, 0)
    end = np.searchsorted(ts, ts[k] + round(horizon_s * NS_PER_S), side="right") - 1
    m0, m1 = mid[before], mid[end]
    keep = (k > 0) & (ts[k] + horizon_s * NS_PER_S <= ts[-1]) & (m0 > 0) & (m1 > 0)
    side = arrays.side[k]
    adverse = side * (m1 - m0) / np.where(m0 > 0, m0, 1.0) * 1e4
    return pd.DataFrame({"event": k[keep], "ts_ns": ts[k][keep], "side": side[keep],
                         "notional": notional[keep], "adverse_bps": adverse[keep]})


def calibrate_toxicity(arrays: EventArrays, stack=None, flag_share: float = FLAG_SHARE,
                       flag_score: float = 0.5) -> ToxicityParams:
    """Fit the toxicity score's distributions, weights and threshold on recorded events.

    Parameters
    ----------
    arrays : EventArrays
        Calibration events.
    stack : StackParams, optional
        The stack whose components are calibrated (its ``toxicity`` gives the horizon
        and the reason quantile; its knots, weights and quiet quantile are replaced).
    flag_share : float
        Share of the calibration events on which either side should score at least
        ``flag_score``, in (0, 1).
    flag_score : float
        The score from which a side is flagged (the guard's ``widen_on``), in (0, 1).

    Returns
    -------
    ToxicityParams

    Raises
    ------
    ValueError
        If ``flag_share`` or ``flag_score`` is not in (0, 1).
    """
    from workbench.estimators.stack import StackParams, signals_frame

    if not (0.0 < flag_share < 1.0 and 0.0 < flag_score < 1.0):
        raise ValueError("flag_share and flag_score must be in (0, 1)")
    sp = stack or StackParams()
    frame = signals_frame(arrays, sp)
    tox = sp.toxicity
    warm = frame["vpin_warm"].to_numpy()
    knots = tuple(_knots(np.concatenate([frame[f"x_{c}_buy"][ok], frame[f"x_{c}_sell"][ok]]))
                  for c, ok in zip(COMPONENTS, (warm, *(slice(None),) * 3)))
    u = {(c, s): percentile_array(frame[f"x_{c}_{s}"].to_numpy(), kc)
         for c, kc in zip(COMPONENTS, knots) for s in ("buy", "sell")}
    for s in ("buy", "sell"):
        u[("vpin", s)] = np.where(warm, u[("vpin", s)], 0.5)
    marks = trade_markouts(arrays, frame["fair_mid"].to_numpy(), tox.markout_horizon_s)
    before = np.maximum(marks["event"].to_numpy() - 1, 0)
    buy = marks["side"].to_numpy() > 0
    ic = []
    for c in COMPONENTS:
        x = np.where(buy, u[(c, "buy")][before], u[(c, "sell")][before])
        y = marks["adverse_bps"].to_numpy()
        r = stats.spearmanr(x, y).statistic if np.ptp(x) > 0 and np.ptp(y) > 0 else 0.0
        ic.append(0.0 if not np.isfinite(r) else float(r))
    total = sum(abs(r) for r in ic)
    weights = tuple(r / total for r in ic) if total > 0 else (0.25,) * len(COMPONENTS)
    z = [sum(w * (u[(c, s)] - 0.5) for w, c in zip(weights, COMPONENTS))
         for s in ("buy", "sell")]
    combined = _knots(np.concatenate(z), COMBINED_KNOT_PROBS)
    q = np.maximum(*(percentile_array(zs, combined) for zs in z))
    q0 = quiet_quantile_for(q, len(combined), flag_share, flag_score)
    return dataclasses.replace(tox, knots=knots, weights=weights, combined_knots=combined,
                               quiet_quantile=q0)


def quiet_quantile_for(q: np.ndarray, n_knots: int, flag_share: float, flag_score: float
                       ) -> float:
    """The quiet quantile ``q0`` that flags at most ``flag_share`` of the events.

    Parameters
    ----------
    q : numpy.ndarray
        Each event's larger combined percentile of the two sides (mid-ranks on
        ``n_knots`` knots, so multiples of ``1 / (2 n_knots)``).
    n_knots : int
    flag_share, flag_score : float
        As in :func:`calibrate_toxicity`.

    Returns
    -------
    float
        ``q0`` such that ``(q - q0) / (1 - q0) >= flag_score`` on the largest share of
        events that is at most ``flag_share``; the cut sits halfway between two
        attainable percentiles, so rounding cannot move an event across it.
    """
    levels = np.unique(q)
    share = 1.0 - np.searchsorted(np.sort(q), levels, side="left") / len(q)
    first = int(np.argmax(share <= flag_share)) if (share <= flag_share).any() else len(levels)
    cut = levels[first] - 0.25 / n_knots if first < len(levels) else 1.0 - 0.25 / n_knots
    q0 = (cut - flag_score) / (1.0 - flag_score)
    return float(min(max(q0, 0.0), 1.0 - 1e-9))


def _knots(x: np.ndarray, probs: np.ndarray = KNOT_PROBS) -> tuple[float, ...]:
    q = np.quantile(np.asarray(x, dtype=np.float64), probs)
    rounded = np.array([float(f"{v:.6g}") for v in q])
    return tuple(float(v) for v in np.maximum.accumulate(rounded))
