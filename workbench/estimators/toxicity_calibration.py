"""Calibrating the toxicity score: component distributions, signs, combined distribution.

:func:`calibrate_toxicity` runs the stack's vectorised twin over recorded events and
fits, for :class:`~workbench.estimators.toxicity.ToxicityParams`:

* ``knots``: quantiles of each raw component over every event, both sides pooled
  (VPIN's over the events where its window is full);
* ``weights``: each component's Spearman correlation between its percentile just before
  an aggressive order (on the order's side) and the markout of the fill it gave a maker
  resting at the touch (:func:`order_markouts`, at the markout horizon), scaled to
  ``sum |w| = 1``: the sign is the measured direction;
* ``combined_knots``: percentiles (every 1%) of ``z = sum w_c (u_c - 1/2)`` over every
  event and side;
* ``quiet_quantile``: the threshold, set so that the toxic-flow guard, replayed over the
  calibration events with its hysteresis and cool-down (:func:`~workbench.estimators.
  guard_replay.guard_levels`), widens or pulls on at most ``flag_share`` of them.

:func:`aggressive_orders` groups prints into the orders that made them and
:func:`order_markouts` gives each order's fill markout, the target of the weights and
of the scorecard's toxicity rows; :func:`trade_markouts` is the per-print markout
against the mid before the print.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy import stats

from workbench.core.events import EventKind
from workbench.estimators.arrays import EventArrays, trade_notional
from workbench.estimators.decay import NS_PER_S
from workbench.estimators.guard_replay import GuardThresholds, guard_buy_flow, guard_levels
from workbench.estimators.toxicity import (
    COMPONENTS,
    ToxicityParams,
    percentile_array,
    tail_score,
)

#: Quantile probabilities of the calibrated knots of each component.
KNOT_PROBS = np.linspace(0.0, 1.0, 41)
#: Quantile probabilities of the combined statistic's knots (they place the threshold).
COMBINED_KNOT_PROBS = np.linspace(0.0, 1.0, 101)
#: Share of calibration events on which the guard acts on either side, by default.
FLAG_SHARE = 0.10
#: Largest gap between two prints of one aggressive order, ns (far below any
#: round trip to the venue: the guard cannot act between them).
ORDER_GAP_NS = 1_000_000


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


def aggressive_orders(arrays: EventArrays) -> tuple[np.ndarray, np.ndarray]:
    """Group the valid prints into the aggressive orders that made them.

    An order's prints are consecutive trade events of one stream and side, with no
    other event of that stream between them and less than :data:`ORDER_GAP_NS` apart
    (the venue publishes one print per resting order filled).

    Returns
    -------
    first : numpy.ndarray
        Event index of each order's first print.
    prints : numpy.ndarray
        Number of prints of each order.
    """
    k, _ = trade_notional(arrays)
    if not len(k):
        return k, k
    st, side, ts = arrays.stream[k], arrays.side[k], arrays.ts_ns[k]
    # each event's number within its stream: consecutive prints differ by one
    per_stream = np.zeros(len(arrays), dtype=np.int64)
    for i in range(len(arrays.streams)):
        sel = arrays.stream == i
        per_stream[sel] = np.arange(int(sel.sum()))
    new = np.ones(len(k), dtype=bool)
    new[1:] = ((st[1:] != st[:-1]) | (side[1:] != side[:-1])
               | (per_stream[k[1:]] - per_stream[k[:-1]] != 1)
               | (ts[1:] - ts[:-1] >= ORDER_GAP_NS))
    starts = np.flatnonzero(new)
    return k[starts], np.diff(np.append(starts, len(k)))


def order_markouts(arrays: EventArrays, mid: np.ndarray, horizon_s: float) -> pd.DataFrame:
    """Each aggressive order's markout for the maker it filled at the touch.

    A maker resting at the touch is filled once by each aggressive order that reaches
    it, at the order's first print ``p``; the guard's state as of the event before that
    print is what could have protected it. Its markout, signed against the maker,

        adverse_bps = side (mid(t + h) - p) / mid(t-) * 1e4,

    is positive when the price moved the aggressor's way by more than the price the
    maker got; ``mid(t-)`` is the mid after the event before the order, ``mid(t + h)``
    after the last event at or before ``t + h``.

    Parameters
    ----------
    arrays : EventArrays
    mid : numpy.ndarray
        Mid after every event, quote currency (0 or NaN where unknown).
    horizon_s : float

    Returns
    -------
    pandas.DataFrame
        ``event`` (the first print), ``before`` (the event before it), ``ts_ns``,
        ``side``, ``prints``, ``adverse_bps``; orders whose horizon passes the data's
        end or whose mids are unknown are dropped.
    """
    first, prints = aggressive_orders(arrays)
    ts = np.maximum.accumulate(arrays.ts_ns)
    before = np.maximum(first - 1, 0)
    h_ns = round(horizon_s * NS_PER_S)
    end = np.searchsorted(ts, ts[first] + h_ns, side="right") - 1
    tick = np.array(arrays.streams.tick_sizes)[arrays.stream[first]]
    price = arrays.price_ticks[first] * tick
    m0, m1 = mid[before], mid[end]
    keep = (first > 0) & (ts[first] + h_ns <= ts[-1]) & (m0 > 0) & (m1 > 0)
    side = arrays.side[first]
    with np.errstate(invalid="ignore"):
        adverse = side * (m1 - price) / np.where(m0 > 0, m0, 1.0) * 1e4
    return pd.DataFrame({"event": first[keep], "before": before[keep],
                         "ts_ns": ts[first][keep], "side": side[keep],
                         "prints": prints[keep], "adverse_bps": adverse[keep]})


def guard_acting(frame: pd.DataFrame, guard=None) -> np.ndarray:
    """Where the toxic-flow guard widens or pulls each side, replayed over a frame.

    Parameters
    ----------
    frame : pandas.DataFrame
        :func:`~workbench.estimators.stack.signals_frame`'s output.
    guard : GuardParams or GuardThresholds, optional

    Returns
    -------
    numpy.ndarray of bool, shape (n, 2)
        Bid (column 0) and ask acting after each event.
    """
    g = guard or GuardThresholds()
    flow = guard_buy_flow(frame["book_imbalance"].to_numpy(), frame["ofi"].to_numpy(),
                          frame["trade_imbalance"].to_numpy(), g.flow_weights)
    return guard_levels(frame["ts_ns"].to_numpy(), frame["toxicity_bid"].to_numpy(),
                        frame["toxicity_ask"].to_numpy(), flow, g) > 0


def calibrate_toxicity(arrays: EventArrays, stack=None, flag_share: float = FLAG_SHARE,
                       guard=None) -> ToxicityParams:
    """Fit the toxicity score's distributions, weights and threshold on recorded events.

    Parameters
    ----------
    arrays : EventArrays
        Calibration events.
    stack : StackParams, optional
        The stack whose components are calibrated (its ``toxicity`` gives the horizon
        and the reason quantile; its knots, weights and quiet quantile are replaced;
        its fair mid's reference is the quoted venue, whose mid marks the fills).
    flag_share : float
        Largest share of the calibration events on which the guard, replayed with the
        fitted score, may act on either side, in (0, 1).
    guard : GuardParams or GuardThresholds, optional
        The guard whose acting share is calibrated (default: the guard's defaults).

    Returns
    -------
    ToxicityParams

    Raises
    ------
    ValueError
        If ``flag_share`` is not in (0, 1).
    """
    from workbench.estimators.stack import StackParams, signals_frame

    if not 0.0 < flag_share < 1.0:
        raise ValueError("flag_share must be in (0, 1)")
    sp = stack or StackParams()
    g = guard or GuardThresholds()
    frame = signals_frame(arrays, sp)
    tox = sp.toxicity
    warm = frame["vpin_warm"].to_numpy()
    knots = tuple(_knots(np.concatenate([frame[f"x_{c}_buy"][ok], frame[f"x_{c}_sell"][ok]]))
                  for c, ok in zip(COMPONENTS, (warm, *(slice(None),) * 3)))
    u = {(c, s): percentile_array(frame[f"x_{c}_{s}"].to_numpy(), kc)
         for c, kc in zip(COMPONENTS, knots) for s in ("buy", "sell")}
    for s in ("buy", "sell"):
        u[("vpin", s)] = np.where(warm, u[("vpin", s)], 0.5)
    mid = venue_mid(arrays, sp.fair.reference_index(arrays.streams))
    marks = order_markouts(arrays, mid, tox.markout_horizon_s)
    before = marks["before"].to_numpy()
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
         for s in ("sell", "buy")]
    combined = _knots(np.concatenate(z), COMBINED_KNOT_PROBS)
    q_bid, q_ask = (percentile_array(zs, combined) for zs in z)

    def share(q0: float) -> float:
        acting = guard_acting(frame.assign(toxicity_bid=tail_score(q_bid, q0),
                                           toxicity_ask=tail_score(q_ask, q0)), g)
        return float(acting.any(axis=1).mean())

    q0 = quiet_quantile_for_guard(np.maximum(q_bid, q_ask), len(combined), flag_share,
                                  g.widen_on, share)
    return dataclasses.replace(tox, knots=knots, weights=weights, combined_knots=combined,
                               quiet_quantile=q0)


def venue_mid(arrays: EventArrays, stream: int) -> np.ndarray:
    """One stream's mid (quote currency) after every event: its last valid top of book
    (both sides positive, not crossed), 0 before the first."""
    ok = ((arrays.kind == EventKind.BBO) & (arrays.stream == stream) & (arrays.bid_ticks > 0)
          & (arrays.ask_ticks > arrays.bid_ticks) & (arrays.bid_lots > 0)
          & (arrays.ask_lots > 0))
    k = np.flatnonzero(ok)
    tick = arrays.streams.tick_sizes[stream]
    mids = np.concatenate(([0.0], (arrays.bid_ticks[k] + arrays.ask_ticks[k]) * 0.5 * tick))
    return mids[np.searchsorted(k, np.arange(len(arrays)), side="right")]


def quiet_quantile_for_guard(q: np.ndarray, n_knots: int, flag_share: float,
                             flag_score: float, share) -> float:
    """The quiet quantile ``q0`` at which the guard acts on at most ``flag_share``.

    Candidate thresholds sit halfway between two attainable combined percentiles (as in
    :func:`quiet_quantile_for`); the lowest one whose ``share(q0)`` (the guard's acting
    share, replayed) is at most ``flag_share`` is found by bisection over them.

    Parameters
    ----------
    q : numpy.ndarray
        Each event's larger combined percentile of the two sides.
    n_knots : int
    flag_share, flag_score : float
        Target share and the guard's ``widen_on``.
    share : callable
        ``share(q0) -> float``.

    Returns
    -------
    float
    """
    levels = np.unique(q)
    cuts = np.append(levels - 0.25 / n_knots, 1.0 - 0.25 / n_knots)

    def q0_of(cut: float) -> float:
        return float(min(max((cut - flag_score) / (1.0 - flag_score), 0.0), 1.0 - 1e-9))

    lo, hi = 0, len(cuts) - 1  # share(cuts[hi]) is 0: nothing reaches the last cut
    if share(q0_of(cuts[lo])) <= flag_share:
        return q0_of(cuts[lo])
    while hi - lo > 1:
        m = (lo + hi) // 2
        if share(q0_of(cuts[m])) <= flag_share:
            hi = m
        else:
            lo = m
    return q0_of(cuts[hi])


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
