"""Which events the toxic-flow guard acts on, replayed from per-event scores and flows.

The guard (:class:`workbench.strategies.toxic_guard.ToxicGuard`) turns each side's score
into a level (keep, widen, pull, join) with hysteresis and a cool-down: a level is
entered at its ``*_on`` threshold and held while the score stays at or above its
``*_off`` threshold; stepping down to a milder level waits until ``cooldown_ns`` of
event time have passed since the side last changed level; a NaN score or flow pulls.
The calibration of the toxicity score and the scorecard need the same levels over a
whole recorded day, but research math may not import the trading layer, so this is
the guard's level rule again, over arrays; a test holds it equal to ``ToxicGuard``.

A side *acts* (the maker's quote there is widened or pulled) at every level above
keep. Only the level is replayed, not the join orders' own cool-down.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KEEP, WIDEN, PULL, JOIN = 0, 1, 2, 3


def _classify(score: float, flow: float, current: int, p) -> int:
    if score != score or flow != flow:
        return PULL
    if flow >= p.join_flow and score >= (p.join_off if current == JOIN else p.join_on):
        return JOIN
    if score >= (p.pull_off if current >= PULL else p.pull_on):
        return PULL
    if score >= (p.widen_off if current >= WIDEN else p.widen_on):
        return WIDEN
    return KEEP


def guard_levels(ts_ns: np.ndarray, score_bid: np.ndarray, score_ask: np.ndarray,
                 buy_flow: np.ndarray, params) -> np.ndarray:
    """The guard's level of each side after each event.

    Parameters
    ----------
    ts_ns : numpy.ndarray
        Event times, ns (non-decreasing).
    score_bid, score_ask : numpy.ndarray
        Each event's toxicity of the flow that would hit our bid and lift our ask.
    buy_flow : numpy.ndarray
        Each event's directional flow towards the ask in [-1, 1] (the guard's
        ``flow_weights`` applied to book imbalance, OFI and trade imbalance); the bid's
        flow is its negative.
    params : GuardParams
        The guard's thresholds and ``cooldown_ns`` (any object with those attributes).

    Returns
    -------
    numpy.ndarray of int8, shape (n, 2)
        Level (0 keep, 1 widen, 2 pull, 3 join) of the bid (column 0) and the ask.
    """
    n = len(ts_ns)
    out = np.zeros((n, 2), dtype=np.int8)
    widen_on, cooldown = params.widen_on, params.cooldown_ns
    ts, sb, sa, fa = (np.asarray(x).tolist() for x in (ts_ns, score_bid, score_ask,
                                                       buy_flow))
    level = [KEEP, KEEP]
    changed = [None, None]
    for i in range(n):
        scores, flows = (sb[i], sa[i]), (-fa[i], fa[i])
        if (level[0] == KEEP and level[1] == KEEP and scores[0] < widen_on
                and scores[1] < widen_on and flows[0] == flows[0]):
            continue  # the quiet market: nothing changes
        t = ts[i]
        for s in (0, 1):
            current = level[s]
            target = _classify(scores[s], flows[s], current, params)
            if target < current and changed[s] is not None and t - changed[s] < cooldown:
                target = current
            if target != current:
                level[s] = target
                changed[s] = t
        out[i] = level
    return out


def guard_buy_flow(book_imbalance: np.ndarray, ofi: np.ndarray, trade_imbalance: np.ndarray,
                   flow_weights: tuple[float, float, float]) -> np.ndarray:
    """The guard's directional flow towards the ask, per event (``flow_weights`` on
    book imbalance, OFI and trade imbalance)."""
    wb, wo, wt = flow_weights
    return (wb * np.asarray(book_imbalance, dtype=np.float64) + wo * np.asarray(ofi)
            + wt * np.asarray(trade_imbalance))


@dataclass(frozen=True)
class GuardThresholds:
    """The guard's level thresholds and cool-down, as :func:`guard_levels` reads them.

    The defaults are :class:`~workbench.strategies.toxic_guard.GuardParams`' (a test
    holds them equal); pass a ``GuardParams`` wherever one of these is taken.
    """

    widen_on: float = 0.5
    widen_off: float = 0.4
    pull_on: float = 0.75
    pull_off: float = 0.6
    join_on: float = 0.9
    join_off: float = 0.8
    join_flow: float = 0.5
    cooldown_ns: int = 0
    flow_weights: tuple[float, float, float] = (0.5, 0.0, -0.5)
