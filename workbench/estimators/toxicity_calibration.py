"""Calibrating the toxicity score: component distributions, signs, combined distribution.

:func:`calibrate_toxicity` runs the stack's vectorised twin over recorded events and
fits, for :class:`~workbench.estimators.toxicity.ToxicityParams`:

* ``knots``: quantiles of each raw component over every event, both sides pooled;
* ``weights``: each component's Spearman correlation between its percentile just before
  a trade (on the trade's aggressor side) and that trade's adverse markout at the
  markout horizon, scaled to ``sum |w| = 1``: the sign is the measured direction;
* ``combined_knots``: quantiles of ``z = sum w_c (u_c - 1/2)`` over every event and side.

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

#: Quantile probabilities of the calibrated knots.
KNOT_PROBS = np.linspace(0.0, 1.0, 41)


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


def calibrate_toxicity(arrays: EventArrays, stack=None) -> ToxicityParams:
    """Fit the toxicity score's distributions and weights on recorded events.

    Parameters
    ----------
    arrays : EventArrays
        Calibration events.
    stack : StackParams, optional
        The stack whose components are calibrated (its ``toxicity`` gives the horizon
        and the quantiles; its knots and weights are replaced).

    Returns
    -------
    ToxicityParams
    """
    from workbench.estimators.stack import StackParams, signals_frame

    sp = stack or StackParams()
    frame = signals_frame(arrays, sp)
    tox = sp.toxicity
    knots = tuple(_knots(np.concatenate([frame[f"x_{c}_buy"], frame[f"x_{c}_sell"]]))
                  for c in COMPONENTS)
    u = {(c, s): percentile_array(frame[f"x_{c}_{s}"].to_numpy(), kc)
         for c, kc in zip(COMPONENTS, knots) for s in ("buy", "sell")}
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
    z = np.concatenate([sum(w * (u[(c, s)] - 0.5) for w, c in zip(weights, COMPONENTS))
                        for s in ("buy", "sell")])
    return dataclasses.replace(tox, knots=knots, weights=weights, combined_knots=_knots(z))


def _knots(x: np.ndarray) -> tuple[float, ...]:
    q = np.quantile(np.asarray(x, dtype=np.float64), KNOT_PROBS)
    rounded = np.array([float(f"{v:.6g}") for v in q])
    return tuple(float(v) for v in np.maximum.accumulate(rounded))
