"""Calibrating the toxicity score: component distributions, signs, combined distribution.

:func:`calibrate_toxicity` runs the stack's vectorised twin over recorded events and
fits, for :class:`~workbench.estimators.toxicity.ToxicityParams`:

* ``knots``: quantiles of each raw component over every event, both sides pooled
  (VPIN's over the events where its window is full);
* ``weights``: each component's Spearman correlation between its percentile just before
  an aggressive order (on the order's side) and the markout of the fill it gave a maker
  resting at the touch (:func:`order_markouts`, at the markout horizon), scaled to
  ``sum |w| = 1``: the sign is the measured direction. A component whose correlation
  does not have the same sign on the orders of each of :data:`STABILITY_PARTS`
  consecutive parts of the calibration day weighs 0 (:func:`stable_weights`): a
  direction that does not hold within a day is not one to trade on the next. Burst and
  sweep weigh 0 whatever their direction (:data:`ACTIVITY_SCALED`): they are in
  notional and bps, so their distribution moves with how busy the day is, and a score
  calibrated on a quiet day would flag a busy one throughout;
* ``combined_knots``: percentiles (every 1%) of ``z = sum w_c (u_c - 1/2)`` over every
  event and side;
* ``quiet_quantile``: the threshold, set so that the toxic-flow guard, replayed over the
  calibration events with its hysteresis and cool-down (:func:`~workbench.estimators.
  guard_replay.guard_levels`), widens or pulls on at most ``flag_share`` of them.

:func:`choose_cooldown` picks the guard's cool-down on the calibration day too: for each
candidate the threshold is calibrated as above, and the candidate whose guarded fills
are the most adverse against the others (the worse of the two markout horizons) wins.

:func:`aggressive_orders` groups prints into the orders that made them and
:func:`order_markouts` gives each order's fill markout, the target of the weights and
of the scorecard's toxicity rows.
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
#: Consecutive parts of the calibration orders on which a component's direction must
#: hold for it to weigh anything.
STABILITY_PARTS = 4
#: Components on an activity scale (notional, bps of a run), never weighted.
ACTIVITY_SCALED = ("burst", "sweep")
#: Cool-downs :func:`choose_cooldown` tries by default, ns (none up to the old fixed 2 s).
COOLDOWN_CANDIDATES_NS = (0, 20_000_000, 100_000_000, 500_000_000, 2_000_000_000)
#: Markout horizons the cool-down is chosen on, seconds (the scorecard's).
CHOICE_HORIZONS_S = (1.0, 5.0)


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
    if not 0.0 < flag_share < 1.0:
        raise ValueError("flag_share must be in (0, 1)")
    return _Fit(arrays, stack).threshold(flag_share, guard or GuardThresholds())


def choose_cooldown(arrays: EventArrays, stack=None, flag_share: float = FLAG_SHARE,
                    guard=None, candidates_ns=COOLDOWN_CANDIDATES_NS
                    ) -> tuple[int, ToxicityParams, dict[int, float]]:
    """The guard's cool-down, chosen on calibration events, and the score fitted for it.

    For each candidate the score's threshold is calibrated (as in
    :func:`calibrate_toxicity`, the guard with that ``cooldown_ns``), the guard replayed
    over the calibration events, and the fills of the orders that met a side it widens
    or pulls compared with the others (:func:`flagged_ratio`) at each of
    :data:`CHOICE_HORIZONS_S`. Of the candidates whose guard acts on at least half of
    ``flag_share`` (a threshold on the calibrated percentiles cannot always come near
    the share when the cool-down lengthens every episode), the one with the largest
    worse-of-the-horizons ratio wins (a tie goes to the longer cool-down).

    Parameters
    ----------
    arrays, stack, flag_share, guard
        As in :func:`calibrate_toxicity`.
    candidates_ns : sequence of int
        Cool-downs to try, ns (>= 0).

    Returns
    -------
    cooldown_ns : int
    toxicity : ToxicityParams
        The score calibrated for that cool-down.
    ratios : dict of int to float
        Each candidate's worse ratio (``-inf`` where it is undefined or the candidate
        is not admissible).

    Raises
    ------
    ValueError
        If ``flag_share`` is not in (0, 1) or there is no candidate.
    """
    if not 0.0 < flag_share < 1.0:
        raise ValueError("flag_share must be in (0, 1)")
    if not len(candidates_ns):
        raise ValueError("choose_cooldown needs at least one candidate")
    fit = _Fit(arrays, stack)
    g = guard or GuardThresholds()
    marks = [order_markouts(arrays, fit.mid, h) for h in CHOICE_HORIZONS_S]
    best, ratios = None, {}
    for c in sorted(int(x) for x in candidates_ns):
        gc = dataclasses.replace(g, cooldown_ns=c)
        tox = fit.threshold(flag_share, gc)
        acting = fit.acting(tox.quiet_quantile, gc)
        worse = min(flagged_ratio(m, acting) for m in marks)
        if worse != worse or acting.any(axis=1).mean() < flag_share / 2:
            worse = -np.inf  # nothing to compare, or too little of the share used
        ratios[c] = worse
        if best is None or worse >= ratios[best[0]]:
            best = (c, tox)
    return best[0], best[1], ratios


def flagged_ratio(marks: pd.DataFrame, acting: np.ndarray) -> float:
    """Mean markout of the orders that met an acting side over that of the others.

    Parameters
    ----------
    marks : pandas.DataFrame
        :func:`order_markouts`' output.
    acting : numpy.ndarray of bool, shape (n, 2)
        Where the guard acts on the bid (column 0) and the ask after each event.

    Returns
    -------
    float
        ``inf`` if the others' mean is not positive and the flagged one is; ``nan`` if
        either group is empty, or if neither mean is positive.
    """
    before = marks["before"].to_numpy()
    hit = np.where(marks["side"].to_numpy() > 0, acting[before, 1], acting[before, 0])
    y = marks["adverse_bps"].to_numpy()
    if hit.all() or not hit.any():
        return float("nan")
    flagged, other = float(y[hit].mean()), float(y[~hit].mean())
    if other > 0:
        return flagged / other
    return float("inf") if flagged > 0 else float("nan")


def stable_weights(ic_parts: np.ndarray, ic_all: np.ndarray) -> tuple[float, ...]:
    """Signed weights from each component's correlations, 0 where the sign is unstable.

    Parameters
    ----------
    ic_parts : numpy.ndarray, shape (k, m)
        Each component's correlation on each of ``k`` parts of the orders.
    ic_all : numpy.ndarray, shape (m,)
        Its correlation on all of them.

    Returns
    -------
    tuple of float
        ``ic_all`` where every part and ``ic_all`` share a sign (0 elsewhere), scaled to
        ``sum |w| = 1``; equal weights if nothing is left.
    """
    sign = np.sign(np.asarray(ic_parts, dtype=np.float64))
    ic = np.asarray(ic_all, dtype=np.float64)
    keep = (sign == np.sign(ic)).all(axis=0) & (np.sign(ic) != 0)
    w = np.where(keep, ic, 0.0)
    total = float(np.abs(w).sum())
    if total == 0:
        return (1.0 / len(w),) * len(w)
    return tuple(float(x) for x in w / total)


class _Fit:
    """What every threshold of one calibration shares: the frame, knots and weights."""

    def __init__(self, arrays: EventArrays, stack=None) -> None:
        from workbench.estimators.stack import StackParams, signals_frame

        sp = stack or StackParams()
        self.frame = frame = signals_frame(arrays, sp)
        self.tox = sp.toxicity
        warm = frame["vpin_warm"].to_numpy()
        every = slice(None)
        self.knots = tuple(
            _knots(np.concatenate([frame[f"x_{c}_buy"][ok], frame[f"x_{c}_sell"][ok]]))
            for c, ok in zip(COMPONENTS, (warm, *(every,) * (len(COMPONENTS) - 1))))
        u = {(c, s): percentile_array(frame[f"x_{c}_{s}"].to_numpy(), kc)
             for c, kc in zip(COMPONENTS, self.knots) for s in ("buy", "sell")}
        for s in ("buy", "sell"):
            u[("vpin", s)] = np.where(warm, u[("vpin", s)], 0.5)
        self.mid = venue_mid(arrays, sp.fair.reference_index(arrays.streams))
        marks = order_markouts(arrays, self.mid, self.tox.markout_horizon_s)
        before = marks["before"].to_numpy()
        buy = marks["side"].to_numpy() > 0
        y = marks["adverse_bps"].to_numpy()
        part = np.arange(len(y)) * STABILITY_PARTS // max(len(y), 1)
        x = [np.where(buy, u[(c, "buy")][before], u[(c, "sell")][before]) for c in COMPONENTS]
        ic_all = [_spearman(xc, y) for xc in x]
        ic_parts = [[_spearman(xc[part == j], y[part == j]) for xc in x]
                    for j in range(STABILITY_PARTS)]
        scale_free = np.array([c not in ACTIVITY_SCALED for c in COMPONENTS])
        self.weights = stable_weights(np.array(ic_parts) * scale_free,
                                      np.array(ic_all) * scale_free)
        z = [sum(w * (u[(c, s)] - 0.5) for w, c in zip(self.weights, COMPONENTS))
             for s in ("sell", "buy")]
        self.combined = _knots(np.concatenate(z), COMBINED_KNOT_PROBS)
        self.q_bid, self.q_ask = (percentile_array(zs, self.combined) for zs in z)

    def acting(self, q0: float, guard) -> np.ndarray:
        """Where the guard acts with the fitted score at quiet quantile ``q0``."""
        return guard_acting(self.frame.assign(toxicity_bid=tail_score(self.q_bid, q0),
                                              toxicity_ask=tail_score(self.q_ask, q0)), guard)

    def threshold(self, flag_share: float, guard) -> ToxicityParams:
        """The fitted score with ``q0`` placed for ``guard`` to act on ``flag_share``."""
        q0 = quiet_quantile_for_guard(
            np.maximum(self.q_bid, self.q_ask), len(self.combined), flag_share,
            guard.widen_on, lambda q: float(self.acting(q, guard).any(axis=1).mean()))
        return dataclasses.replace(self.tox, knots=self.knots, weights=self.weights,
                                   combined_knots=self.combined, quiet_quantile=q0)


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0
    r = stats.spearmanr(x, y).statistic
    return float(r) if np.isfinite(r) else 0.0


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
